"""Boards: a song, ordered shots and their picks; generate a board, assemble it into a cut.

Bodies are declared in bridge.api.schemas.boards; handlers turn them into field dicts
(bridge.api.board_input) and call bridge.library.boards / board_edits. A board's JSON is
built in bridge.api.board_json.
"""

from __future__ import annotations

from flask import Blueprint, Response, request

from bridge.api import board_input as read
from bridge.api.board_json import board_json, shot_json
from bridge.api.common import require_fields, services
from bridge.api.contract import Payload, Reply, json_data, route
from bridge.api.schemas.board_answers import (
    BoardList,
    BoardOut,
    BoardSummary,
    GenerateOut,
    ShotOut,
    ShotsOut,
    SplitOut,
)
from bridge.api.schemas.boards import (
    AssembleIn,
    BoardCreate,
    BoardFields,
    FillIn,
    GenerateIn,
    MarkersIn,
    ShotPatch,
    ShotsAdd,
    SplitIn,
)
from bridge.boards.durations import nearest_frame
from bridge.boards.shotlist import to_csv
from bridge.errors import InvalidRequest
from bridge.library import board_edits, boards, boards_store

bp = Blueprint("boards", __name__)
SHOT_LIST_UPLOAD = Payload({"multipart/form-data": dict, "application/json": BoardCreate},
                           description="JSON (BoardCreate), or a shot-list file as multipart "
                           "field 'file' with the board's fields beside it")


@bp.record_once
def _restore(state) -> None:
    """Boards whose JSON outlived the database come back when the bridge starts."""
    s = state.app.extensions.get("promptcut")
    if s is None:  # an app without services (the bare OpenAPI document)
        return
    restored = boards.restore_from_json(s.db(), s.settings)
    if restored:
        boards.log.info("restored %d board(s) from their JSON files", len(restored))


def _shot_items(body: ShotsAdd | BoardCreate) -> list[dict]:
    """Shots sent as a list or as shot-list text."""
    if body.shot_list is not None:
        fmt = body.shot_list_format or ""
        return board_edits.parse_shot_list(body.shot_list, f"list.{fmt}" if fmt else "")
    return [read.shot_fields(item) for item in body.shots or []]


def _upload() -> tuple[dict, list[dict]]:
    """A multipart request: the form's fields and the shots of its 'file'."""
    upload = request.files.get("file")
    if upload is None:
        raise InvalidRequest("Send the shot list as multipart field 'file'.", field="file",
                             code="required")
    return read.form_fields(request.form.to_dict()), board_edits.parse_shot_list(
        upload.read(), upload.filename or "")


@route(bp, "POST", "/boards", summary="Create a board (optionally from a shot list)",
       body=SHOT_LIST_UPLOAD, replies={201: BoardOut}, errors=(404,))
def create_board():
    if request.files or request.mimetype == "multipart/form-data":
        data, items = _upload()
        body = read.validated(BoardCreate, data)
    else:
        body = read.validated(BoardCreate, json_data())
        items = _shot_items(body)
    s = services()
    board = board_edits.create_board(s.db(), s.settings, read.board_fields(body))
    if items:
        board_edits.add_shots(s.db(), s.settings, board, items)
        board = boards.get(s.db(), board.id)
    if body.bars_per_shot is not None:
        board = board_edits.fill_song(s.db(), s.settings, board, body.bars_per_shot)
    return BoardOut.model_validate(board_json(board)), 201


@route(bp, "GET", "/boards", summary="The library's boards, last changed first",
       replies={200: BoardList})
def list_boards():
    out = []
    for board in boards_store.list_boards(services().db()):
        picked = sum(1 for s in board.shots if s.selected_take_id)
        out.append(BoardSummary(id=board.id, name=board.name, fps=board.fps,
                                song_id=board.song_id, shots=len(board.shots), picked=picked,
                                created_at=board.created_at, updated_at=board.updated_at))
    return BoardList(boards=out)


@route(bp, "GET", "/boards/<board_id>", summary="A board, its song and its shots laid out",
       replies={200: BoardOut})
def get_board(board_id: str):
    return BoardOut.model_validate(board_json(boards.get(services().db(), board_id)))


@route(bp, "PATCH", "/boards/<board_id>", summary="Change a board's settings, song or grid",
       body=BoardFields, replies={200: BoardOut})
def patch_board(board_id: str, body: BoardFields):
    s = services()
    board = boards.get(s.db(), board_id)
    require_fields(body)
    board_edits.apply_board_fields(s.db(), board, read.board_fields(body, board.grid))
    boards_store.update_board(s.db(), board)
    boards.save_json(s.db(), s.settings, board.id)
    return BoardOut.model_validate(board_json(boards.get(s.db(), board_id)))


@route(bp, "DELETE", "/boards/<board_id>", summary="Delete a board (its takes stay)",
       replies={204: None})
def delete_board(board_id: str):
    s = services()
    boards.get(s.db(), board_id)
    boards_store.mark_board_deleted(s.db(), board_id)
    boards.save_json(s.db(), s.settings, board_id)
    boards.trash_json(s.settings, board_id)
    return "", 204


@route(bp, "POST", "/boards/<board_id>/shots", summary="Add shots: one, many or a shot list",
       body=Payload({"application/json": ShotsAdd, "multipart/form-data": dict}),
       replies={201: ShotsOut})
def add_shots(board_id: str):
    s = services()
    board = boards.get(s.db(), board_id)
    position = None
    if request.files or request.mimetype == "multipart/form-data":
        _, items = _upload()
    else:
        body = read.validated(ShotsAdd, json_data())
        if body.position is not None and body.at_frame is not None:
            raise InvalidRequest("Send 'position' or 'at_frame', not both.", field="at_frame")
        position = body.position if body.at_frame is None else boards.position_at(
            s.db(), board, body.at_frame)
        if body.shots is not None or body.shot_list is not None:
            items = _shot_items(body)
        else:
            items = [read.shot_fields(body)]
    if not items:
        raise InvalidRequest("Send at least one shot.", field="shots", code="required")
    added = {shot.id for shot in board_edits.add_shots(s.db(), s.settings, board, items,
                                                       position)}
    fresh = board_json(boards.get(s.db(), board_id))
    return ShotsOut.model_validate({"shots": [sh for sh in fresh["shots"] if sh["id"] in added],
                                    "board": fresh}), 201


@route(bp, "GET", "/boards/<board_id>/shots.csv", summary="The board's shot list as CSV",
       replies={200: Reply(str, "The shot list", "text/csv")})
def shots_csv(board_id: str):
    board = boards.get(services().db(), board_id)
    name = "".join(c for c in board.name if c.isalnum() or c in " -_")[:60] or "shots"
    return Response(to_csv([sh.to_dict() for sh in board.shots]), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})


@route(bp, "POST", "/boards/<board_id>/fill", summary="N bars a shot, filling the song",
       body=FillIn, replies={200: BoardOut})
def fill(board_id: str, body: FillIn):
    s = services()
    board = board_edits.fill_song(s.db(), s.settings, boards.get(s.db(), board_id),
                                  body.bars_per_shot)
    return BoardOut.model_validate(board_json(board))


@route(bp, "POST", "/boards/<board_id>/markers", summary="Markers as shot boundaries",
       body=MarkersIn, replies={200: BoardOut})
def markers(board_id: str, body: MarkersIn):
    s = services()
    board = boards.get(s.db(), board_id)
    if (body.frames is None) == (body.seconds is None):
        raise InvalidRequest("Send 'frames' (at the board's rate) or 'seconds'.",
                             field="frames", code="required")
    rate = boards.rate_of(board)
    frames = body.frames if body.frames is not None else [
        nearest_frame(t, rate) for t in body.seconds or []]
    return BoardOut.model_validate(board_json(board_edits.set_boundaries(
        s.db(), s.settings, board, frames)))


@route(bp, "PATCH", "/shots/<shot_id>", summary="Change a shot: fields, place, pick",
       body=ShotPatch, replies={200: ShotOut})
def patch_shot(shot_id: str, body: ShotPatch):
    s = services()
    shot = boards.get_shot(s.db(), shot_id)
    require_fields(body)
    fields = read.shot_fields(body)
    if "duration" in fields:
        _check_duration(shot, fields["duration"])
    shot = board_edits.update_shot(s.db(), s.settings, shot, fields)
    return ShotOut.model_validate(shot_json(boards.get(s.db(), shot.board_id), shot.id))


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


@route(bp, "DELETE", "/shots/<shot_id>", summary="Delete a shot (its takes stay)",
       replies={204: None})
def delete_shot(shot_id: str):
    s = services()
    shot = boards.get_shot(s.db(), shot_id)
    boards_store.delete_shot(s.db(), shot)
    boards.save_json(s.db(), s.settings, shot.board_id)
    return "", 204


@route(bp, "POST", "/shots/<shot_id>/split", summary="Split a shot in two",
       body=SplitIn, replies={201: SplitOut})
def split_shot(shot_id: str, body: SplitIn):
    s = services()
    a, b = board_edits.split_shot(s.db(), s.settings, boards.get_shot(s.db(), shot_id),
                                  body.first)
    board = boards.get(s.db(), a.board_id)
    return SplitOut.model_validate({"shots": [shot_json(board, a.id),
                                              shot_json(board, b.id)]}), 201


@route(bp, "POST", "/boards/<board_id>/generate", summary="Queue takes for a board's shots",
       body=GenerateIn, replies={201: GenerateOut}, errors=(404, 429, 507))
def generate(board_id: str, body: GenerateIn):
    from bridge.api.board_generate import generate_board

    return GenerateOut.model_validate(generate_board(board_id, body)), 201


@route(bp, "POST", "/boards/<board_id>/assemble", summary="The board's cut, in each format",
       body=AssembleIn, replies={201: dict}, errors=(507,))
def assemble(board_id: str, body: AssembleIn):
    from bridge.api.board_generate import assemble_board
    from bridge.api.timelines import _formats

    return assemble_board(board_id, _formats(body.formats), body.unpicked), 201
