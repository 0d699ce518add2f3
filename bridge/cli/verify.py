"""`promptcut verify FILE...`: read a file's Content Credentials and say what they are worth.

Exit status, one per outcome so a script can tell them apart (for several files, the worst):
0 every file valid; 2 usage (a bad flag, an unreadable --trust file); 3 a file not found;
4 untrusted (intact, but the signer is on no trust list: this install's local certificate
until you pass --trust); 5 no Content Credentials; 6 tampered; 7 recovered: the file carries
none (or damaged ones), but its invisible watermark names a take of the library, whose
signed original and manifest are printed (a remuxed, re-encoded, trimmed or resized copy).
`--trust ca.pem` adds roots to the trust list, which is how an in-house check accepts this
install's local authority; `--json` prints the full reading.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

EXIT_NOT_FOUND = 3
EXIT = {"valid": 0, "untrusted": 4, "none": 5, "tampered": 6}
EXIT_RECOVERED = 7
# Which outcome wins when several files are checked: the one that most needs attention.
SEVERITY = [0, 4, EXIT_RECOVERED, EXIT_NOT_FOUND, 5, 6]


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser("verify", help="check a video's Content Credentials (C2PA)")
    p.add_argument("files", nargs="+", metavar="FILE", help="the video files to check")
    p.add_argument("--trust", action="append", metavar="PEM", default=[],
                   help="trust these root certificates too (repeatable), e.g. this install's "
                        "local authority: <data dir>/credentials/local/ca.pem")
    p.add_argument("--json", action="store_true", help="print the full reading as JSON")
    p.add_argument("--data-dir", help="the library to look a watermarked copy up in "
                                      "(default: the running bridge's, else the default)")
    p.set_defaults(func=run_verify)


def run_verify(args: argparse.Namespace) -> int:
    from bridge.cli import settings_from
    from bridge.library.credentials import recover, verify

    settings = settings_from(args)

    anchors = ""
    for pem in args.trust:
        try:
            anchors += Path(pem).read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError) as exc:
            print(f"error (--trust): cannot read {pem}: {exc}", file=sys.stderr)
            return 2
    worst = 0
    readings = []
    for name in args.files:
        path = Path(name)
        if not path.is_file():
            print(f"error (FILE): {name} is not a file", file=sys.stderr)
            worst = max(worst, EXIT_NOT_FOUND, key=SEVERITY.index)
            readings.append({"file": str(path), "state": "not_found"})
            continue
        result = verify(path, trust_anchors=anchors or None)
        code = EXIT[result.state.value]
        found = None
        if result.state.value in ("none", "tampered"):
            found = recover(path, [settings.media_dir, settings.trash_dir],
                            trust_anchors=anchors or None)
            if found is not None and found.take_id:
                code = EXIT_RECOVERED
        worst = max(worst, code, key=SEVERITY.index)
        readings.append({"file": str(path), **result.to_json(),
                         "recovered": found.to_json() if found else None})
        if not args.json:
            print(_describe(path, result))
            if found is not None:
                print(_describe_recovery(found))
    if args.json:
        print(json.dumps(readings if len(args.files) > 1 else (readings or [{}])[0],
                         indent=2, ensure_ascii=False))
    return worst


def _describe_recovery(found) -> str:
    head = (f"  watermark: {found.alg} mark {found.mark} (confidence {found.confidence})")
    if not found.take_id:
        return head + "\n  a Promptcut take, but not one of this library (try --data-dir)"
    return (f"{head}\n  recovered: take {found.take_id}, signed original {found.original} "
            f"({found.original_state}), manifest {found.manifest}")


def _describe(path: Path, r) -> str:
    lines = [f"{path}: {r.state.value}", f"  {r.message}"]
    if r.signer:
        lines.append(f"  signed by: {r.signer} (issued by {r.issuer})"
                     + (f", at {r.signed_at}" if r.signed_at else ""))
    for action in r.actions:
        agent = action.get("softwareAgent") or {}
        source = str(action.get("digitalSourceType", "")).rsplit("/", 1)[-1]
        lines.append(f"  {action.get('action')}: {source} by {agent.get('name', '?')}"
                     + (f" {agent['version']}" if agent.get("version") else ""))
    if r.take and isinstance(r.take.get("request"), dict):
        req = r.take["request"]
        lines.append(f"  take {r.take.get('take_id')}: \"{req.get('prompt', '')}\" "
                     f"seed {req.get('seed')} model {req.get('model')}")
    for ing in r.ingredients:
        lines.append(f"  made from: {ing['title']} ({ing['relationship']})")
    if r.failures:
        lines.append("  codes: " + ", ".join(r.failures))
    return "\n".join(lines)
