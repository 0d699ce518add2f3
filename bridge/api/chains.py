"""Chains of takes for shots longer than one take: start one; the bridge does the rest.

POST /shots/<id>/chain queues the first link; the chain follower (bridge.boards.chains,
started with the board service at start-up) queues each next link as the one before
finishes, and carries on after a restart. The chain's progress is the shot's `chain` in
GET /boards/<id>.
"""

from __future__ import annotations

from flask import Blueprint

from bridge.api.boards import boards, submission_parser
from bridge.api.common import services
from bridge.api.contract import route
from bridge.api.jobs import job_json
from bridge.api.schemas.boards import ChainIn
from bridge.api.schemas.chains import ChainOut, ChainStarted
from bridge.library import store

bp = Blueprint("chains", __name__)


@route(bp, "POST", "/shots/<shot_id>/chain", summary="Generate a chain that covers the shot",
       description="For a shot longer than its model's longest take: the first link is "
       "queued now; each next link continues from the last frame of the one before, queued "
       "by the bridge as each finishes (also after a restart).",
       body=ChainIn, replies={201: ChainStarted}, errors=(409, 429, 507))
def start_chain(shot_id: str, body: ChainIn):
    s = services()
    defaults = body.model_dump(mode="json", include=body.model_fields_set)
    chain = boards().start_chain(shot_id, defaults, submission_parser(s))
    positions = s.queue.positions()
    jobs = [job_json(j, positions) for j in (store.get_job(s.db(), i) for i in chain.jobs)
            if j]
    return ChainStarted(chain=ChainOut.model_validate(chain.to_dict()), jobs=jobs,
                        sections=chain.request.get("prompts", [])), 201
