"""Changing boards: create, add shots (one, many, a shot-list file), split, fill the song,
turn markers into boundaries, and plan the generation of a board's shots.

Every change ends with the board's JSON copy written again (boards.save_json). Fields
arrive already checked by the API (bridge.api.schemas.boards); what needs the library
(a song that exists, a take that exists) is checked here and named by field.
"""

from __future__ import annotations

import itertools
import secrets
import sqlite3
import time
from dataclasses import replace
from typing import Any

from bridge.boards import durations, shotlist
from bridge.boards.records import Board, Duration, Shot
from bridge.config import Settings
from bridge.errors import InvalidRequest
from bridge.library import boards, boards_store, songs
from otio_export.rates import rate_label

MAX_SHOTS = 2000


def new_id(prefix: str) -> str:
    """Sortable by creation time (hex milliseconds) and unique (random tail)."""
    return f"{prefix}{int(time.time() * 1000):011x}{secrets.token_hex(4)}"


def create_board(conn: sqlite3.Connection, settings: Settings, fields: dict[str, Any]) -> Board:
    now = time.time()
    board = Board(id=new_id("bd_"), name=fields.get("name") or "Untitled board",
                  created_at=now, updated_at=now)
    apply_board_fields(conn, board, fields)
    boards_store.insert_board(conn, board)
    boards.save_json(conn, settings, board.id)
    return board


def apply_board_fields(conn: sqlite3.Connection, board: Board, fields: dict[str, Any]) -> None:
    for name in ("name", "fps", "width", "height", "default_duration", "grid", "defaults"):
        if fields.get(name) is not None:
            setattr(board, name, fields[name])
    if "song_id" in fields:
        if fields["song_id"] is not None:
            songs.get(conn, fields["song_id"])
        board.song_id = fields["song_id"]
    board.fps = rate_label(boards.rate_of(board))  # 29.97, never 29.97002997


def new_shot(board: Board, fields: dict[str, Any], position: int = 0) -> Shot:
    now = time.time()
    shot = Shot(id=new_id("sh_"), board_id=board.id, position=position, created_at=now,
                updated_at=now)
    for name, value in fields.items():
        if name not in ("position", "selected_take_id"):
            setattr(shot, name, value)
    return shot


def add_shots(conn: sqlite3.Connection, settings: Settings, board: Board,
              items: list[dict[str, Any]], at: int | None = None) -> list[Shot]:
    if len(board.shots) + len(items) > MAX_SHOTS:
        raise InvalidRequest(f"A board holds at most {MAX_SHOTS} shots.", field="shots")
    shots = [new_shot(board, f) for f in items]
    for i, shot in enumerate(shots):
        if not shot.label:
            shot.label = f"Shot {len(board.shots) + i + 1}"
    boards_store.insert_shots(conn, board.id, shots, at)
    boards.save_json(conn, settings, board.id)
    return shots


def parse_shot_list(data: bytes | str, filename: str = "") -> list[dict[str, Any]]:
    """A shot-list file as shot fields; the error names the row and column."""
    try:
        specs = shotlist.parse(data, filename)
    except shotlist.ShotListError as err:
        raise InvalidRequest(err.message, field=err.field, code="invalid_shot_list") from None
    return [s.shot_fields() for s in specs]


def update_shot(conn: sqlite3.Connection, settings: Settings, shot: Shot,
                fields: dict[str, Any]) -> Shot:
    for name, value in fields.items():
        if name not in ("position", "selected_take_id"):
            setattr(shot, name, value)
    if "selected_take_id" in fields:
        boards.select_take(conn, shot, fields["selected_take_id"])
    else:
        boards_store.update_shot(conn, shot)
    if fields.get("position") is not None:
        boards_store.move_shot(conn, shot, fields["position"])
    boards.save_json(conn, settings, shot.board_id)
    return boards.get_shot(conn, shot.id)


def split_shot(conn: sqlite3.Connection, settings: Settings, shot: Shot,
               first: Duration | None) -> tuple[Shot, Shot]:
    """Two shots where there was one: the first keeps the id, takes and pick; the second
    copies the prompt and gets the rest of the duration (half by default)."""
    board = boards.get(conn, shot.board_id)
    whole = shot.duration or board.default_duration
    if first is None:
        value = whole.value / 2
        first = Duration(int(value) if float(value).is_integer() else value, whole.unit)
    if first.unit != whole.unit:
        raise InvalidRequest(f"Split in the shot's own unit ({whole.unit}).",
                             field="first.unit")
    rest = whole.value - first.value
    if rest <= 0 or (whole.unit == "frames" and not float(first.value).is_integer()):
        raise InvalidRequest(f"'first' must be shorter than the shot ({whole.value} "
                             f"{whole.unit}).", field="first")
    shot.duration = first
    boards_store.update_shot(conn, shot)
    rest_value = int(rest) if float(rest).is_integer() else rest
    second = replace(new_shot(board, {}), label=f"{shot.label} b", prompt=shot.prompt,
                     negative_prompt=shot.negative_prompt, model=shot.model,
                     overrides=dict(shot.overrides), start_image=shot.start_image,
                     notes=shot.notes, duration=Duration(rest_value, whole.unit),
                     takes_target=shot.takes_target)
    boards_store.insert_shots(conn, board.id, [second], shot.position + 1)
    boards.save_json(conn, settings, board.id)
    return boards.get_shot(conn, shot.id), boards.get_shot(conn, second.id)


def fill_song(conn: sqlite3.Connection, settings: Settings, board: Board,
              bars_per_shot: float) -> Board:
    """N bars a shot, as many shots as the song holds: every shot gets N bars and empty
    shots are added until the song is covered (none is removed)."""
    grid = songs.grid_of(boards.song_of(conn, board), board.grid)
    if grid is None:
        raise InvalidRequest("Filling by bars needs a song with beats; set 'song_id'.",
                             field="bars_per_shot")
    board.default_duration = Duration(bars_per_shot, "bars")
    boards_store.update_board(conn, board)
    count = durations.fill_count(grid, bars_per_shot)
    for shot in board.shots:
        if shot.duration != board.default_duration:
            shot.duration = None
            boards_store.update_shot(conn, shot)
    missing = count - len(board.shots)
    if missing > 0:
        add_shots(conn, settings, board, [{} for _ in range(missing)])
    boards.save_json(conn, settings, board.id)
    return boards.get(conn, board.id)


def set_boundaries(conn: sqlite3.Connection, settings: Settings, board: Board,
                   frames: list[int]) -> Board:
    """Markers as cut points (an editor tapping M on the beat): shot i ends at the i-th
    marker after 0, as an exact frame count; shots are added when markers outnumber them."""
    cuts = sorted({f for f in frames if f > 0})
    if not cuts:
        raise InvalidRequest("Send at least one marker after the start.", field="frames")
    bounds = [0, *cuts]
    if len(bounds) - 1 > len(board.shots):
        add_shots(conn, settings, board, [{} for _ in range(len(bounds) - 1 - len(board.shots))])
        board = boards.get(conn, board.id)
    for shot, (a, b) in zip(board.shots, itertools.pairwise(bounds), strict=False):
        shot.duration = Duration(b - a, "frames")
        boards_store.update_shot(conn, shot)
    boards.save_json(conn, settings, board.id)
    return boards.get(conn, board.id)


def generation_fields(settings: Settings, board: Board, placed: boards.Placed,
                      defaults: dict[str, Any], takes: int | None) -> dict[str, Any]:
    """The POST /jobs body for one shot: request defaults < board defaults < the shot's own
    overrides; frames long enough to cover the shot at the model's rate."""
    shot = placed.shot
    merged = {**board.defaults, **defaults, **shot.overrides}
    fields: dict[str, Any] = {k: v for k, v in merged.items() if v is not None}
    fields["prompt"] = shot.prompt or fields.get("prompt", "")
    if shot.negative_prompt:
        fields["negative_prompt"] = shot.negative_prompt
    if shot.model:
        fields["model"] = shot.model
    fields.setdefault("model", boards.DEFAULT_MODEL)
    if shot.start_image and "init_image" not in shot.overrides:
        fields["init_image"] = shot.start_image
    if "num_frames" not in shot.overrides:
        plan = boards.take_plan(settings, board, placed.end - placed.start, fields["model"],
                                fields.get("fps"))
        if plan is not None:
            fields["num_frames"] = plan.num_frames or plan.chain[0]
    fields["takes"] = takes or shot.takes_target
    fields.pop("client_key", None)
    return fields
