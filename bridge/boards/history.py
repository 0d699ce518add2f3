"""Undo and redo of board edits: a journal of what each edit changed, one file per board.

Every edit the board service makes (bridge.boards.service `_edit`) records a step: the board's
settings, its shot order and the shots the edit changed, added or deleted, as they were
before. Undo puts that back and records the opposite step for redo; a new edit clears redo.
Only what changed is kept (a length edit stores one shot, not the board), at most MAX_STEPS
steps a board.

The journal is a file beside the board's mirror (`boards/history/<id>.json`), written the way
the mirror is (whole, under a temporary name before the commit, renamed after it), so the
steps survive a reload of the panel and a restart of the bridge, and never disagree with
the database about an edit the bridge acknowledged.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from bridge.boards import mirror
from bridge.boards.records import Board, Shot
from bridge.config import Settings

log = logging.getLogger("promptcut.boards")
MAX_STEPS = 100
_VOLATILE = ("updated_at",)  # changes with every write: not an edit of its own


def path_of(settings: Settings, board_id: str) -> Path:
    return mirror.folder(settings) / "history" / f"{board_id}.json"


@dataclass
class History:
    undo: list[dict[str, Any]] = field(default_factory=list)  # oldest first
    redo: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"undo": self.undo[-MAX_STEPS:], "redo": self.redo[-MAX_STEPS:]}


def load(settings: Settings, board_id: str) -> History:
    """The board's journal; none yet (or one that cannot be read, logged) is empty."""
    path = path_of(settings, board_id)
    if not path.exists():
        return History()
    try:
        data = mirror.read(path)
        return History(list(data["undo"]), list(data["redo"]))
    except (OSError, ValueError, KeyError, TypeError) as err:
        log.warning("the undo journal %s cannot be read (%s); it starts again", path, err)
        return History()


def _plain(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if k not in _VOLATILE}


def _board_settings(board: Board) -> dict[str, Any]:
    out = replace(board, shots=[]).to_dict()
    del out["shots"]
    return out


def _same(a: Shot, b: Shot) -> bool:
    return replace(a, updated_at=0.0) == replace(b, updated_at=0.0)


def step(before: Board, after: Board) -> dict[str, Any] | None:
    """What an edit changed, as it was before it (None: nothing changed). The order is kept
    only when the edit changed it (a step undone finds the order it left)."""
    new = {s.id: s for s in after.shots}
    changed = [s.id for s in before.shots if s.id not in new or not _same(s, new[s.id])]
    moved = [s.id for s in before.shots] != [s.id for s in after.shots]
    if not changed and not moved \
            and _plain(_board_settings(before)) == _plain(_board_settings(after)):
        return None
    return capture(before, changed, moved)


def capture(board: Board, shot_ids: list[str] | set[str], order: bool = True
            ) -> dict[str, Any]:
    """A step that puts `board` back as it is now: its settings, the named shots whole, and
    (with `order`) the order of its shots."""
    out = {"board": _board_settings(board),
           "shots": {s.id: s.to_dict() for s in board.shots if s.id in shot_ids}}
    if order:
        out["order"] = [s.id for s in board.shots]
    return out


def opposite(step_: dict[str, Any], now: Board) -> dict[str, Any]:
    """The step that undoes applying `step_` to the board as it is `now`."""
    if "order" not in step_:
        return capture(now, set(step_["shots"]), order=False)
    live = {s.id for s in now.shots}
    return capture(now, set(step_["shots"]) | (live - set(step_["order"])))


def board_of(step_: dict[str, Any], now: Board) -> Board:
    """The board `step_` puts back: its settings and order; the shots it holds as they were,
    every other shot as it is now."""
    shots = {s.id: s.to_dict() for s in now.shots} | step_["shots"]
    order = step_["order"] if "order" in step_ else [s.id for s in now.shots]
    data = step_["board"] | {"shots": [shots[i] | {"position": n}
                                       for n, i in enumerate(order) if i in shots]}
    return Board.parse(data)
