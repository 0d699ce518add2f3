"""`promptcut logs`: where the service's log file is, and its last lines with `--tail N`."""

from __future__ import annotations

import argparse
from collections import deque
from typing import Any


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser("logs", help="print where the service's log file is")
    p.add_argument("--data-dir", help="the library's data dir (default: PROMPTCUT_DATA_DIR "
                                      "or the platform's data dir)")
    p.add_argument("--tail", type=int, metavar="N", help="also print its last N lines")
    p.add_argument("--json", action="store_true",
                   help="print the path (and the last lines) as JSON")
    p.set_defaults(func=run_logs)


def run_logs(args: argparse.Namespace) -> int:
    from bridge.cli import settings_from
    from bridge.logfile import log_path

    path = log_path(settings_from(args))
    if args.json:
        from bridge.cli import print_json

        lines: list[str] = []
        if args.tail and path.exists():
            with open(path, encoding="utf-8", errors="replace") as f:
                lines = [x.rstrip("\n") for x in deque(f, maxlen=max(1, args.tail))]
        print_json({"path": str(path), "exists": path.exists(), "lines": lines})
        return 0
    print(path)
    if args.tail:
        if not path.exists():
            print("(no log yet: it is written once `promptcut serve` has run)")
            return 0
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in deque(f, maxlen=max(1, args.tail)):
                print(line, end="")
    return 0
