"""`promptcut library repair`: rebuild the library database from the take records.

For a damaged database (the service refuses to start and says so), or one restored from an
old backup: the current file is kept beside the new one (nothing is deleted), and every
take whose record sits beside its media is restored, deleted ones still in the trash.
"""

from __future__ import annotations

import argparse
import sys


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    from bridge.cli import add_common

    p = subparsers.add_parser("library", help="check and repair the take library")
    sub = p.add_subparsers(dest="library_command", required=True)
    r = sub.add_parser("repair", help="rebuild the database from the take records")
    add_common(r)
    r.add_argument("--json", action="store_true", help="print the report as JSON")
    r.set_defaults(func=cmd_repair)


def cmd_repair(args: argparse.Namespace) -> int:
    from bridge.cli import settings_from
    from bridge.engine.lock import LibraryBusy, LibraryLock
    from bridge.library.repair import rebuild

    settings = settings_from(args)
    settings.ensure_dirs()
    lock = LibraryLock(settings.data_dir)
    try:
        lock.acquire()
    except LibraryBusy as exc:
        print(exc, file=sys.stderr)
        return 1
    try:
        report = rebuild(settings)
    finally:
        lock.release()
    if args.json:
        from bridge.cli import print_json

        print_json({"restored": report.restored, "unknown_files": report.unknown,
                    "kept_database": report.kept_database})
        return 0
    for line in report.lines():
        print(line)
    return 0
