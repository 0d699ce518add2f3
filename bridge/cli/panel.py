"""`promptcut panel install`: put the Premiere plugins where Premiere finds them.

- CEP (Premiere before 25.6): copies the bundled extension into the user's CEP extensions
  folder and turns PlayerDebugMode on for the CSXS versions that load it unsigned. An
  earlier copy there is moved to the data dir's trash, not deleted.
- UXP (Premiere 25.6 and later): writes a `.ccx` whose manifest allows exactly the bridge's
  port (`requiredPermissions.network.domains`), then says how to install it: double-click,
  or Adobe's installer agent when it is on this machine.

`promptcut panel uninstall` undoes it: the extension folder and the .ccx go to the data dir's
trash (nothing is lost), and PlayerDebugMode is put back to what it was before the first
install, which `install` remembers in `<data dir>/plugins/panel-install.json` (one entry per
system and home folder; a reinstall keeps the first "before").

`--platform` and `--home` install for another system or user folder (and are how the tests
run it on a fake home); nothing outside that folder is touched then.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from bridge.cli import premiere


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser("panel", help="install the Premiere Pro plugins (UXP and CEP)")
    sub = p.add_subparsers(dest="panel_command", required=True)
    i = sub.add_parser("install", help="install the CEP extension and write the UXP .ccx")
    i.add_argument("--data-dir", help="the library's data dir (the .ccx is written there)")
    i.add_argument("--port", type=int, help="the bridge's port (default: PROMPTCUT_PORT or "
                                            "8642); the UXP plugin may reach only this one")
    i.add_argument("--only", choices=["uxp", "cep"], help="install just one of the two")
    i.add_argument("--ccx-dir", help="where to write the .ccx (default: <data dir>/plugins)")
    i.add_argument("--platform", choices=premiere.SYSTEMS,
                   help="install for this system instead of the one running")
    i.add_argument("--home", help="install into this home folder instead of yours")
    i.add_argument("--json", action="store_true",
                   help="print what was installed (and what is left to do) as JSON")
    i.set_defaults(func=run_install)
    u = sub.add_parser("uninstall", help="remove what `panel install` added (to the trash) and "
                                         "put PlayerDebugMode back as it was")
    u.add_argument("--data-dir", help="the library's data dir (where install kept its record "
                                      "and the .ccx)")
    u.add_argument("--platform", choices=premiere.SYSTEMS,
                   help="uninstall for this system instead of the one running")
    u.add_argument("--home", help="uninstall from this home folder instead of yours")
    u.add_argument("--json", action="store_true", help="print what was done as JSON")
    u.set_defaults(func=run_uninstall)


def run_install(args: argparse.Namespace) -> int:
    from bridge.cli import settings_from

    settings = settings_from(args)
    host = premiere.this_host(args.platform, args.home)
    if not host.supported:
        print("Premiere Pro runs on Windows and macOS. To prepare the plugins for one of "
              "them from here, pass --platform windows|macos and --home FOLDER.",
              file=sys.stderr)
        return 2
    records = _Records(settings.data_dir / "plugins" / "panel-install.json")
    entry = records.get(host)
    if args.json:  # the same steps; their sentences become a list in the JSON answer
        import contextlib
        import io

        said = io.StringIO()
        with contextlib.redirect_stdout(said):
            code = _install(args, host, settings, records, entry)
        print(json.dumps({"installed": code == 0, "cep": entry.get("cep"),
                          "ccx": entry.get("ccx"), "messages": said.getvalue().splitlines()},
                         indent=2, ensure_ascii=False))
        return code
    return _install(args, host, settings, records, entry)


def _install(args: argparse.Namespace, host: premiere.Host, settings: Any, records: _Records,
             entry: dict) -> int:
    from bridge import panel_assets

    try:
        if args.only in (None, "cep"):
            entry.setdefault("debug_before", {str(v): x for v, x in
                                              premiere.debug_values(host).items()})
            entry["cep"] = str(premiere.cep_extensions_dir(host) / premiere.PLUGIN_ID)
            records.save()  # before anything changes: an interrupted install can be undone
            _install_cep(host, panel_assets.cep_dir(), settings.trash_dir, settings.port)
        if args.only in (None, "uxp"):
            out = Path(args.ccx_dir) if args.ccx_dir else settings.data_dir / "plugins"
            package = panel_assets.ccx(settings.port)
            entry["ccx"] = str(out / package.filename)
            records.save()
            _write_ccx(host, package, out, settings.port, settings.trash_dir)
    except panel_assets.PackageMissing as exc:
        print(exc, file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"Installing failed: {exc}", file=sys.stderr)
        return 1
    return 0


def _install_cep(host: premiere.Host, bundle: Path, trash: Path, port: int) -> None:
    from bridge import panel_assets

    parent = premiere.cep_extensions_dir(host)
    target = parent / premiere.PLUGIN_ID
    parent.mkdir(parents=True, exist_ok=True)
    staging = parent / f".{premiere.PLUGIN_ID}.{secrets.token_hex(4)}.partial"
    shutil.copytree(bundle, staging)
    # The launcher opens the panel from the bridge: point it at this bridge's port.
    launcher = staging / "launcher.js"
    launcher.write_text(panel_assets.cep_launcher(launcher.read_text(encoding="utf-8"), port),
                        encoding="utf-8")
    try:
        if target.exists() or target.is_symlink():
            trash.mkdir(parents=True, exist_ok=True)
            old = trash / f"cep-extension-{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(2)}"
            shutil.move(str(target), str(old))
            print(f"The earlier CEP extension was moved to {old}")
        os.replace(staging, target)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)  # this attempt's own copy
    print(f"Installed the CEP extension at {target}")
    todo = premiere.set_debug_mode(host)
    versions = ", ".join(f"CSXS.{v}" for v in premiere.CSXS_VERSIONS)
    if todo:
        print(f"Turn on PlayerDebugMode ({versions}) so Premiere loads the unsigned extension; "
              "in a terminal on that computer:")
        for line in todo:
            print(f"  {line}")
    else:
        print(f"PlayerDebugMode is on for {versions} (unsigned extensions load).")
    print("Restart Premiere, then open Window > Extensions > Promptcut.")


def _write_ccx(host: premiere.Host, package: Any, folder: Path, port: int,
               trash: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / package.filename
    tmp = folder / f".{package.filename}.{secrets.token_hex(4)}.partial"
    tmp.write_bytes(package.data)
    if target.exists():  # an earlier package (or a file of that name): to the trash, not over
        trash.mkdir(parents=True, exist_ok=True)
        old = trash / f"{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(2)}-{target.name}"
        shutil.move(str(target), str(old))
        print(f"The earlier {target.name} was moved to {old}")
    os.replace(tmp, target)
    print(f"Wrote the UXP plugin {target} (it may reach the bridge on port {port} only).")
    agent = premiere.uxp_installer(host)
    if agent:
        quote = '"' if " " in str(agent) else ""
        flag = "/install" if host.system == "windows" else "--install"
        print(f"Install it: double-click it, or run {quote}{agent}{quote} {flag} \"{target}\"")
    else:
        print("Install it by double-clicking it (Creative Cloud installs .ccx plugins), then "
              "open Window > UXP Plugins > Promptcut in Premiere 25.6 or later.")


class _Records:
    """What `panel install` changed, per system and home folder, for `panel uninstall`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.data = {}
        self.data.setdefault("version", 1)
        self.data.setdefault("hosts", {})

    @staticmethod
    def key(host: premiere.Host) -> str:
        return f"{host.system}:{host.home.expanduser().resolve()}"

    def get(self, host: premiere.Host) -> dict:
        return self.data["hosts"].setdefault(self.key(host), {})

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{secrets.token_hex(4)}.partial")
        tmp.write_text(json.dumps(self.data, indent=2), encoding="utf-8")
        os.replace(tmp, self.path)


def run_uninstall(args: argparse.Namespace) -> int:
    from bridge.cli import settings_from

    settings = settings_from(args)
    host = premiere.this_host(args.platform, args.home)
    if not host.supported:
        print("Premiere Pro runs on Windows and macOS: pass --platform windows|macos and "
              "--home FOLDER to undo an install made for one of them.", file=sys.stderr)
        return 2
    records = _Records(settings.data_dir / "plugins" / "panel-install.json")
    entry = records.data["hosts"].get(records.key(host), {})
    done: dict[str, Any] = {"moved_to_trash": [], "player_debug_mode": {}, "to_run": []}
    stamp = time.strftime("%Y%m%d-%H%M%S")
    cep = Path(entry.get("cep") or premiere.cep_extensions_dir(host) / premiere.PLUGIN_ID)
    ccx = Path(entry["ccx"]) if entry.get("ccx") else None
    if ccx is None:
        found = sorted((settings.data_dir / "plugins").glob("promptcut-*.ccx"))
        ccx = found[-1] if found else None
    try:
        for what, path in (("cep-extension", cep), ("ccx", ccx)):
            if path is not None and (path.exists() or path.is_symlink()):
                settings.trash_dir.mkdir(parents=True, exist_ok=True)
                dest = settings.trash_dir / f"{what}-{stamp}-{secrets.token_hex(2)}-{path.name}"
                shutil.move(str(path), str(dest))
                done["moved_to_trash"].append({"from": str(path), "to": str(dest)})
        before = entry.get("debug_before")
        if before is not None:
            values = {int(v): x for v, x in before.items()}
            done["to_run"] = premiere.write_debug_mode(host, values)
            unknown = [v for v, x in values.items() if x == premiere.UNKNOWN]
            if unknown:  # another system's registry: we never knew; say how to remove it
                done["to_run"] += premiere.write_debug_mode(
                    premiere.Host(host.system, host.home, True),
                    dict.fromkeys(unknown, premiere.ABSENT))
            done["player_debug_mode"] = {str(v): x for v, x in values.items()}
        if entry:
            records.data["hosts"].pop(records.key(host), None)
            records.save()
    except OSError as exc:
        print(f"Uninstalling failed: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(done, indent=2, ensure_ascii=False))
        return 0
    for moved in done["moved_to_trash"]:
        print(f"Moved {moved['from']} to the trash: {moved['to']}")
    if not done["moved_to_trash"]:
        print("No CEP extension or .ccx from `panel install` was found.")
    if before is None:
        print("No record of PlayerDebugMode before the install (installed by an older "
              "Promptcut, or never): left as it is.")
    elif done["to_run"]:
        print("Put PlayerDebugMode back; in a terminal on that computer:")
        for line in done["to_run"]:
            print(f"  {line}")
    else:
        shown = ", ".join(f"CSXS.{v}: {'not set' if x is None else x}"
                          for v, x in done["player_debug_mode"].items())
        print(f"PlayerDebugMode is back to what it was before ({shown}).")
    print("A UXP plugin installed from the .ccx is Creative Cloud's: remove it in the Creative "
          "Cloud app (Stock & Marketplace > Plugins > Manage plugins).")
    return 0
