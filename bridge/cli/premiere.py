"""Where Premiere Pro looks for plugins on Windows and macOS, and whether ours is there.

Shared by `promptcut panel install` (which puts the plugins there) and `promptcut doctor`
(which reports them). Every path is computed from a `Host` (platform, home folder), so
both commands work on a fake home folder in tests and for another user's folder.

- CEP extensions: `%APPDATA%\\Adobe\\CEP\\extensions` (Windows) and
  `~/Library/Application Support/Adobe/CEP/extensions` (macOS), one folder per extension.
  Unsigned extensions load only with `PlayerDebugMode` set to 1 for each CSXS version:
  the registry key `HKCU\\Software\\Adobe\\CSXS.<n>` on Windows, the preferences domain
  `com.adobe.CSXS.<n>` on macOS. Our manifest needs CSXS 11 (Premiere 2022); Premiere
  2023 and later run CSXS 12.
- UXP plugins: Creative Cloud installs a `.ccx` under `Adobe/UXP/Plugins/External`, in
  the shared Common Files / Application Support folder and in the user's own; each plugin
  is a folder named `<id>_<version>`. (These are where Adobe's installer puts them; not
  checked on a real Premiere here.)
"""

from __future__ import annotations

import contextlib
import os
import plistlib
import secrets
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bridge.panel_assets import PLUGIN_ID

CSXS_VERSIONS = (11, 12)
SYSTEMS = ("windows", "macos")


@dataclass(frozen=True)
class Host:
    system: str  # windows | macos | linux ...
    home: Path
    fake: bool = False  # a --home other than the real one: never touch the real system

    @property
    def supported(self) -> bool:
        return self.system in SYSTEMS

    @property
    def appdata(self) -> Path:
        if self.system == "windows" and not self.fake and os.environ.get("APPDATA"):
            return Path(os.environ["APPDATA"])
        return self.home / "AppData" / "Roaming"

    @property
    def user_support(self) -> Path:
        return self.home / "Library" / "Application Support"


def this_host(system: str | None = None, home: str | Path | None = None) -> Host:
    real = {"win32": "windows", "darwin": "macos"}.get(sys.platform, sys.platform)
    fake = home is not None and Path(home).expanduser().resolve() != Path.home().resolve()
    return Host(system or real, Path(home).expanduser() if home else Path.home(),
                fake or (system is not None and system != real))


def cep_extensions_dir(host: Host) -> Path:
    if host.system == "windows":
        return host.appdata / "Adobe" / "CEP" / "extensions"
    return host.user_support / "Adobe" / "CEP" / "extensions"


def uxp_plugin_dirs(host: Host) -> list[Path]:
    if host.system == "windows":
        common = Path(os.environ.get("COMMONPROGRAMFILES", r"C:\Program Files\Common Files"))
        user = host.appdata / "Adobe" / "UXP" / "Plugins" / "External"
    else:
        common = Path("/Library/Application Support")
        user = host.user_support / "Adobe" / "UXP" / "Plugins" / "External"
    shared = common / "Adobe" / "UXP" / "Plugins" / "External"
    return [user] if host.fake else [shared, user]


def installed_uxp(host: Host) -> list[Path]:
    found = []
    for folder in uxp_plugin_dirs(host):
        if folder.is_dir():
            found += sorted(p for p in folder.iterdir() if p.name.startswith(PLUGIN_ID))
    return found


def installed_cep(host: Host) -> Path | None:
    target = cep_extensions_dir(host) / PLUGIN_ID
    return target if (target / "CSXS" / "manifest.xml").is_file() else None


def uxp_installer(host: Host) -> Path | None:
    """Adobe's Unified Plugin Installer Agent, which installs a .ccx from a terminal."""
    if host.fake:
        return None
    if host.system == "windows":
        base = Path(os.environ.get("COMMONPROGRAMFILES", r"C:\Program Files\Common Files"))
        agent = (base / "Adobe" / "Adobe Desktop Common" / "RemoteComponents" / "UPI" /
                 "UnifiedPluginInstallerAgent" / "UnifiedPluginInstallerAgent.exe")
    else:
        agent = Path("/Library/Application Support/Adobe/Adobe Desktop Common/RemoteComponents/"
                     "UPI/UnifiedPluginInstallerAgent/UnifiedPluginInstallerAgent.app/"
                     "Contents/MacOS/UnifiedPluginInstallerAgent")
    return agent if agent.is_file() else None


# --------------------------------------------------------------------- CEP debug mode

def debug_commands(host: Host) -> list[str]:
    """The commands that set PlayerDebugMode, as a person would type them."""
    if host.system == "windows":
        return [f"reg add HKCU\\Software\\Adobe\\CSXS.{v} /v PlayerDebugMode /t REG_SZ /d 1 /f"
                for v in CSXS_VERSIONS]
    return [f"defaults write com.adobe.CSXS.{v} PlayerDebugMode 1" for v in CSXS_VERSIONS]


def debug_mode(host: Host) -> dict[int, bool | None]:
    """PlayerDebugMode per CSXS version: True, False, or None where it cannot be read."""
    out: dict[int, bool | None] = {}
    for v in CSXS_VERSIONS:
        if host.system == "windows":
            out[v] = _read_reg(v) if not host.fake and sys.platform == "win32" else None
        else:
            data = _read_plist(_plist(host, v))
            out[v] = None if data is None else str(data.get("PlayerDebugMode")) == "1"
    return out


# What PlayerDebugMode was before: the value as stored ("0", "1", ...), ABSENT where the key
# was not set, UNKNOWN where we could not read it (another system's registry).
ABSENT, UNKNOWN = None, "?"


def debug_values(host: Host) -> dict[int, str | None]:
    """PlayerDebugMode per CSXS version as stored, for `panel uninstall` to put back."""
    out: dict[int, str | None] = {}
    for v in CSXS_VERSIONS:
        if host.system == "windows":
            out[v] = _reg_value(v) if not host.fake and sys.platform == "win32" else UNKNOWN
        elif not host.fake and sys.platform == "darwin":
            got = subprocess.run(["defaults", "read", f"com.adobe.CSXS.{v}", "PlayerDebugMode"],
                                 capture_output=True, text=True)
            out[v] = got.stdout.strip() if got.returncode == 0 else ABSENT
        else:
            data = _read_plist(_plist(host, v))
            value = (data or {}).get("PlayerDebugMode")
            out[v] = ABSENT if value is None else str(value)
    return out


def set_debug_mode(host: Host) -> list[str]:
    """Turn PlayerDebugMode on for every CSXS version; return what could not be done here."""
    return write_debug_mode(host, dict.fromkeys(CSXS_VERSIONS, "1"))


def write_debug_mode(host: Host, values: dict[int, str | None]) -> list[str]:
    """Set PlayerDebugMode per CSXS version (ABSENT removes the key); return the commands a
    person must run where it cannot be done here.

    macOS: `defaults write`/`delete` for this user; for another home folder, the preference
    files it would write. Windows: the registry through winreg, only on Windows itself for
    this user; elsewhere the commands are returned for a person to run.
    """
    values = {v: x for v, x in values.items() if x != UNKNOWN}
    if host.system == "windows":
        if host.fake or sys.platform != "win32":
            return [f"reg delete HKCU\\Software\\Adobe\\CSXS.{v} /v PlayerDebugMode /f"
                    if x is ABSENT else
                    f"reg add HKCU\\Software\\Adobe\\CSXS.{v} /v PlayerDebugMode /t REG_SZ "
                    f"/d {x} /f" for v, x in values.items()]
        import winreg  # type: ignore[import-not-found]

        for v, x in values.items():
            with winreg.CreateKey(winreg.HKEY_CURRENT_USER, f"Software\\Adobe\\CSXS.{v}") as k:
                if x is ABSENT:
                    with contextlib.suppress(OSError):  # already absent
                        winreg.DeleteValue(k, "PlayerDebugMode")
                else:
                    winreg.SetValueEx(k, "PlayerDebugMode", 0, winreg.REG_SZ, x)
        return []
    if not host.fake and sys.platform == "darwin":
        for v, x in values.items():  # through cfprefsd, so a running Premiere sees it
            domain = f"com.adobe.CSXS.{v}"
            if x is ABSENT:
                subprocess.run(["defaults", "delete", domain, "PlayerDebugMode"],
                               capture_output=True)
            else:
                subprocess.run(["defaults", "write", domain, "PlayerDebugMode", x], check=True)
        return []
    for v, x in values.items():
        path = _plist(host, v)
        data = _read_plist(path)
        if data is None and path.exists():
            # Adobe's file, unreadable to us: kept beside it, never written over.
            os.replace(path, path.with_name(f"{path.name}.unreadable-{int(time.time())}"))
        data = data or {}
        if x is ABSENT:
            if "PlayerDebugMode" not in data:
                continue
            del data["PlayerDebugMode"]
        else:
            data["PlayerDebugMode"] = x
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.partial")
        with open(tmp, "wb") as f:
            plistlib.dump(data, f, fmt=plistlib.FMT_BINARY)
        os.replace(tmp, path)
    return []


def _plist(host: Host, version: int) -> Path:
    return host.home / "Library" / "Preferences" / f"com.adobe.CSXS.{version}.plist"


def _read_plist(path: Path) -> dict | None:
    try:
        with open(path, "rb") as f:
            data = plistlib.load(f)
    except FileNotFoundError:
        return None
    except (OSError, plistlib.InvalidFileException, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _reg_value(version: int) -> str | None:
    import winreg  # type: ignore[import-not-found]

    try:
        with winreg.OpenKey(winreg.HKEY_CURRENT_USER, f"Software\\Adobe\\CSXS.{version}") as k:
            value, _ = winreg.QueryValueEx(k, "PlayerDebugMode")
    except OSError:
        return ABSENT
    return str(value)


def _read_reg(version: int) -> bool | None:
    import winreg  # type: ignore[import-not-found]

    try:
        with winreg.OpenKey(winreg.HKEY_CURRENT_USER, f"Software\\Adobe\\CSXS.{version}") as k:
            value, _ = winreg.QueryValueEx(k, "PlayerDebugMode")
    except OSError:
        return False
    return str(value) == "1"
