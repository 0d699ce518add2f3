"""Boards as a service: layout (shot boundaries on the song's beats), picks, the board's JSON
copy beside the library, and assembling a board into a cut.

Shared by the HTTP handlers and the `promptcut board` command; SQL stays in boards_store.
Each board is also written to `<data dir>/boards/<id>.json` (temporary name, then
os.replace) after every change, so a lost database loses no board: `restore_from_json` puts
back every board the database does not have (the takes carry their shot in their own
sidecar records, which the library is rebuilt from).
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import sqlite3
import time
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from bridge.boards import durations
from bridge.boards.records import Board, Duration, Shot
from bridge.config import Settings
from bridge.errors import InvalidRequest, NotFound
from bridge.generators.presets import all_presets
from bridge.library import boards_store, curation, songs, store
from bridge.library.records import Take, TakeStatus
from otio_export import Cut, TimelineError
from otio_export.assemble import BoardShot, BoardSong, assemble
from otio_export.rates import exact_rate, sequence_rate

log = logging.getLogger("promptcut.boards")
DEFAULT_MODEL = "ltx-video"


@dataclass(frozen=True)
class Placed:
    """A shot where the cut puts it: sequence frames [start, end)."""

    shot: Shot
    duration: Duration
    start: int
    end: int


def boards_dir(settings: Settings) -> Path:
    return settings.data_dir / "boards"


def get(conn: sqlite3.Connection, board_id: str) -> Board:
    board = boards_store.get_board(conn, board_id) if isinstance(board_id, str) else None
    if board is None:
        raise NotFound(f"There is no board {board_id!r}.", field="board_id")
    return board


def get_shot(conn: sqlite3.Connection, shot_id: str) -> Shot:
    shot = boards_store.get_shot(conn, shot_id) if isinstance(shot_id, str) else None
    if shot is None or boards_store.get_board(conn, shot.board_id) is None:
        raise NotFound(f"There is no shot {shot_id!r}.", field="shot_id")
    return shot


def rate_of(board: Board) -> Fraction:
    try:
        return sequence_rate(board.fps)
    except TimelineError as err:
        raise InvalidRequest(err.message, field="fps") from None


def song_of(conn: sqlite3.Connection, board: Board) -> dict[str, Any] | None:
    return boards_store.get_song(conn, board.song_id) if board.song_id else None


def layout(conn: sqlite3.Connection, board: Board) -> list[Placed]:
    """Every shot's frames in the cut, boundaries on the frame nearest each beat."""
    grid = songs.grid_of(song_of(conn, board), board.grid)
    spans = [s.duration or board.default_duration for s in board.shots]
    try:
        cuts = durations.boundaries(spans, rate_of(board), grid)
    except durations.DurationError as err:
        raise InvalidRequest(f"Shot {err.index + 1}: {err.message}",
                             field=f"shots[{err.index}].duration") from None
    return [Placed(s, d, cuts[i], cuts[i + 1])
            for i, (s, d) in enumerate(zip(board.shots, spans, strict=True))]


def position_at(conn: sqlite3.Connection, board: Board, frame: int) -> int:
    """Where a shot that starts at `frame` of the cut goes in the board's order: before the
    first shot that starts at or after it (a gap filled in the sequence keeps its place)."""
    return sum(1 for p in layout(conn, board) if p.start < frame)


def shot_model(board: Board, shot: Shot) -> tuple[str, float | None]:
    """The model a shot is generated with and the rate asked of it (None: the model's)."""
    model = shot.model or shot.overrides.get("model") or board.defaults.get("model")
    return model or DEFAULT_MODEL, shot.overrides.get("fps") or board.defaults.get("fps")


def take_plan(settings: Settings, board: Board, frames: int, model: str,
              fps: float | None = None) -> durations.TakePlan | None:
    """How many frames `model` must make to cover `frames` of the board (None: a model
    this library does not know)."""
    preset = all_presets(settings.data_dir).get(model)
    if preset is None or isinstance(fps, bool) or not isinstance(fps, int | float | None):
        return None
    fps = fps or preset.fps
    return durations.take_plan(frames, rate_of(board), exact_rate(fps), preset.frame_step,
                               preset.max_frames)


# ---------------------------------------------------------------- picks

def select_take(conn: sqlite3.Connection, shot: Shot, take_id: str | None) -> None:
    """Make a take the shot's pick (None clears it) and mark it picked. A take of no shot
    joins this one; a take made for another shot moves here (a take belongs to at most
    one shot), and that shot loses it as its pick. Everything else about the take stays."""
    if take_id is not None:
        take = store.get_take(conn, take_id)
        if take is None:
            raise NotFound(f"There is no take {take_id!r}.", field="selected_take_id")
        if take.shot_id and take.shot_id != shot.id:
            other = boards_store.get_shot(conn, take.shot_id)
            if other is not None and other.selected_take_id == take_id:
                other.selected_take_id = None
                boards_store.update_shot(conn, other)
        changes: dict[str, Any] = {}
        if take.shot_id != shot.id or take.board_id != shot.board_id:
            changes.update(shot_id=shot.id, board_id=shot.board_id)
        if take.status != TakeStatus.PICKED:
            changes["status"] = TakeStatus.PICKED.value
        if changes:
            curation.update(conn, take, changes)
    shot.selected_take_id = take_id
    boards_store.update_shot(conn, shot)


def on_take_picked(conn: sqlite3.Connection, settings: Settings, take: Take) -> str | None:
    """A take of a shot marked picked becomes that shot's pick; the shot id, if any."""
    if not take.shot_id or take.status != TakeStatus.PICKED:
        return None
    shot = boards_store.get_shot(conn, take.shot_id)
    if shot is None or shot.selected_take_id == take.id:
        return None
    shot.selected_take_id = take.id
    boards_store.update_shot(conn, shot)
    save_json(conn, settings, shot.board_id)
    return shot.id


def pick_chain(conn: sqlite3.Connection, shot: Shot) -> list[dict[str, Any]]:
    """The shot's pick and the takes of the same shot it continues from, oldest first, as
    the plain dicts otio_export takes."""
    if not shot.selected_take_id:
        return []
    chain = store.take_chain(conn, shot.selected_take_id)
    if not chain or chain[-1].id != shot.selected_take_id:
        return []  # the pick was deleted: the shot is a gap again
    kept = [chain[-1]]
    for take in reversed(chain[:-1]):
        if take.shot_id != shot.id:
            break
        kept.append(take)
    return [t.to_json() for t in reversed(kept)]


# ---------------------------------------------------------------- the cut

def best_take(conn: sqlite3.Connection, shot: Shot) -> list[dict[str, Any]]:
    """For a rough cut: the shot's highest-rated take that is not rejected (oldest first
    among equals)."""
    takes = [t for t in (store.get_take(conn, i)
                         for i in boards_store.shot_take_ids(conn, shot.id))
             if t is not None and t.status != TakeStatus.REJECTED]
    return [t.to_json() for t in sorted(takes, key=lambda t: -t.rating)[:1]]


def assemble_board(conn: sqlite3.Connection, settings: Settings, board: Board,
                   unpicked: str = "gap") -> Cut:
    """The board's cut. A shot without a pick is a gap, or with unpicked="best" its best
    take (a rough cut before culling)."""
    placed = layout(conn, board)
    shots = []
    for i, p in enumerate(placed):
        takes = pick_chain(conn, p.shot)
        if not takes and unpicked == "best":
            takes = best_take(conn, p.shot)
        shots.append(BoardShot(id=p.shot.id, label=p.shot.label or f"Shot {i + 1}",
                               start=p.start, end=p.end, takes=tuple(takes),
                               prompt=p.shot.prompt))
    song = song_of(conn, board)
    board_song = None
    if song is not None:
        board_song = BoardSong(path=str(settings.media_dir / song["path"]),
                               sample_rate=song["sample_rate"], samples=song["samples"],
                               name=song["filename"])
    if not shots:
        raise InvalidRequest("The board has no shots to assemble.", field="shots")
    if not any(s.takes for s in shots):
        raise InvalidRequest("No shot has a take to cut yet: pick takes, or assemble with "
                             "unpicked 'best' for a rough cut.", field="unpicked")
    try:
        return assemble(board.name, board.fps, board.width, board.height, shots, board_song)
    except TimelineError as err:
        raise InvalidRequest(err.message, field=err.field) from None


# ---------------------------------------------------------------- JSON beside the library

def save_json(conn: sqlite3.Connection, settings: Settings, board_id: str) -> None:
    board = boards_store.get_board(conn, board_id, include_deleted=True)
    if board is None:
        return
    folder = boards_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    song = song_of(conn, board)
    data = board.to_dict() | {"song": {k: song[k] for k in ("id", "sha256", "filename", "path")}
                              if song else None}
    partial = folder / f".{board_id}.{secrets.token_hex(6)}.partial"  # unique per write
    partial.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(partial, folder / f"{board_id}.json")


def trash_json(settings: Settings, board_id: str) -> None:
    """A deleted board's JSON moves to the trash (restorable by moving it back)."""
    src = boards_dir(settings) / f"{board_id}.json"
    if src.exists():
        dest = settings.trash_dir / "boards"
        dest.mkdir(parents=True, exist_ok=True)
        name = src.name if not (dest / src.name).exists() else (
            f"{board_id}.{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(2)}.json")
        os.replace(src, dest / name)  # an earlier deletion's copy is kept too


def restore_from_json(conn: sqlite3.Connection, settings: Settings) -> list[str]:
    """Boards whose JSON exists but whose rows do not (a lost or rebuilt database)."""
    folder = boards_dir(settings)
    if not folder.is_dir():
        return []
    known = boards_store.board_ids(conn)
    restored = []
    for path in sorted(folder.glob("bd_*.json")):
        if path.stem in known:
            continue
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            board = Board.from_dict(data)
            if board.song_id and boards_store.get_song(conn, board.song_id) is None:
                board.song_id = _restore_song(conn, settings, data.get("song") or {})
            boards_store.insert_board(conn, board)
        except (OSError, ValueError, TypeError, KeyError) as err:
            log.warning("cannot restore board from %s: %s", path, err)
            continue
        restored.append(board.id)
    return restored


def _restore_song(conn: sqlite3.Connection, settings: Settings, song: dict[str, Any]
                  ) -> str | None:
    """The board's song from its file in the library (analysis comes from the cache)."""
    path = settings.media_dir / str(song.get("path") or "")
    if not song.get("path") or not path.is_file():
        return None
    try:
        return songs.import_song(conn, settings, path.read_bytes(), path.name)["id"]
    except InvalidRequest:
        return None

