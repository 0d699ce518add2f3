"""`promptcut models [list | download NAME | remove NAME]`, without a running server.

It works on the same Hugging Face cache as the bridge, so a model downloaded here is ready
in the panel, and one downloaded by any other app that uses the cache is ready here.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser("models", help="list, download and remove models")
    _options(p, None)
    p.set_defaults(func=run_models, models_command="list")
    sub = p.add_subparsers(dest="models_command")
    leaves = [sub.add_parser("list", help="every preset and whether it is on this machine")]
    d = sub.add_parser("download", help="download a model into the Hugging Face cache")
    d.add_argument("name", help="a preset name from `promptcut models list`")
    r = sub.add_parser("remove", help="delete a model's weights and free the space")
    r.add_argument("name", help="a preset name from `promptcut models list`")
    for leaf in (*leaves, d, r):
        _options(leaf, argparse.SUPPRESS)  # accepted after the verb too


def _options(p: argparse.ArgumentParser, default: Any) -> None:
    p.add_argument("--data-dir", default=default,
                   help="where the library lives (default: PROMPTCUT_DATA_DIR or the "
                        "platform's data dir); user presets are read from its presets.json")
    p.add_argument("--hf-cache", default=default,
                   help="Hugging Face cache folder (default: HF_HUB_CACHE or HF_HOME, "
                        "shared with every app that uses the hub)")
    p.add_argument("--json", action="store_true", default=default,
                   help="print the list (or what was done) as JSON")


def _manager(args: argparse.Namespace) -> Any:
    from dataclasses import replace
    from pathlib import Path

    from bridge.cli import settings_from
    from bridge.generators.manager import ModelManager
    from bridge.generators.presets import all_presets

    settings = settings_from(args)
    if getattr(args, "hf_cache", None):
        settings = replace(settings, hf_cache=Path(args.hf_cache))
    return ModelManager(settings, lambda: all_presets(settings.data_dir))


def human(size: int | None) -> str:
    if not size:
        return "-"
    value = float(size)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if value < 1000 or unit == "TB":
            return f"{value:.0f} {unit}" if unit in ("B", "KB") else f"{value:.1f} {unit}"
        value /= 1000
    return f"{size} B"


def run_models(args: argparse.Namespace) -> int:
    from bridge.cli import print_json
    from bridge.errors import PromptcutError

    manager = _manager(args)
    command = args.models_command or "list"
    try:
        if command == "download":
            return _download(manager, args.name, getattr(args, "json", False))
        if command == "remove":
            freed = manager.remove(args.name)
            if getattr(args, "json", False):
                print_json({"removed": args.name, "freed_bytes": freed})
            else:
                print(f"Removed {args.name}: {human(freed)} freed.")
            return 0
    except PromptcutError as exc:
        print(f"promptcut models {command}: {exc.message}", file=sys.stderr)
        return 1
    if getattr(args, "json", False):
        print_json([{"name": s.name, "state": s.state, "test_model": s.test_model,
                     "size_bytes": s.size_bytes, "label": s.label}
                    for s in manager.states()])
        return 0
    rows = [(s.name, s.state + (" (test model)" if s.test_model else ""), human(s.size_bytes),
             s.label) for s in manager.states()]
    widths = [max(len(r[i]) for r in [("NAME", "STATE", "SIZE", "MODEL"), *rows])
              for i in range(3)]
    for row in [("NAME", "STATE", "SIZE", "MODEL"), *rows]:
        print("  ".join(c.ljust(w) for c, w in zip(row[:3], widths, strict=True)), row[3])
    return 0


def _download(manager: Any, name: str, as_json: bool = False) -> int:
    from tqdm import tqdm

    bars: list[Any] = []  # made on the first report, so a fast failure prints no empty bar

    def progress(rec: dict[str, Any]) -> None:
        if not bars:
            bars.append(tqdm(unit="B", unit_scale=True, unit_divisor=1024, desc=name,
                             disable=not sys.stderr.isatty()))  # no frames into a pipe
        bar = bars[0]
        if rec.get("bytes_total") and bar.total != rec["bytes_total"]:
            bar.total = rec["bytes_total"]
        bar.n = min(rec.get("bytes_done") or 0, bar.total or rec.get("bytes_done") or 0)
        bar.refresh()

    try:
        path = manager.download(name, progress)
    finally:
        for bar in bars:
            bar.close()
    if as_json:
        from bridge.cli import print_json

        print_json({"name": name, "path": str(path)})
    else:
        print(f"{name} is ready: {path}")
    return 0
