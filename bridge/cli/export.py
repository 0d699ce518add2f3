"""`promptcut export`: takes to editor files from the command line, no server needed.

It reads the take library's SQLite file directly through bridge.library.store (SQLite allows a
reader beside a running bridge), so an editor can script exports while the panel is busy.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from otio_export.catalog import writable


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    from bridge.cli import add_common

    p = subparsers.add_parser(
        "export", help="write takes as a timeline (.otio, FCP7 XML, EDL, FCPXML)",
        description="Assemble takes in order into a sequence and write it for an editor.")
    add_common(p)
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--takes", help="take ids in order, comma-separated")
    which.add_argument("--picked", action="store_true",
                       help="every picked take, oldest first (of --batch, if given)")
    p.add_argument("--batch", help="with --picked: only this batch")
    p.add_argument("--fps", type=float, help="sequence rate: 23.976, 24, 25, 29.97, 30, 50, "
                                             "59.94 or 60 (default: the first take's)")
    p.add_argument("--format", default="otio,fcp7xml",
                   help=f"comma-separated, of {', '.join(writable())} (default otio,fcp7xml)")
    p.add_argument("--name", default="Promptcut cut", help="sequence name (and file name)")
    p.add_argument("--non-drop", action="store_true",
                   help="non-drop-frame timecode at 29.97 and 59.94 (default: drop-frame)")
    p.add_argument("--out", required=True, help="folder to write the files into")
    p.add_argument("--json", action="store_true",
                   help="print the files written and the warnings as JSON")
    p.set_defaults(func=run_export)


def run_export(args: argparse.Namespace) -> int:
    from bridge.cli import settings_from
    from bridge.errors import PromptcutError
    from bridge.library import timelines
    from bridge.library.db import Database
    from otio_export import TimelineError, export_cut

    settings = settings_from(args)
    if not settings.db_path.is_file():
        print(f"No take library at {settings.data_dir} (use --data-dir).", file=sys.stderr)
        return 2
    database = Database(settings.db_path)
    try:
        conn = database.conn()
        if args.picked:
            ids = timelines.picked_takes(conn, args.batch)
            if not ids:
                print("No picked takes" + (f" in batch {args.batch}." if args.batch else "."),
                      file=sys.stderr)
                return 2
        else:
            ids = [t.strip() for t in args.takes.split(",") if t.strip()]
        formats = [f.strip() for f in args.format.split(",") if f.strip()]
        cut = timelines.cut_from_takes(conn, ids, name=args.name, fps=args.fps)
        options = timelines.options_from(settings, drop_frame=False if args.non_drop else None)
        result = export_cut(cut, formats, Path(args.out), options=options)
    except (PromptcutError, TimelineError) as err:
        where = f" ({err.field})" if err.field else ""
        print(f"promptcut export: {err.message}{where}", file=sys.stderr)
        return 2
    finally:
        database.close()
    if args.json:
        from bridge.cli import print_json

        print_json({"files": {f: str(p) for f, p in result.files.items()},
                    "warnings": list(result.warnings)})
        return 0
    for fmt, path in result.files.items():
        print(f"{fmt}\t{path}")
    for warning in result.warnings:  # what a format could not carry, as the API reports it
        print(f"warning: {warning}", file=sys.stderr)
    return 0
