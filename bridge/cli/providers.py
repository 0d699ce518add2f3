"""`promptcut providers [list | set NAME | remove NAME]`: cloud provider API keys.

`set` asks for the key without echoing it (or reads one line from standard input when that
is not a terminal, for scripts), stores it with mode 0600 in the data dir, and never prints
it back: only whether a key is stored and its last four characters.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path
from typing import Any


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser("providers", help="cloud providers (paid): store or remove keys")
    p.add_argument("--data-dir", help="where the library lives (default: the running "
                                      "bridge's, else PROMPTCUT_DATA_DIR or the platform's "
                                      "data dir)")
    p.add_argument("--json", action="store_true", help="list the providers as JSON")
    p.set_defaults(func=run_providers, providers_command="list")
    sub = p.add_subparsers(dest="providers_command")
    lst = sub.add_parser("list", help="every provider and whether a key is stored")
    lst.add_argument("--json", action="store_true", default=argparse.SUPPRESS,
                     help="list the providers as JSON")  # accepted after the verb too
    s = sub.add_parser("set", help="store a provider's API key (asked for, never echoed)")
    s.add_argument("name", help="fal, replicate or runway")
    r = sub.add_parser("remove", help="forget a provider's API key")
    r.add_argument("name", help="fal, replicate or runway")
    for leaf in (lst, s, r):  # accepted after the verb too
        leaf.add_argument("--data-dir", default=argparse.SUPPRESS,
                          help="where the library lives (as before the verb)")


def _data_dir(args: argparse.Namespace) -> Path:
    from bridge.cli import settings_from

    return settings_from(args).data_dir


def run_providers(args: argparse.Namespace) -> int:
    from bridge import providers
    from bridge.errors import InvalidRequest
    from bridge.providers import keys

    data = _data_dir(args)
    command = args.providers_command
    if command == "list":
        if args.json:
            from bridge.cli import print_json

            print_json([{"name": name, "key_stored": bool(keys.hint(data, name)),
                         "key_hint": keys.hint(data, name),
                         "presets": [p.name for p in providers.PRESETS.values()
                                     if p.provider == name]} for name in providers.SPECS])
            return 0
        for name in providers.SPECS:
            hint = keys.hint(data, name)
            models = ", ".join(p.name for p in providers.PRESETS.values()
                               if p.provider == name)
            print(f"{name:<10} {'key ' + hint if hint else 'no key':<12} {models}")
        print("Cloud providers are paid services; a job goes to one only when you pick one "
              "of its presets.")
        return 0
    try:
        spec = providers.spec(args.name)
    except InvalidRequest as exc:
        print(exc.message, file=sys.stderr)
        return 2
    if command == "remove":
        try:
            removed = keys.remove(data, spec.name)
        except keys.KeysUnreadable as exc:
            print(exc.message, file=sys.stderr)
            return 1
        print(f"{spec.label}: key removed." if removed else f"{spec.label}: no key was stored.")
        return 0
    if sys.stdin.isatty():
        key = getpass.getpass(f"{spec.label} API key (not shown): ")
    else:
        key = sys.stdin.readline()
    key = key.strip()
    if not key or any(c.isspace() for c in key):
        print("That is not a key (empty, or it has spaces). Nothing was stored.",
              file=sys.stderr)
        return 2
    try:
        keys.store(data, spec.name, key)
    except keys.KeysUnreadable as exc:
        print(exc.message, file=sys.stderr)
        return 1
    print(f"{spec.label}: key {keys.hint(data, spec.name)} stored in "
          f"{keys.keys_path(data)} (readable by you only).")
    return 0
