"""The JSON mirror of a board: `<data dir>/boards/<id>.json`, beside the database.

A lost or rebuilt database loses no board: at start-up every mirror whose board the database
lacks is read back (the takes carry their shot in their own sidecar records). The service
(bridge.boards.service) writes a board's mirror in two steps around its database commit:
`prepare` writes the whole new file under a temporary name before the commit (a full disk
fails here, while the edit can still be rolled back), `publish` renames it over the old file
after the commit (a rename needs no free space). So the file and the database never
disagree about a change the bridge acknowledged, and a failed edit leaves neither changed nor
a partial file behind.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bridge.config import Settings

log = logging.getLogger("promptcut.boards")


def folder(settings: Settings) -> Path:
    return settings.data_dir / "boards"


def path_of(settings: Settings, board_id: str) -> Path:
    return folder(settings) / f"{board_id}.json"


@dataclass(frozen=True)
class Prepared:
    """A mirror written under a temporary name, waiting for its database commit."""

    partial: Path
    final: Path

    def publish(self) -> None:
        os.replace(self.partial, self.final)

    def discard(self) -> None:
        self.partial.unlink(missing_ok=True)  # only ever this attempt's own file


def prepare(settings: Settings, board_id: str, data: dict[str, Any]) -> Prepared:
    """Write the board's new mirror under a temporary name (see `prepare_file`)."""
    return prepare_file(path_of(settings, board_id), data)


def prepare_file(final: Path, data: Any, indent: int | None = 1) -> Prepared:
    """Write `data` as JSON under a name unique to this write (two threads of one process
    may write the same board), to be renamed to `final`; a failed write removes what it
    wrote."""
    final.parent.mkdir(parents=True, exist_ok=True)
    partial = final.with_name(f".{final.stem}.{secrets.token_hex(6)}.partial")
    try:
        with open(partial, "x", encoding="utf-8") as f:
            f.write(json.dumps(data, ensure_ascii=False, indent=indent,
                               separators=None if indent else (",", ":")))
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return Prepared(partial, final)


def trash(settings: Settings, board_id: str) -> None:
    """A deleted board's JSON moves to the trash (restorable by moving it back); an earlier
    deletion's copy there is kept too."""
    src = path_of(settings, board_id)
    if src.exists():
        dest = settings.trash_dir / "boards"
        dest.mkdir(parents=True, exist_ok=True)
        name = src.name if not (dest / src.name).exists() else (
            f"{board_id}.{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(2)}.json")
        os.replace(src, dest / name)


def in_trash(settings: Settings, board_id: str) -> bool:
    """Whether a deleted copy of the board's JSON is in the trash."""
    dest = settings.trash_dir / "boards"
    return (dest / f"{board_id}.json").exists() or any(dest.glob(f"{board_id}.*.json"))


def stored(settings: Settings) -> list[Path]:
    """Every board mirror in the folder, by name."""
    where = folder(settings)
    return sorted(where.glob("bd_*.json")) if where.is_dir() else []


def read(path: Path) -> Any:
    """The file's JSON (OSError or ValueError when it cannot be read)."""
    return json.loads(path.read_text(encoding="utf-8"))
