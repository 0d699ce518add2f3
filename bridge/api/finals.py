"""/takes/<id>/finish and /boards/<id>/finish: a draft's final at delivery quality, or the
finals of every pick of a board. Thin doors onto bridge.finals.service and the board
service (which `promptcut board finish` calls too)."""

from __future__ import annotations

from flask import Blueprint

from bridge.api.common import services
from bridge.api.contract import Reply, route
from bridge.api.jobs import job_json
from bridge.api.schemas.finals import (
    BoardFinishEstimate,
    BoardFinishIn,
    BoardFinishOut,
    FinishEstimate,
    FinishIn,
)
from bridge.api.schemas.jobs import BatchOut
from bridge.boards import service as board_service
from bridge.finals import service as finals

bp = Blueprint("finals", __name__)


@route(bp, "GET", "/takes/<take_id>/finish", summary="Estimate a take's final",
       replies={200: FinishEstimate}, errors=(404, 409))
def estimate(take_id: str):
    return FinishEstimate(**finals.estimate(services(), take_id))


@route(bp, "POST", "/takes/<take_id>/finish",
       summary="Finish a take: re-render it at delivery quality, the draft as its parent",
       body=FinishIn,
       replies={201: Reply(BatchOut, "Queued"),
                200: Reply(FinishEstimate, "dry_run: the estimate; nothing queued")},
       errors=(404, 409, 429, 507))
def finish(take_id: str, body: FinishIn):
    s = services()
    if body.dry_run:
        return FinishEstimate(**finals.estimate(s, take_id)), 200
    batch_id, jobs, _created = finals.finish(s, take_id, priority=body.priority,
                                             force=body.force)
    positions = s.queue.positions()
    return BatchOut(batch_id=batch_id, jobs=[job_json(j, positions) for j in jobs]), 201


@route(bp, "GET", "/boards/<board_id>/finish",
       summary="Estimate finishing every pick of a board",
       description="How many finals, by which routes, and about how long in all; shots "
       "without a pick, or whose pick is a final already, are listed as skipped.",
       replies={200: BoardFinishEstimate}, errors=(404, 409))
def board_estimate(board_id: str):
    s = services()
    return BoardFinishEstimate(**board_service.of(s).finish_estimate(board_id, s))


@route(bp, "POST", "/boards/<board_id>/finish",
       summary="Finish every pick of a board",
       description="Queues each pick's final; when one is done it replaces its draft as "
       "the shot's pick (the draft stays its parent), an edit that undo takes back. Every "
       "final is checked before any is queued.",
       body=BoardFinishIn, replies={201: BoardFinishOut}, errors=(404, 409, 429, 507))
def board_finish(board_id: str, body: BoardFinishIn):
    s = services()
    done = board_service.of(s).finish_picks(board_id, s, priority=body.priority,
                                            force=body.force)
    positions = s.queue.positions()
    return BoardFinishOut(jobs=[job_json(j, positions) for j in done["jobs"]],
                          shots=done["shots"], skipped=done["skipped"]), 201
