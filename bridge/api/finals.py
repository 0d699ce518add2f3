"""/takes/<id>/finish: a draft's final at delivery quality. A thin door onto
bridge.finals.service, which the board service calls too (finish all picks)."""

from __future__ import annotations

from flask import Blueprint

from bridge.api.common import services
from bridge.api.contract import Reply, route
from bridge.api.jobs import job_json
from bridge.api.schemas.finals import FinishEstimate, FinishIn
from bridge.api.schemas.jobs import BatchOut
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
