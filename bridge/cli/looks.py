"""`promptcut loras [list | add | rename | remove | restore]`: the LoRA shelf from a terminal.

The same service as /api/v1/loras (bridge.looks.loras), with no server needed: the shelf
file is locked per write, so a running bridge and this command never overwrite each other.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any


def add_parser(subparsers: Any) -> None:
    from bridge.cli import add_common, add_json

    p = subparsers.add_parser("loras", help="the LoRA shelf: add, list, rename, remove")
    p.set_defaults(func=run_loras, loras_command="list", data_dir=None, json=False)
    sub = p.add_subparsers(dest="loras_command")
    ls = sub.add_parser("list", help="the LoRAs on the shelf")
    ls.add_argument("--trash", action="store_true", help="list the shelf's trash instead")
    leaves = [ls]
    a = sub.add_parser("add", help="put a .safetensors LoRA on the shelf (the file stays put)")
    a.add_argument("source", help="a .safetensors path, or a repo id already in the Hugging "
                                  "Face cache")
    a.add_argument("--name", required=True, help="how you will call it")
    a.add_argument("--family", choices=["ltx", "wan", "cogvideox", "hunyuan"],
                   help="the model family it was trained for (guessed when left out)")
    a.add_argument("--trigger", action="append", default=[], metavar="WORD",
                   help="a trigger word (repeat for several)")
    a.add_argument("--file", dest="filename", help="which file of the repo, if it has several")
    leaves.append(a)
    r = sub.add_parser("rename", help="give a LoRA another name")
    r.add_argument("lora", help="its id or name")
    r.add_argument("name", help="the new name")
    leaves.append(r)
    for verb, text in (("remove", "move a LoRA to the shelf's trash (its file stays)"),
                       ("restore", "bring a LoRA back from the trash")):
        leaf = sub.add_parser(verb, help=text)
        leaf.add_argument("lora", help="its id or name")
        leaves.append(leaf)
    for leaf in leaves:
        add_common(leaf)
        add_json(leaf, "the LoRA (or the list)")


def run_loras(args: argparse.Namespace) -> int:
    from bridge.cli import settings_from
    from bridge.errors import PromptcutError
    from bridge.looks import loras

    data = settings_from(args).data_dir
    command = args.loras_command
    try:
        if command == "list":
            shown = loras.list_loras(data, trashed=getattr(args, "trash", False))
            if args.json:
                print(json.dumps([asdict(lo) for lo in shown], indent=2, ensure_ascii=False))
            for lo in [] if args.json else shown:
                words = ", ".join(lo.trigger_words) or "-"
                print(f"{lo.name:<24} {lo.family or '?':<10} {lo.layers:>4} layers  "
                      f"rank {lo.rank:<3} {words}  ({lo.id})")
            if not shown and not args.json:
                print("The shelf is empty." if not getattr(args, "trash", False)
                      else "The shelf's trash is empty.")
            return 0
        if command == "add":
            is_file = Path(args.source).suffix.lower() == ".safetensors"
            lo = loras.add(data, name=args.name, family=args.family, trigger_words=args.trigger,
                           path=str(Path(args.source).resolve()) if is_file else None,
                           repo_id=None if is_file else args.source, filename=args.filename)
        elif command == "rename":
            lo = loras.update(data, args.lora, name=args.name)
        elif command == "remove":
            lo = loras.remove(data, args.lora)
        else:
            lo = loras.restore(data, args.lora)
    except PromptcutError as exc:
        print(exc.message, file=sys.stderr)
        return 2
    print(json.dumps(asdict(lo), indent=2, ensure_ascii=False) if args.json
          else f"{command}: {lo.name} ({lo.id})")
    return 0
