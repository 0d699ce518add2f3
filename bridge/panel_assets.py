"""The panel's files, wherever Promptcut is installed, and the Premiere packages made of them.

An installed wheel carries the panel as package data, `bridge/_panel/`, found through
`importlib.resources`: the browser panel (`index.html`, `styles.css`, `src/`) and the bundled
Premiere plugins (`dist/uxp/`, `dist/cep/`, made by `npm run bundle` when the wheel was
built). A source checkout has the same layout in `panel/` beside the package. So
`promptcut serve` run from any folder serves `/panel/`, and both the service and
`promptcut panel install` can hand out the plugins:

- the UXP plugin as a `.ccx` (a zip with `manifest.json` at its root), written for the port
  the bridge really listens on: UXP refuses network access to origins its manifest does not
  list in `requiredPermissions.network.domains`;
- the CEP extension as a folder (or a zip of it) named by its bundle id.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

PLUGIN_ID = "org.promptcut.panel"
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # reproducible archives: the same files, the same bytes


class PackageMissing(Exception):
    """This install has no bundled Premiere plugin; the message says how to build one."""


def panel_root() -> Path:
    """PROMPTCUT_PANEL_DIR, else the installed package data, else panel/ of a checkout."""
    if env := os.environ.get("PROMPTCUT_PANEL_DIR"):
        return Path(env).resolve()
    packaged = resources.files("bridge") / "_panel"
    if packaged.is_dir():
        return Path(str(packaged)).resolve()
    return (Path(__file__).resolve().parents[1] / "panel").resolve()


def uxp_dir(root: Path | None = None) -> Path:
    return _bundle(root, "uxp", ("manifest.json", "panel.js"))


def cep_dir(root: Path | None = None) -> Path:
    # CEP ships a launcher page that opens the panel from the bridge's own origin.
    return _bundle(root, "cep", ("CSXS/manifest.xml", "launcher.js"))


def _bundle(root: Path | None, host: str, markers: tuple[str, ...]) -> Path:
    folder = (root or panel_root()) / "dist" / host
    if not all((folder / marker).is_file() for marker in markers):
        raise PackageMissing(
            f"This Promptcut has no bundled {host.upper()} plugin ({folder} is missing). "
            "Install a release wheel, or in a source checkout run `npm ci` and "
            "`npm run bundle` in panel/ (Node 20+).")
    return folder


@dataclass(frozen=True)
class Package:
    filename: str
    data: bytes


def uxp_manifest(port: int, root: Path | None = None) -> dict:
    """The UXP manifest with the bridge's origins for `port` as its only network domains."""
    manifest = json.loads((uxp_dir(root) / "manifest.json").read_text(encoding="utf-8"))
    perms = manifest.setdefault("requiredPermissions", {})
    perms.setdefault("network", {})["domains"] = [f"http://127.0.0.1:{port}",
                                                  f"http://localhost:{port}"]
    return manifest


def ccx(port: int, root: Path | None = None) -> Package:
    """The UXP plugin as a `.ccx` Creative Cloud installs by double-click."""
    folder = uxp_dir(root)
    manifest = uxp_manifest(port, root)
    files = {p.relative_to(folder).as_posix(): p.read_bytes() for p in _files(folder)}
    files["manifest.json"] = (json.dumps(manifest, indent=2) + "\n").encode("utf-8")
    return Package(f"promptcut-{manifest.get('version', '0')}.ccx", _zip(files))


CEP_PORT_LINE = "var DEFAULT_PORT = 8642;"


def cep_launcher(text: str, port: int) -> str:
    """The CEP launcher opens the panel from the bridge: point it at the bridge's port."""
    return text.replace(CEP_PORT_LINE, f"var DEFAULT_PORT = {int(port)};")


def cep_zip(port: int, root: Path | None = None) -> Package:
    """The CEP extension as a zip holding one folder named by its bundle id, its launcher
    opening the bridge on `port` (as the .ccx's manifest names it)."""
    folder = cep_dir(root)
    files = {f"{PLUGIN_ID}/{p.relative_to(folder).as_posix()}": p.read_bytes()
             for p in _files(folder)}
    launcher = f"{PLUGIN_ID}/launcher.js"
    files[launcher] = cep_launcher(files[launcher].decode("utf-8"), port).encode("utf-8")
    return Package("promptcut-cep.zip", _zip(files))


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith("."))


def _zip(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, _FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, files[name])
    return buf.getvalue()
