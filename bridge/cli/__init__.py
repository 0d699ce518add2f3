"""The `promptcut` command: serve, generate, token, and the subcommands other areas add."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from dataclasses import replace
from pathlib import Path

from bridge import __version__
from bridge.config import Settings, default_data_dir, default_port

# Areas that add their own subcommands with `add_parser(subparsers)`.
SUBCOMMAND_MODULES = ["bridge.cli.models", "bridge.cli.export", "bridge.cli.library",
                      "bridge.cli.verify", "bridge.cli.doctor", "bridge.cli.panel",
                      "bridge.cli.logs", "bridge.cli.board", "bridge.cli.providers",
                      "bridge.cli.looks"]


def settings_from(args: argparse.Namespace) -> Settings:
    settings = Settings()
    if getattr(args, "data_dir", None):
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
    p.add_argument("--data-dir", help=f"where takes and the library live (default "
                                      f"{default_data_dir()}; or PROMPTCUT_DATA_DIR)")
    if port:
        p.add_argument("--port", type=int, help=f"loopback port (default {default_port()}; "
                                                "or PROMPTCUT_PORT)")


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
    services = app.extensions["promptcut"]
    base = f"http://127.0.0.1:{settings.port}"

    def ready(_server) -> None:
        logging.getLogger("promptcut").info("Promptcut %s serving %s on %s", __version__,
                                            settings.data_dir, base)
        print(f"Promptcut {__version__} is listening on {base} (loopback only).")
        code = services.pairing.new_code()
        print(f"Open the panel: {base}/panel/#pair={code}  (pairs this browser once)")
        print(f"Token file: {settings.token_path}  (`promptcut token` prints it)")
        print(f"Library: {settings.data_dir}")
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
    logging.getLogger("promptcut").info("Promptcut stopped")
    return 0


def _stop_cleanly_on_sigterm() -> None:
    """A service manager (or a test) stops us with SIGTERM: stop as on Ctrl+C, so running
    jobs are queued again and the database is checkpointed and closed."""
    import signal

    def stop(_signum, _frame) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)


def cmd_token(args: argparse.Namespace) -> int:
    from bridge.security import load_or_create_token

    print(load_or_create_token(settings_from(args).token_path))
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
    p.add_argument("--device", choices=["auto", "cuda", "mps", "cpu"])
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

    p = sub.add_parser("token", help="print this install's API token")
    add_common(p)
    p.set_defaults(func=cmd_token)

    p = sub.add_parser("generate", help="generate takes without a server")
    add_common(p)
    p.add_argument("prompt")
    p.add_argument("--model", default="ltx-video")
    p.add_argument("--takes", type=int, default=1)
    p.add_argument("--seed", type=int)
    p.add_argument("--negative-prompt", default="")
    for name in ("width", "height", "num-frames", "steps"):
        p.add_argument(f"--{name}", type=int)
    p.add_argument("--fps", type=float)
    p.add_argument("--guidance", type=float)
    p.add_argument("--device", choices=["auto", "cuda", "mps", "cpu"])
    p.set_defaults(func=cmd_generate)

    p = sub.add_parser("desktop", help="the panel in its own window, bridge included")
    add_common(p, port=True)
    p.set_defaults(func=cmd_desktop)

    for name in SUBCOMMAND_MODULES:
        importlib.import_module(name).add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    from bridge import logfile

    args = build_parser().parse_args(argv)
    # The long-running commands keep a rotating log file in the data dir; the others only
    # print. Third-party libraries are chatty at INFO; our own loggers carry what matters.
    service = args.command in ("serve", "desktop")
    logfile.configure(settings_from(args) if service else None, verbose=args.verbose)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
