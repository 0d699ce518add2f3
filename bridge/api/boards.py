"""Boards: a song, ordered shots and their picks; generate a board, assemble it into a cut.

Handlers parse with bridge.api.board_input and call bridge.library.boards / board_edits;
the JSON of a board is built in bridge.api.board_json.
"""

from __future__ import annotations

from flask import Blueprint, Response, request

from bridge.api import board_input as read
from bridge.api.board_json import board_json, shot_json
from bridge.api.common import get_bool, json_body, services
from bridge.boards.records import GridAdjust
from bridge.errors import InvalidRequest
from bridge.library import board_edits, boards, boards_store

bp = Blueprint("boards", __name__)


@bp.record_once
def _restore(state) -> None:
    """Boards whose JSON outlived the database come back when the bridge starts."""
    s = state.app.extensions["promptcut"]
    restored = boards.restore_from_json(s.db(), s.settings)
    if restored:
        boards.log.info("restored %d board(s) from their JSON files", len(restored))


def board_fields(data: dict, *, creating: bool) -> dict:
    read.unknown(data, read.BOARD_FIELDS if creating else read.BOARD_FIELDS - {
        "shots", "shot_list", "shot_list_format", "bars_per_shot"})
    out: dict = {}
    if "name" in data or creating:
        out["name"] = read.get_str(data, "name", default="Untitled board", max_len=200)
    if "fps" in data:
        out["fps"] = read.fps(data)
    for name in ("width", "height"):
        if name in data:
            out[name] = read.size(data, name)
    if "song_id" in data:
        out["song_id"] = read.get_str(data, "song_id", max_len=64)
    if "default_duration" in data:
        out["default_duration"] = read.duration(data["default_duration"], "default_duration",
                                                allow_none=False)
    if "grid" in data:
        out["grid"] = read.grid(data["grid"], GridAdjust())
    if "defaults" in data:
        out["defaults"] = read.overrides(data["defaults"], "defaults")
    return out


def _shots_from(data: dict) -> list[dict]:
    """Shots sent as a list, a shot-list text, or (multipart) a shot-list file."""
    if "shot_list" in data:
        text = read.get_str(data, "shot_list", max_len=2_000_000, allow_empty=False)
        fmt = read.get_str(data, "shot_list_format", default="",
                           choices=("", "csv", "tsv", "json", "md"))
        return board_edits.parse_shot_list(text, f"list.{fmt}" if fmt else "")
    items = data.get("shots")
    if items is None:
        return []
    if not isinstance(items, list):
        raise InvalidRequest("'shots' must be a list of shots.", field="shots",
                             code="wrong_type")
    return [read.shot_fields(item, f"shots[{i}].") for i, item in enumerate(items)]


def _fill(board, data: dict):
    if data.get("bars_per_shot") is None:
        return board
    bars = read.get_float(data, "bars_per_shot", lo=0.25, hi=64)
    s = services()
    return board_edits.fill_song(s.db(), s.settings, board, bars)


@bp.post("/boards")
def create_board():
    if request.files:
        data = dict(request.form)
        upload = request.files.get("file")
        shots = board_edits.parse_shot_list(upload.read(), upload.filename or "") \
            if upload else []
        if "bars_per_shot" in data:
            data["bars_per_shot"] = _number_form(data["bars_per_shot"], "bars_per_shot")
        if "fps" in data:
            data["fps"] = _number_form(data["fps"], "fps")
    else:
        data = json_body()
        shots = _shots_from(data)
    s = services()
    fields = board_fields(data, creating=True)
    board = board_edits.create_board(s.db(), s.settings, fields)
    if shots:
        board_edits.add_shots(s.db(), s.settings, board, shots)
        board = boards.get(s.db(), board.id)
    board = _fill(board, data)
    return board_json(board), 201


def _number_form(value: str, field: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise InvalidRequest(f"'{field}' must be a number.", field=field) from None


@bp.get("/boards")
def list_boards():
    conn = services().db()
    out = []
    for board in boards_store.list_boards(conn):
        picked = sum(1 for s in board.shots if s.selected_take_id)
        out.append({"id": board.id, "name": board.name, "fps": board.fps,
                    "song_id": board.song_id, "shots": len(board.shots), "picked": picked,
                    "created_at": board.created_at, "updated_at": board.updated_at})
    return {"boards": out}


@bp.get("/boards/<board_id>")
def get_board(board_id: str):
    return board_json(boards.get(services().db(), board_id))


@bp.patch("/boards/<board_id>")
def patch_board(board_id: str):
    s = services()
    board = boards.get(s.db(), board_id)
    data = json_body()
    if not data:
        raise InvalidRequest("Send at least one field to change.", field="body")
    fields = board_fields(data, creating=False)
    if "grid" in data:
        fields["grid"] = read.grid(data["grid"], board.grid)
    board_edits.apply_board_fields(s.db(), board, fields)
    boards.rate_of(board)
    boards_store.update_board(s.db(), board)
    boards.save_json(s.db(), s.settings, board.id)
    return board_json(boards.get(s.db(), board_id))


@bp.delete("/boards/<board_id>")
def delete_board(board_id: str):
    s = services()
    boards.get(s.db(), board_id)
    boards_store.mark_board_deleted(s.db(), board_id)
    boards.save_json(s.db(), s.settings, board_id)
    boards.trash_json(s.settings, board_id)
    return "", 204


@bp.post("/boards/<board_id>/shots")
def add_shots(board_id: str):
    s = services()
    board = boards.get(s.db(), board_id)
    position = None
    if request.files:
        upload = request.files.get("file")
        if upload is None:
            raise InvalidRequest("Send the shot list as multipart field 'file'.", field="file",
                                 code="required")
        items = board_edits.parse_shot_list(upload.read(), upload.filename or "")
    else:
        data = json_body()
        if "shots" in data or "shot_list" in data:
            read.unknown(data, {"shots", "shot_list", "shot_list_format", "position"})
            items = _shots_from(data)
            position = read.get_int(data, "position", lo=0, hi=100_000)
        else:
            items = [read.shot_fields(data)]
            position = items[0].get("position")
    if not items:
        raise InvalidRequest("Send at least one shot.", field="shots", code="required")
    shots = board_edits.add_shots(s.db(), s.settings, board, items, position)
    fresh = board_json(boards.get(s.db(), board_id))
    ids = {shot.id for shot in shots}
    return {"shots": [sh for sh in fresh["shots"] if sh["id"] in ids], "board": fresh}, 201


@bp.get("/boards/<board_id>/shots.csv")
def shots_csv(board_id: str):
    board = boards.get(services().db(), board_id)
    from bridge.boards.shotlist import to_csv

    body = to_csv([sh.to_dict() for sh in board.shots])
    name = "".join(c for c in board.name if c.isalnum() or c in " -_")[:60] or "shots"
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})


@bp.post("/boards/<board_id>/fill")
def fill(board_id: str):
    board = boards.get(services().db(), board_id)
    data = json_body()
    read.unknown(data, {"bars_per_shot"})
    if data.get("bars_per_shot") is None:
        raise InvalidRequest("'bars_per_shot' is required.", field="bars_per_shot",
                             code="required")
    return board_json(_fill(board, data))


@bp.post("/boards/<board_id>/markers")
def markers(board_id: str):
    """Cut points from markers: sequence frames at the board's rate, or seconds."""
    s = services()
    board = boards.get(s.db(), board_id)
    data = json_body()
    read.unknown(data, {"frames", "seconds"})
    frames = _frame_list(data, board)
    return board_json(board_edits.set_boundaries(s.db(), s.settings, board, frames))


def _frame_list(data: dict, board) -> list[int]:
    from bridge.boards.durations import nearest_frame

    name = "frames" if "frames" in data else "seconds"
    values = data.get(name)
    if not isinstance(values, list) or not values or len(values) > board_edits.MAX_SHOTS:
        raise InvalidRequest(f"'{name}' must list 1 to {board_edits.MAX_SHOTS} marker "
                             "positions.", field=name)
    out = []
    for i, v in enumerate(values):
        ok = isinstance(v, int) if name == "frames" else isinstance(v, int | float)
        if isinstance(v, bool) or not ok or not 0 <= v <= 10**8 or v != v:
            kind = "whole number" if name == "frames" else "number"
            raise InvalidRequest(f"'{name}[{i}]' must be a {kind} of at least 0.",
                                 field=f"{name}[{i}]")
        out.append(v if name == "frames" else nearest_frame(v, boards.rate_of(board)))
    return out


@bp.patch("/shots/<shot_id>")
def patch_shot(shot_id: str):
    s = services()
    shot = boards.get_shot(s.db(), shot_id)
    data = json_body()
    if not data:
        raise InvalidRequest("Send at least one field to change.", field="body")
    fields = read.shot_fields(data)
    if "duration" in fields:
        _check_duration(shot, fields["duration"])
    shot = board_edits.update_shot(s.db(), s.settings, shot, fields)
    return shot_json(boards.get(s.db(), shot.board_id), shot.id)


def _check_duration(shot, duration) -> None:
    """A new duration must lay out (bars need a song): refuse it before it is saved."""
    board = boards.get(services().db(), shot.board_id)
    for other in board.shots:
        if other.id == shot.id:
            other.duration = duration
    try:
        boards.layout(services().db(), board)
    except InvalidRequest as err:
        raise InvalidRequest(err.message.split(": ", 1)[-1], field="duration") from None


@bp.delete("/shots/<shot_id>")
def delete_shot(shot_id: str):
    s = services()
    shot = boards.get_shot(s.db(), shot_id)
    boards_store.delete_shot(s.db(), shot)
    boards.save_json(s.db(), s.settings, shot.board_id)
    return "", 204


@bp.post("/shots/<shot_id>/split")
def split_shot(shot_id: str):
    s = services()
    shot = boards.get_shot(s.db(), shot_id)
    data = json_body()
    read.unknown(data, {"first"})
    first = read.duration(data.get("first"), "first")
    a, b = board_edits.split_shot(s.db(), s.settings, shot, first)
    board = boards.get(s.db(), a.board_id)
    return {"shots": [shot_json(board, a.id), shot_json(board, b.id)]}, 201


@bp.post("/boards/<board_id>/generate")
def generate(board_id: str):
    from bridge.api.board_generate import generate_board

    data = json_body()
    only_missing = get_bool(data, "only_missing")
    return generate_board(board_id, data, only_missing), 201


@bp.post("/boards/<board_id>/assemble")
def assemble(board_id: str):
    from bridge.api.board_generate import assemble_board
    from bridge.api.timelines import _formats, _public

    data = json_body()
    read.unknown(data, {"formats", "unpicked"})
    unpicked = read.get_str(data, "unpicked", default="gap", choices=("gap", "best"))
    meta = assemble_board(board_id, _formats(data.get("formats")), unpicked)
    return _public(meta), 201
