"""The `promptcut` command: serve, generate, token, and the subcommands other areas add."""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from dataclasses import replace
from pathlib import Path

from bridge import __version__
from bridge.config import Settings, default_data_dir, default_port

# Exit codes every command shares (README, "Exit codes"); commands add their own above 3.
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_NOT_FOUND = 0, 1, 2, 3

# Areas that add their own subcommands with `add_parser(subparsers)`.
SUBCOMMAND_MODULES = ["bridge.cli.models", "bridge.cli.export", "bridge.cli.library",
                      "bridge.cli.verify", "bridge.cli.doctor", "bridge.cli.panel",
                      "bridge.cli.logs", "bridge.cli.board", "bridge.cli.providers",
                      "bridge.cli.docs", "bridge.cli.looks"]


SERVICE_COMMANDS = ("serve", "desktop")


def settings_from(args: argparse.Namespace) -> Settings:
    settings = Settings()
    if getattr(args, "data_dir", None):
        settings = replace(settings, data_dir=Path(args.data_dir))
    elif (hasattr(args, "data_dir") and getattr(args, "command", None) not in SERVICE_COMMANDS
          and not os.environ.get("PROMPTCUT_DATA_DIR")):
        # No library named: the one a running bridge uses, if any (bridge.cli.running).
        from bridge.cli.running import library_in_use, note

        found, text = library_in_use(settings.data_dir)
        note(text)
        args.data_dir = str(found or settings.data_dir)  # looked up once per command
        settings = replace(settings, data_dir=Path(args.data_dir))
    if getattr(args, "port", None):
        settings = replace(settings, port=args.port)
    if getattr(args, "allow_origin", None):
        settings = replace(settings, extra_origins=tuple(args.allow_origin))
    if getattr(args, "device", None):
        settings = replace(settings, device=args.device)
    if getattr(args, "no_sign", False):
        settings = replace(settings, sign_takes=False)
    if getattr(args, "devices", None):
        settings = replace(settings, devices=args.devices)
    if getattr(args, "executor", None):
        settings = replace(settings, executor=args.executor)
    if getattr(args, "ray_address", None):
        settings = replace(settings, ray_address=args.ray_address)
    return settings


def add_common(p: argparse.ArgumentParser, *, port: bool = False) -> None:
    p.add_argument("--data-dir", help=f"where takes and the library live (default: the "
                                      f"library of the running bridge, else "
                                      f"{default_data_dir()}; or PROMPTCUT_DATA_DIR)")
    if port:
        p.add_argument("--port", type=int, help=f"loopback port (default {default_port()}; "
                                                "or PROMPTCUT_PORT)")


def add_json(p: argparse.ArgumentParser, what: str = "the result") -> None:
    p.add_argument("--json", action="store_true", help=f"print {what} as JSON")


def print_json(value: object) -> None:
    import json

    print(json.dumps(value, indent=2, ensure_ascii=False, default=str))


def cmd_serve(args: argparse.Namespace) -> int:
    from bridge import logfile
    from bridge.errors import CannotStart
    from bridge.server import checked_app, serve

    settings = settings_from(args)
    try:
        app = checked_app(settings)
    except CannotStart as exc:
        print(exc, file=sys.stderr)
        return 1
    from bridge.cli import running

    services = app.extensions["promptcut"]
    base = f"http://127.0.0.1:{settings.port}"
    record: list[Path | None] = []

    def ready(_server) -> None:
        record.append(running.announce(settings.data_dir, settings.port, __version__))
        logging.getLogger("promptcut").info("Promptcut %s serving %s on %s", __version__,
                                            settings.data_dir, base)
        print(f"Promptcut {__version__} is listening on {base} (loopback only).")
        code = services.pairing.new_code()
        print(f"Open the panel: {base}/panel/#pair={code}  (pairs this browser once)")
        print(f"Library: {settings.data_dir}")
        print(f"Token file: {settings.token_path}")
        # In full, so it can be pasted: other commands find this library by themselves
        # (the running record), and this flag names it where they cannot (another user).
        print(f"Other commands reach this library: promptcut token --data-dir "
              f"{_quoted(settings.data_dir)}")
        print(f"Log: {logfile.log_path(settings)}  (`promptcut logs` prints it)")
        sys.stdout.flush()

    _stop_cleanly_on_sigterm()
    try:
        serve(app, settings, ready=ready)
    except CannotStart as exc:
        print(exc, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass
    finally:
        running.withdraw(record[0] if record else None)
    logging.getLogger("promptcut").info("Promptcut stopped")
    return 0


def _quoted(path: Path) -> str:
    """A path as the user's shell takes it (cmd.exe quotes with double quotes only)."""
    if os.name == "nt":
        return f'"{path}"'
    import shlex

    return shlex.quote(str(path))


def _stop_cleanly_on_sigterm() -> None:
    """A service manager (or a test) stops us with SIGTERM: stop as on Ctrl+C, so running
    jobs are queued again and the database is checkpointed and closed."""
    import signal

    def stop(_signum, _frame) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)


def cmd_token(args: argparse.Namespace) -> int:
    """Print the token of an existing library; never make a second library by accident."""
    from bridge.cli.running import running_bridges
    from bridge.security import load_or_create_token

    settings = settings_from(args)
    exists = settings.token_path.is_file() or settings.db_path.is_file()
    if not exists and not args.new:
        others = [b for b in running_bridges() if b.data_dir != settings.data_dir.resolve()]
        hint = "".join(f"\n  the bridge on port {b.port}: promptcut token --data-dir "
                       f"{_quoted(b.data_dir)}" for b in others)
        print(f"No Promptcut library in {settings.data_dir} (no token there)."
              + (f" Running:{hint}" if hint else " Start `promptcut serve` to make one,")
              + "\nPass --new to make a new library there.", file=sys.stderr)
        return EXIT_NOT_FOUND
    token = load_or_create_token(settings.token_path)
    if args.json:
        print_json({"token": token, "data_dir": str(settings.data_dir),
                    "token_file": str(settings.token_path)})
    else:
        print(token)
    return 0


def cmd_generate(args: argparse.Namespace) -> int:
    from bridge.cli.generate import run_generate

    return run_generate(settings_from(args), args)


def cmd_desktop(args: argparse.Namespace) -> int:
    from bridge.desktop import run_desktop

    return run_desktop(settings_from(args))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="promptcut", description=__doc__)
    parser.add_argument("--version", action="version", version=f"promptcut {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("serve", help="run the local bridge the panel talks to")
    add_common(p, port=True)
    p.add_argument("--allow-origin", action="append", metavar="ORIGIN",
                   help="an extra panel origin allowed to call the bridge (repeatable)")
    p.add_argument("--device", choices=["auto", "cuda", "mps", "cpu"],
                   help="where jobs run (default auto: CUDA, then Apple's MPS, then CPU)")
    p.add_argument("--no-sign", action="store_true",
                   help="do not embed Content Credentials in new takes (or PROMPTCUT_SIGN=0)")
    p.add_argument("--devices", help="the devices to run jobs on, one executor each: auto "
                                     "(default), CUDA indices such as 0,2, cuda:N, mps, cpu; "
                                     "append @GB to declare a device's memory")
    p.add_argument("--executor", choices=["local", "ray"],
                   help="local: this machine's devices (default); ray: one actor per GPU of "
                        "a Ray cluster (pip install promptcut[ray] here and on every node)")
    p.add_argument("--ray-address", metavar="ADDR",
                   help="the Ray cluster to join, e.g. 10.0.0.5:6379 (default: the cluster "
                        "this machine belongs to)")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("token", help="print the API token of the library (of the running "
                                     "bridge, when one runs)")
    add_common(p)
    p.add_argument("--new", action="store_true",
                   help="make a new library in --data-dir when there is none")
    add_json(p, "the token with its library and file")
    p.set_defaults(func=cmd_token)

    p = sub.add_parser("generate", help="generate takes (through the running bridge when "
                                        "one works on the library, else here)")
    add_common(p)
    p.add_argument("prompt", help="what the takes show")
    p.add_argument("--model", default="ltx-video",
                   help="a preset from `promptcut models` (default ltx-video)")
    p.add_argument("--takes", type=int, default=1, help="how many takes (default 1)")
    p.add_argument("--seed", type=int,
                   help="the first take's seed; the next takes use seed+1, ... (default random)")
    p.add_argument("--negative-prompt", default="", help="what the takes should not show")
    p.add_argument("--width", type=int, help="pixels; the preset's multiple applies")
    p.add_argument("--height", type=int, help="pixels; the preset's multiple applies")
    p.add_argument("--num-frames", type=int,
                   help="frames per take; the preset's rule applies (e.g. 8k+1)")
    p.add_argument("--steps", type=int, help="denoising steps (default: the preset's)")
    p.add_argument("--fps", type=float, help="frames per second of the file")
    p.add_argument("--guidance", type=float, help="classifier-free guidance scale")
    p.add_argument("--device", choices=["auto", "cuda", "mps", "cpu"],
                   help="where to run when no bridge runs (default auto)")
    add_json(p, "each take (id, file, state) when done")
    p.set_defaults(func=cmd_generate)

    p = sub.add_parser("desktop", help="the panel in its own window, bridge included")
    add_common(p, port=True)
    p.set_defaults(func=cmd_desktop)

    for name in SUBCOMMAND_MODULES:
        importlib.import_module(name).add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    import time

    from bridge import logfile

    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    # The long-running commands keep a rotating log file in the data dir; the others print
    # warnings only (-v for more) and add one line about their run to that file.
    # Third-party libraries are chatty at INFO; our own loggers carry what matters.
    service = args.command in SERVICE_COMMANDS
    logfile.configure(settings_from(args) if service else None, verbose=args.verbose)
    started = time.monotonic()
    code = 1
    try:
        code = args.func(args)
        return code
    except KeyboardInterrupt:
        code = 130
        return code
    finally:
        if not service:
            logfile.record_cli_run(settings_from(args), argv, code or 0,
                                   time.monotonic() - started)


if __name__ == "__main__":
    sys.exit(main())
