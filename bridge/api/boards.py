"""Boards over HTTP: parse the body, call the board service (bridge.boards.service), answer.

Bodies are declared in bridge.api.schemas.boards (each turns itself into the field dict the
service takes), answers in bridge.api.schemas.board_answers; `board_out` adds what only the
HTTP answer has: signed URLs for the song and each pick.
"""

from __future__ import annotations

import contextlib
import dataclasses
from typing import Any

from flask import Blueprint, Response, request

from bridge.api.common import require_fields, services
from bridge.api.contract import Payload, Reply, json_data, route, validate
from bridge.api.schemas.board_answers import (
    PICK_FIELDS,
    AssembleOut,
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
    BoardUpload,
    DuplicateIn,
    FillIn,
    GenerateIn,
    MarkersIn,
    ShotPatch,
    ShotsAdd,
    ShotsUpload,
    SplitIn,
)
from bridge.api.schemas.jobs import JobSubmit
from bridge.boards import service as board_service
from bridge.boards.service import GENERATE_CONTROL, BoardService, Laid
from bridge.errors import InvalidRequest
from bridge.library.records import Take

bp = Blueprint("boards", __name__)
SHOT_LIST_UPLOAD = Payload({"multipart/form-data": BoardUpload, "application/json": BoardCreate},
                           description="JSON (BoardCreate), or a shot-list file as multipart "
                           "field 'file' with the board's fields beside it")


def boards() -> BoardService:
    return board_service.of(services())


def submission_parser(s: Any):
    """POST /jobs's own reading of a body, for the shots a board generates."""
    from bridge.api.jobs import to_submission

    return lambda fields: to_submission(validate(JobSubmit, fields), s)


def board_out(laid: Laid) -> BoardOut:  # type: ignore[valid-type]
    """The service's view of a board with the song's and each pick's signed URLs."""
    from bridge.api.takes import take_json

    s = services()
    out = boards().view(laid)
    if out["song"] is not None:
        out["song"]["url"] = s.signed(out["song"]["path"])
    for shot in out["shots"]:
        pick = shot["pick"]
        if isinstance(pick, Take):
            full = take_json(pick).model_dump(mode="json")
            shot["pick"] = {"id": pick.id, "missing": False} | {k: full[k] for k in PICK_FIELDS}
        elif pick is not None:
            shot["pick"] = {"id": pick["id"], "missing": True} | dict.fromkeys(PICK_FIELDS)
    return BoardOut.model_validate(out)


def shot_out(laid: Laid, shot_id: str) -> ShotOut:  # type: ignore[valid-type]
    return next(sh for sh in board_out(laid).shots if sh.id == shot_id)


def _shot_items(body: ShotsAdd | BoardCreate) -> list[dict]:
    """Shots sent as a list or as shot-list text."""
    if body.shot_list is not None:
        fmt = body.shot_list_format or ""
        return BoardService.parse_shot_list(body.shot_list, f"list.{fmt}" if fmt else "")
    return [item.fields() for item in body.shots or []]


def _upload() -> tuple[dict, list[dict]]:
    """A multipart request: the form's fields (all text, as the JSON a BoardCreate would
    hold; a number that does not read stays text for validation to name) and the shots of
    its 'file'."""
    upload = request.files.get("file")
    if upload is None:
        raise InvalidRequest("Send the shot list as multipart field 'file'.", field="file",
                             code="required")
    form: dict[str, Any] = request.form.to_dict()
    for name in ("fps", "bars_per_shot"):
        if name in form:
            with contextlib.suppress(ValueError):
                form[name] = float(form[name])
    for name in ("width", "height"):
        if name in form and form[name].isdigit():
            form[name] = int(form[name])
    return form, BoardService.parse_shot_list(upload.read(), upload.filename or "")


def _multipart() -> bool:
    return bool(request.files) or request.mimetype == "multipart/form-data"


@route(bp, "POST", "/boards", summary="Create a board (optionally from a shot list)",
       body=SHOT_LIST_UPLOAD, replies={201: BoardOut}, errors=(404, 507))
def create_board():
    if _multipart():
        data, items = _upload()
        body = validate(BoardCreate, data)
    else:
        body = validate(BoardCreate, json_data())
        items = _shot_items(body)
    return board_out(boards().create(body.fields(), items, body.bars_per_shot)), 201


@route(bp, "GET", "/boards", summary="The library's boards, last changed first",
       replies={200: BoardList})
def list_boards():
    service = boards()
    out = [BoardSummary(id=b.id, name=b.name, fps=b.fps, song_id=b.song_id,
                        shots=len(b.shots), picked=sum(1 for s in b.shots if s.selected_take_id),
                        created_at=b.created_at, updated_at=b.updated_at)
           for b in service.list()]
    return BoardList(boards=out, unreadable=list(service.unreadable))


@route(bp, "GET", "/boards/<board_id>", summary="A board, its song and its shots laid out",
       replies={200: BoardOut})
def get_board(board_id: str):
    service = boards()
    return board_out(service.laid(service.get(board_id)))


@route(bp, "PATCH", "/boards/<board_id>", summary="Change a board's settings, song or grid",
       body=BoardFields, replies={200: BoardOut}, errors=(507,))
def patch_board(board_id: str, body: BoardFields):
    service = boards()
    grid = service.get(board_id).grid
    require_fields(body)
    return board_out(service.update(board_id, body.fields(grid)))


@route(bp, "DELETE", "/boards/<board_id>", summary="Delete a board (its takes stay)",
       replies={204: None}, errors=(507,))
def delete_board(board_id: str):
    boards().delete(board_id)
    return "", 204


@route(bp, "POST", "/boards/<board_id>/duplicate", summary="A copy of a board",
       description="Its settings, song, grid and shots with their picks, under new ids; the "
       "takes are shared, not copied.", body=DuplicateIn, replies={201: BoardOut},
       errors=(507,))
def duplicate_board(board_id: str, body: DuplicateIn):
    name = (body.name or "").strip() or None
    return board_out(boards().duplicate(board_id, name)), 201


@route(bp, "POST", "/boards/<board_id>/shots", summary="Add shots: one, many or a shot list",
       body=Payload({"application/json": ShotsAdd, "multipart/form-data": ShotsUpload}),
       replies={201: ShotsOut}, errors=(507,))
def add_shots(board_id: str):
    service = boards()
    service.get(board_id)  # an unknown board is a 404 before the body is read
    position = at_frame = None
    if _multipart():
        _, items = _upload()
    else:
        body = validate(ShotsAdd, json_data())
        if body.position is not None and body.at_frame is not None:
            raise InvalidRequest("Send 'position' or 'at_frame', not both.", field="at_frame")
        position, at_frame = body.position, body.at_frame
        items = _shot_items(body) if body.shots is not None or body.shot_list is not None \
            else [body.fields()]
    added, laid = service.add_shots(board_id, items, position, at_frame)
    board = board_out(laid)
    ids = {shot.id for shot in added}
    return ShotsOut(shots=[sh for sh in board.shots if sh.id in ids], board=board), 201


@route(bp, "GET", "/boards/<board_id>/shots.csv", summary="The board's shot list as CSV",
       replies={200: Reply(str, "The shot list", "text/csv")})
def shots_csv(board_id: str):
    text, filename = boards().shots_csv(board_id)
    return Response(text, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@route(bp, "POST", "/boards/<board_id>/fill", summary="N bars a shot, filling the song",
       body=FillIn, replies={200: BoardOut}, errors=(507,))
def fill(board_id: str, body: FillIn):
    return board_out(boards().fill(board_id, body.bars_per_shot))


@route(bp, "POST", "/boards/<board_id>/markers", summary="Markers as shot boundaries",
       body=MarkersIn, replies={200: BoardOut}, errors=(507,))
def markers(board_id: str, body: MarkersIn):
    boards().get(board_id)
    return board_out(boards().set_boundaries(board_id, body.frames, body.seconds))


@route(bp, "PATCH", "/shots/<shot_id>", summary="Change a shot: fields, place, pick",
       body=ShotPatch, replies={200: ShotOut}, errors=(507,))
def patch_shot(shot_id: str, body: ShotPatch):
    service = boards()
    service.get_shot(shot_id)
    require_fields(body)
    return shot_out(service.update_shot(shot_id, body.fields()), shot_id)


@route(bp, "DELETE", "/shots/<shot_id>", summary="Delete a shot (its takes stay)",
       replies={204: None}, errors=(507,))
def delete_shot(shot_id: str):
    boards().delete_shot(shot_id)
    return "", 204


@route(bp, "POST", "/shots/<shot_id>/split", summary="Split a shot in two",
       body=SplitIn, replies={201: SplitOut}, errors=(507,))
def split_shot(shot_id: str, body: SplitIn):
    a, b, laid = boards().split_shot(shot_id, body.first)
    board = board_out(laid)
    return SplitOut(shots=[sh for i in (a.id, b.id) for sh in board.shots if sh.id == i]), 201


@route(bp, "POST", "/boards/<board_id>/undo", summary="Undo the board's last edit",
       description="Any edit of the board's settings, grid or shots (a length, the order, a "
       "pick, a deleted or added shot); the steps are kept with the board, so they survive "
       "a reload and a restart. 409 when there is nothing to undo.",
       replies={200: BoardOut}, errors=(409, 507))
def undo(board_id: str):
    return board_out(boards().undo(board_id))


@route(bp, "POST", "/boards/<board_id>/redo", summary="Redo the edit the last undo took back",
       description="A new edit clears what can be redone. 409 when there is nothing to redo.",
       replies={200: BoardOut}, errors=(409, 507))
def redo(board_id: str):
    return board_out(boards().redo(board_id))


@route(bp, "POST", "/boards/<board_id>/generate", summary="Queue takes for a board's shots",
       body=GenerateIn, replies={201: GenerateOut}, errors=(404, 429, 507))
def generate(board_id: str, body: GenerateIn):
    from bridge.api.jobs import job_json

    s = services()
    defaults = body.model_dump(mode="json", include=body.model_fields_set
                               - set(GENERATE_CONTROL))
    done = boards().generate(board_id, defaults, submission_parser(s), takes=body.takes,
                             only_missing=body.only_missing, shot_ids=body.shot_ids)
    positions = s.queue.positions()
    return GenerateOut(jobs=[job_json(j, positions) for j in done["jobs"]],
                       shots=done["shots"], skipped=done["skipped"]), 201


@route(bp, "POST", "/boards/<board_id>/assemble", summary="The board's cut, in each format",
       body=AssembleIn, replies={201: AssembleOut}, errors=(507,))
def assemble(board_id: str, body: AssembleIn):
    from bridge.api.timelines import _formats, public

    meta, notes, shots = boards().assemble(board_id, _formats(body.formats), body.unpicked)
    return AssembleOut.model_validate(public(meta) | {
        "notes": notes, "shots": [dataclasses.asdict(s) for s in shots]}), 201
