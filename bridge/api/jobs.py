"""Generation jobs: submit a batch, watch it, cancel it, reorder it."""

from __future__ import annotations

from flask import Blueprint, request

from bridge.api.common import (
    get_bool,
    get_float,
    get_int,
    get_str,
    json_body,
    query_int,
    services,
)
from bridge.engine.queue import MAX_TAKES, SEED_SPACE, Submission
from bridge.engine.records import Job, JobState
from bridge.engine.request import GenerationRequest, InitImage, MemoryProfile
from bridge.errors import InvalidRequest, NotFound
from bridge.library import images, media, store

bp = Blueprint("jobs", __name__)

JOB_FIELDS = {"prompt", "negative_prompt", "model", "takes", "seed", "width", "height",
              "num_frames", "fps", "steps", "guidance", "priority", "client_key",
              "init_image", "parent_take_id", "memory_profile", "cache", "compile",
              "min_memory_gb", "force"}


def job_json(job: Job, positions: dict[str, int] | None = None) -> dict:
    s = services()
    out = job.to_json()
    out["progress"] = s.worker.progress.get(job.id) if job.status is JobState.RUNNING else None
    # Cancelled, but the device is still finishing its current step.
    out["stopping"] = s.worker.stopping(job.id)
    if positions is None and job.status is JobState.QUEUED:
        positions = s.queue.positions()
    out["position"] = (positions or {}).get(job.id)
    return out


def parse_submission(data: dict) -> Submission:
    unknown = sorted(set(data) - JOB_FIELDS)
    if unknown:
        raise InvalidRequest(f"Unknown field '{unknown[0]}'.", field=unknown[0],
                             code="unknown_field")
    prompt = get_str(data, "prompt", required=True, allow_empty=False, max_len=4000)
    model = get_str(data, "model", default="ltx-video", max_len=200, allow_empty=False)
    memory = get_str(data, "memory_profile", default="auto",
                     choices=tuple(m.value for m in MemoryProfile))
    request_ = GenerationRequest(
        prompt=prompt.strip(),
        model=model,
        negative_prompt=get_str(data, "negative_prompt", default="", max_len=4000),
        steps=get_int(data, "steps", lo=1, hi=500),
        guidance=get_float(data, "guidance", lo=0.0, hi=50.0),
        width=get_int(data, "width", lo=8, hi=8192),
        height=get_int(data, "height", lo=8, hi=8192),
        num_frames=get_int(data, "num_frames", lo=1, hi=2049),
        fps=get_float(data, "fps", lo=1.0, hi=240.0),
        init_image=parse_init_image(data.get("init_image")),
        parent_take_id=parse_parent(data),
        memory_profile=MemoryProfile(memory),
        cache=get_str(data, "cache", max_len=64),
        compile=get_bool(data, "compile"),
    )
    return Submission(
        request=request_,
        takes=get_int(data, "takes", default=1, lo=1, hi=MAX_TAKES),
        seed=get_int(data, "seed", lo=0, hi=SEED_SPACE - 1),
        priority=get_int(data, "priority", default=0, lo=-1000, hi=1000),
        client_key=get_str(data, "client_key", max_len=200, allow_empty=False),
        min_memory_gb=get_float(data, "min_memory_gb", lo=0.5, hi=4096),
        force=get_bool(data, "force"),
    )


def parse_parent(data: dict) -> str | None:
    parent = get_str(data, "parent_take_id", max_len=64)
    if parent and store.get_take(services().db(), parent) is None:
        raise NotFound(f"There is no take '{parent}'.", field="parent_take_id")
    return parent


def parse_init_image(value) -> InitImage | None:
    """`{"upload": sha256}` or `{"take_id": id, "frame": "first"|"last"|seconds}`."""
    if value is None:
        return None
    field = "init_image"
    if not isinstance(value, dict):
        raise InvalidRequest("'init_image' must be an object.", field=field, code="wrong_type")
    s = services()
    if "upload" in value:
        sha = value["upload"]
        if not isinstance(sha, str) or len(sha) != 64 or not all(
                c in "0123456789abcdef" for c in sha):
            raise InvalidRequest("'init_image.upload' must be the sha256 from POST /images.",
                                 field="init_image.upload")
        if not images.image_path(s.settings.images_dir, sha).exists():
            raise NotFound("No uploaded image has that sha256; upload it with POST /images.",
                           field="init_image.upload")
        return InitImage(sha256=sha, source="upload")
    take_id = get_str(value, "take_id", max_len=64)
    if take_id is None:
        raise InvalidRequest("'init_image' needs 'upload' or 'take_id'.", field=field)
    take = store.get_take(s.db(), take_id)
    if take is None:
        raise NotFound(f"There is no take '{take_id}'.", field="init_image.take_id")
    frame = value.get("frame", "last")
    if isinstance(frame, bool) or not (frame in ("first", "last") or (
            isinstance(frame, int | float) and 0 <= frame <= take["duration_s"])):
        raise InvalidRequest("'init_image.frame' must be 'first', 'last' or seconds within "
                             "the take.", field="init_image.frame")
    pixels = media.read_frame(take["media_path"], frame)
    sha = images.save_array(s.settings.images_dir, pixels)
    return InitImage(sha256=sha, source="take_frame", take_id=take_id, frame=str(frame))


@bp.post("/jobs")
def submit():
    sub = parse_submission(json_body())
    batch_id, jobs, created = services().queue.submit(sub)
    positions = services().queue.positions()
    body = {"batch_id": batch_id, "jobs": [job_json(j, positions) for j in jobs]}
    return body, 201 if created else 200


@bp.get("/jobs")
def list_jobs():
    status = request.args.get("status")
    if status is not None and status not in {s.value for s in JobState}:
        raise InvalidRequest("'status' must be one of: "
                             + ", ".join(s.value for s in JobState) + ".", field="status")
    batch_id = request.args.get("batch_id") or None
    limit = query_int("limit", default=500, lo=1, hi=5000)
    jobs = store.list_jobs(services().db(), status=status, batch_id=batch_id, limit=limit)
    positions = services().queue.positions()
    return {"jobs": [job_json(j, positions) for j in jobs]}


@bp.get("/jobs/<job_id>")
def get_job(job_id: str):
    return job_json(services().queue.get(job_id))


@bp.post("/jobs/<job_id>/cancel")
def cancel(job_id: str):
    return job_json(services().queue.cancel(job_id))


@bp.post("/jobs/cancel")
def cancel_many():
    """Cancel a whole batch (`batch_id`) or every queued and running job (`all: true`)."""
    data = json_body()
    unknown = sorted(set(data) - {"batch_id", "all"})
    if unknown:
        raise InvalidRequest(f"Unknown field '{unknown[0]}'.", field=unknown[0],
                             code="unknown_field")
    batch_id = get_str(data, "batch_id", max_len=64, allow_empty=False)
    everything = get_bool(data, "all")
    if (batch_id is None) == (not everything):
        raise InvalidRequest("Send either 'batch_id' or \"all\": true.", field="batch_id",
                             code="required")
    return {"cancelled": services().queue.cancel_many(batch_id=batch_id)}


@bp.patch("/jobs/<job_id>")
def patch(job_id: str):
    data = json_body()
    unknown = sorted(set(data) - {"priority"})
    if unknown:
        raise InvalidRequest(f"Only 'priority' can be changed, not '{unknown[0]}'.",
                             field=unknown[0], code="unknown_field")
    priority = get_int(data, "priority", required=True, lo=-1000, hi=1000)
    return job_json(services().queue.set_priority(job_id, priority))
