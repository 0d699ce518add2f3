"""Chains of takes for shots longer than one take: start one; the bridge does the rest.

POST /shots/<id>/chain queues the first link; bridge.library.chains.ChainFollower (started
here, with the app) queues each next link as the one before finishes, and carries on after
a restart. The chain's progress is the shot's `chain` in GET /boards/<id>.
"""

from __future__ import annotations

from dataclasses import replace

from flask import Blueprint

from bridge.api.common import services
from bridge.api.contract import route, validate
from bridge.api.jobs import job_json, to_submission
from bridge.api.schemas.boards import ChainIn
from bridge.api.schemas.chains import ChainOut, ChainStarted
from bridge.api.schemas.jobs import JobSubmit
from bridge.errors import Conflict, InvalidRequest
from bridge.generators.presets import all_presets
from bridge.library import board_edits, boards, chains, chains_store, store

bp = Blueprint("chains", __name__)


@bp.record_once
def _follow(state) -> None:
    """The follower starts with the app; it advances nothing before the worker's recovery."""
    s = state.app.extensions.get("promptcut")
    if s is None:  # an app without services (the bare OpenAPI document)
        return
    follower = chains.ChainFollower(s.settings, s.database, s.events, s.queue,
                                    ready=lambda: s.worker.recovery is not None)
    s.extras["chains"] = follower
    follower.start()


@route(bp, "POST", "/shots/<shot_id>/chain", summary="Generate a chain that covers the shot",
       description="For a shot longer than its model's longest take: the first link is "
       "queued now; each next link continues from the last frame of the one before, queued "
       "by the bridge as each finishes (also after a restart).",
       body=ChainIn, replies={201: ChainStarted}, errors=(409, 429, 507))
def start_chain(shot_id: str, body: ChainIn):
    s = services()
    conn = s.db()
    shot = boards.get_shot(conn, shot_id)
    board = boards.get(conn, shot.board_id)
    placed = next(p for p in boards.layout(conn, board) if p.shot.id == shot.id)
    defaults = body.model_dump(mode="json", include=body.model_fields_set)
    fields = board_edits.generation_fields(s.settings, board, placed, defaults, 1)
    sub = replace(to_submission(validate(JobSubmit, fields)), shot_id=shot.id,
                  board_id=board.id)
    s.generator.resolve(sub.request)  # an unknown model or a bad size is said first
    model = sub.request.model
    plan = boards.take_plan(s.settings, board, placed.end - placed.start, model,
                            fields.get("fps"))
    if plan is None or plan.num_frames is not None:
        raise Conflict(f"This shot fits in one take of {model}: Generate makes it.",
                       field="shot_id", code="chain_not_needed")
    preset = all_presets(s.settings.data_dir).get(model)
    if preset is not None and preset.i2v_class is None:
        raise InvalidRequest(f"{model} cannot start a take from an image, so it cannot "
                             "continue a take: choose a model that can for this chain.",
                             field="model", code="no_image_to_video")
    if any(c.shot_id == shot.id for c in chains_store.running(conn)):
        raise Conflict("A chain for this shot is still running; wait for it, or cancel "
                       "its queued link.", field="shot_id", code="chain_running")
    sub = replace(sub, request=sub.request.replace(num_frames=plan.chain[0]))
    chain = chains.start(conn, s.settings, s.queue, sub, list(plan.chain))
    boards.save_json(conn, s.settings, board.id)
    positions = s.queue.positions()
    jobs = [job_json(j, positions) for j in (store.get_job(conn, i) for i in chain.jobs) if j]
    return ChainStarted(chain=ChainOut.model_validate(chain.to_dict()), jobs=jobs), 201
