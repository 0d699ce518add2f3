"""`promptcut docs [NAME]`: the documentation that messages cite, from this install.

Messages say "see `promptcut docs credentials`" rather than a path in a repository the user
may never have cloned: a wheel carries the docs as package data (`bridge/_docs/`, copied
there by setup.py) and the license beside them; a checkout reads `docs/` and `LICENSE`.
Without NAME it lists the documents; with NAME it prints the file's path and, with
`--show`, its text.
"""

from __future__ import annotations

import argparse
import json
import sys
from importlib import resources
from pathlib import Path
from typing import Any


def docs_dir() -> Path:
    packaged = resources.files("bridge") / "_docs"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[2] / "docs"


def documents() -> dict[str, Path]:
    found = {p.stem: p for p in sorted(docs_dir().glob("*.md"))}
    for name in ("LICENSE",):  # in the wheel: beside the docs; in a checkout: at the root
        for where in (docs_dir() / name, docs_dir().parent / name):
            if where.is_file():
                found.setdefault("license", where)
    return found


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser("docs", help="list or print the documentation (and license) "
                                           "of this install")
    p.add_argument("name", nargs="?", help="a document, e.g. credentials, api, timelines, "
                                           "license")
    p.add_argument("--show", action="store_true", help="print the text, not just the path")
    p.add_argument("--json", action="store_true", help="list the documents as JSON")
    p.set_defaults(func=run_docs)


def run_docs(args: argparse.Namespace) -> int:
    from bridge.cli import EXIT_NOT_FOUND

    docs = documents()
    if not args.name:
        if args.json:
            print(json.dumps({k: str(v) for k, v in docs.items()}, indent=2))
        else:
            for name, path in docs.items():
                print(f"{name}\t{path}")
        return 0
    path = docs.get(args.name.lower().removesuffix(".md"))
    if path is None:
        print(f"error (name): no document {args.name!r}; there are: {', '.join(docs)}",
              file=sys.stderr)
        return EXIT_NOT_FOUND
    if args.json:
        print(json.dumps({"name": args.name, "path": str(path)}))
    elif args.show:
        sys.stdout.write(path.read_text(encoding="utf-8"))
    else:
        print(path)
    return 0
