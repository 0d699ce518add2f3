"""Generation jobs: submit a batch, watch it, cancel it, reorder it."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from bridge.api import direct, looks
from bridge.api.common import services
from bridge.api.contract import Link, Reply, route
from bridge.api.schemas.jobs import (
    REQUEST_FIELDS,
    SUBMISSION_FIELDS,
    BatchOut,
    CancelledOut,
    InitImageIn,
    JobFieldsOut,
    JobList,
    JobOut,
    JobPatch,
    JobQuery,
    JobsCancel,
    JobSubmit,
    job_fields,
    job_out,
)
from bridge.conditions import Retake
from bridge.engine.records import Job, JobState
from bridge.errors import InvalidRequest, NotFound
from bridge.library import images, start_image, store
from bridge.looks import moves, references
from bridge.looks.records import CameraShot
from bridge.request import GenerationRequest, Handles, InitImage, Submission

bp = Blueprint("jobs", __name__)

# What a client does next with a job's id (OpenAPI links; a stateful fuzzer follows them).
FIRST_JOB = "$response.body#/jobs/0/id"
JOB_LINKS = tuple(Link(name, f"jobs_{op}", {"job_id": FIRST_JOB})
                  for name, op in (("GetJob", "get_job"), ("CancelJob", "cancel"),
                                   ("ReorderJob", "patch")))


def job_json(job: Job, positions: dict[str, int] | None = None) -> JobOut:
    s = services()
    progress = s.worker.progress.get(job.id) if job.status is JobState.RUNNING else None
    if positions is None and job.status is JobState.QUEUED:
        positions = s.queue.positions()
    # Cancelled, and a slot still holds it: its device is finishing the step it is in
    # (the slot may not have looked at the job's state yet).
    stopping = s.worker.stopping(job.id) or (
        job.status is JobState.CANCELLED and s.worker.slot_of(job.id) is not None)
    return job_out(job, progress, (positions or {}).get(job.id), stopping)


def to_submission(body: JobSubmit, s: Any = None) -> Submission:  # type: ignore[valid-type]
    """The engine's Submission for a validated body (checks that need the library here):
    the body's fields are the request's and the submission's, by name (bridge.request).
    `s`: the Services to check against (default: the running app's; `promptcut board`
    passes its own, with no Flask app)."""
    s = s or services()
    given = {name: getattr(body, name) for name in REQUEST_FIELDS}
    given.update(init_image=to_init_image(body.init_image, s),
                 parent_take_id=check_parent(body.parent_take_id, s), keyframes=(),
                 loras=looks.resolve_for_job(body.loras, body.model, s),
                 camera=CameraShot(**body.camera.model_dump()) if body.camera else None,
                 references=tuple(body.references or ()),
                 handles=_handles(body))
    request, shot_id, board_id = direct.apply(body, GenerationRequest(**given), s)
    preset = direct._preset(request.model, s)
    request = references.apply(request, preset, s.settings.images_dir)
    request = moves.apply(request, preset, s.settings.images_dir)
    sent = {name: getattr(body, name) for name in SUBMISSION_FIELDS}
    if body.retake is not None:
        sent["retake"] = Retake(body.retake.take_id, body.retake.strength)
    return Submission(request=request, **{**sent, "shot_id": shot_id, "board_id": board_id})


def _handles(body: JobSubmit) -> Handles | None:  # type: ignore[valid-type]
    """The handles a re-roll sends back: they must leave frames of the shot between them."""
    if body.handles is None:
        return None
    handles = Handles(body.handles.head, body.handles.tail)
    if body.num_frames is not None and handles.head + handles.tail >= body.num_frames:
        raise InvalidRequest(f"Handles of {handles.head} and {handles.tail} frames leave none "
                             f"of the shot in a take of {body.num_frames} frames.",
                             field="handles")
    return handles if handles.head or handles.tail else None


def check_parent(parent: str | None, s: Any = None) -> str | None:
    if parent and store.get_take((s or services()).db(), parent) is None:
        raise NotFound(f"There is no take '{parent}'.", field="parent_take_id")
    return parent


def to_init_image(value: InitImageIn | None, s: Any = None) -> InitImage | None:
    if value is None:
        return None
    s = s or services()
    if value.upload is not None:
        if images.find_image(s.settings.images_dir, value.upload) is None:
            raise NotFound("No uploaded image has that sha256; upload it with POST /images.",
                           field="init_image.upload")
        return InitImage(sha256=value.upload, source="upload")
    return start_image.from_take(s.db(), s.settings.images_dir, value.take_id, value.frame)


@route(bp, "POST", "/jobs", summary="Queue takes", body=JobSubmit,
       replies={201: Reply(BatchOut, "Queued", links=JOB_LINKS),
                200: Reply(BatchOut, "This client_key was seen before: its batch",
                           links=JOB_LINKS)},
       errors=(404, 409, 429, 507))
def submit(body: JobSubmit):
    batch_id, jobs, created = services().queue.submit(to_submission(body))
    positions = services().queue.positions()
    out = BatchOut(batch_id=batch_id, jobs=[job_json(j, positions) for j in jobs])
    return out, 201 if created else 200


@route(bp, "GET", "/jobs/fields", summary="The fields of POST /jobs, their defaults and limits",
       replies={200: JobFieldsOut})
def fields():
    return job_fields()


@route(bp, "GET", "/jobs", summary="List jobs, newest first", query=JobQuery,
       replies={200: Reply(JobList, links=JOB_LINKS[:1])})
def list_jobs(query: JobQuery):
    jobs = store.list_jobs(services().db(), status=query.status and query.status.value,
                           batch_id=query.batch_id, limit=query.limit)
    positions = services().queue.positions()
    return JobList(jobs=[job_json(j, positions) for j in jobs])


@route(bp, "GET", "/jobs/<job_id>", summary="One job", replies={200: JobOut})
def get_job(job_id: str):
    return job_json(services().queue.get(job_id))


@route(bp, "POST", "/jobs/<job_id>/cancel", summary="Cancel a queued or running job",
       replies={200: JobOut}, errors=(409,))
def cancel(job_id: str):
    return job_json(services().queue.cancel(job_id))


@route(bp, "POST", "/jobs/cancel", summary="Cancel a batch, or every unfinished job",
       body=JobsCancel, replies={200: CancelledOut}, errors=(404,))
def cancel_many(body: JobsCancel):
    if (body.batch_id is None) == (not body.all):
        raise InvalidRequest("Send either 'batch_id' or \"all\": true.", field="batch_id",
                             code="required")
    return CancelledOut(cancelled=services().queue.cancel_many(batch_id=body.batch_id))


@route(bp, "PATCH", "/jobs/<job_id>", summary="Reorder a queued job", body=JobPatch,
       replies={200: JobOut}, errors=(409,))
def patch(job_id: str, body: JobPatch):
    return job_json(services().queue.set_priority(job_id, body.priority))
