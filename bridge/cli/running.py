"""Which library the running bridge uses, so every command works on that one.

`promptcut serve --data-dir D --port P` writes a small record, `<state dir>/running/P.json`
(the data dir, the port, the version), while it listens, and removes it when it stops. The
state dir is the platform's per-user state folder (PROMPTCUT_STATE_DIR overrides it). A
command given no --data-dir (and no PROMPTCUT_DATA_DIR) then uses the library of the bridge
that runs, not the default one: before this, `promptcut token` under a bridge started with
--data-dir silently made a second library and printed a token the bridge refused.

A record is keyed by port because one port has one listener: a new bridge on the port
replaces it. A record left by a crash is told apart by asking the port (a loopback health
request, which answers at once when nothing listens); it is ignored, never deleted by
another process (it is not theirs).
"""

from __future__ import annotations

import json
import os
import sys
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path

import platformdirs


@dataclass(frozen=True)
class RunningBridge:
    data_dir: Path
    port: int
    version: str
    pid: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def to_json(self) -> dict:
        return {**asdict(self), "data_dir": str(self.data_dir)}


def state_dir() -> Path:
    if env := os.environ.get("PROMPTCUT_STATE_DIR"):
        return Path(env)
    return Path(platformdirs.user_state_dir("Promptcut", appauthor=False))


def _records_dir() -> Path:
    return state_dir() / "running"


def announce(data_dir: Path, port: int, version: str) -> Path | None:
    """Write this bridge's record (atomically: a temporary name, then a rename)."""
    record = RunningBridge(data_dir.resolve(), port, version, os.getpid())
    path = _records_dir() / f"{port}.json"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{port}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(record.to_json()), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        return None  # a read-only home: the banner's --data-dir line still says it
    return path


def withdraw(path: Path | None) -> None:
    """Remove the record this process wrote, if it is still ours (not a later bridge's)."""
    if path is None:
        return
    try:
        if json.loads(path.read_text(encoding="utf-8")).get("pid") == os.getpid():
            path.unlink()
    except (OSError, ValueError):
        pass


def _answers(port: int) -> bool:
    # urllib, not requests: this runs before every command, and importing requests costs more.
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health",
                                    timeout=1.0) as reply:
            return json.loads(reply.read()).get("app") == "promptcut"
    except (OSError, ValueError, urllib.error.URLError):
        return False


def running_bridges() -> list[RunningBridge]:
    """The bridges of this user that answer now, lowest port first."""
    out = []
    folder = _records_dir()
    if not folder.is_dir():
        return out
    for path in sorted(folder.glob("*.json")):
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            bridge = RunningBridge(Path(raw["data_dir"]), int(raw["port"]),
                                   str(raw.get("version", "?")), int(raw.get("pid", 0)))
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if _answers(bridge.port):
            out.append(bridge)
    return sorted(out, key=lambda b: b.port)


def library_in_use(default: Path) -> tuple[Path | None, str | None]:
    """The data dir a command without --data-dir should use, and a note for stderr.

    (None, None) when no bridge runs: the default library. One running library: that one.
    Several: the default if one of them uses it, else none, with a note naming them.
    """
    dirs = {b.data_dir: b for b in running_bridges()}
    if not dirs:
        return None, None
    if len(dirs) == 1:
        return next(iter(dirs)), None
    if default.resolve() in dirs:
        return default.resolve(), None
    names = "; ".join(f"port {b.port}: --data-dir \"{d}\"" for d, b in dirs.items())
    return None, (f"Several Promptcut bridges are running ({names}); this command uses the "
                  f"default library {default}. Pass --data-dir to pick one.")


def bridge_for(data_dir: Path) -> RunningBridge | None:
    """The running bridge that works on `data_dir`, if any answers."""
    want = data_dir.resolve()
    return next((b for b in running_bridges() if b.data_dir == want), None)


def note(text: str | None) -> None:
    if text:
        print(text, file=sys.stderr)
