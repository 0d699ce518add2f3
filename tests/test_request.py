"""The one request type (bridge.request): its fields are declared once and every body, the
shots' overrides and the stored job are derived from them; a queue claim reads one row."""

from __future__ import annotations

import dataclasses
import json

from bridge.api.schemas.boards import OVERRIDE_FIELDS, Overrides
from bridge.api.schemas.jobs import REQUEST_FIELDS, SUBMISSION_FIELDS, JobSubmit, job_fields
from bridge.engine.records import Job, JobState
from bridge.library import store
from bridge.library.db import Database
from bridge.request import (
    MAX_FPS,
    MAX_TAKES,
    GenerationRequest,
    InitImage,
    MemoryProfile,
    Submission,
    sent_fields,
)


def test_the_body_is_the_declared_fields_and_maps_back_to_them():
    declared = {f.name for f in dataclasses.fields(GenerationRequest)} | {
        f.name for f in dataclasses.fields(Submission)}
    body = set(JobSubmit.model_fields)
    assert body == set(sent_fields()) and body < declared
    # every body field lands in exactly one record, so nothing sent is dropped
    assert set(REQUEST_FIELDS) | set(SUBMISSION_FIELDS) == body
    assert not set(REQUEST_FIELDS) & set(SUBMISSION_FIELDS)
    schema = JobSubmit.model_json_schema()["properties"]
    assert schema["takes"]["maximum"] == MAX_TAKES
    assert schema["fps"]["anyOf"][0]["maximum"] == MAX_FPS
    # what a shot may set: the same declarations, less those that belong to one submission
    assert set(OVERRIDE_FIELDS) == set(Overrides.model_fields)
    assert not {"prompt", "takes", "client_key", "parent_take_id"} & set(OVERRIDE_FIELDS)
    assert {"seed", "priority", "fps", "init_image"} <= set(OVERRIDE_FIELDS)


def test_a_job_stores_its_request_typed_with_one_serializer():
    request = GenerationRequest(
        prompt="ein Fuchs, 東京", model="tiny", seed=7, fps=23.976, steps=3,
        init_image=InitImage(sha256="b" * 64), memory_profile=MemoryProfile.MODEL_OFFLOAD)
    job = Job(id="j1", batch_id="b1", index=0, status=JobState.QUEUED, created_at=1.0,
              request=request.to_dict())
    assert job.request == request  # typed on reading
    dumped = json.loads(json.dumps(job.to_json()))
    assert dumped["request"] == request.to_dict()  # written by the request's own serializer
    assert Job.model_validate(dumped) == job


def _queue(db: Database, rows: list[tuple[str, str, int, float | None]]) -> None:
    jobs = [{"id": job_id, "idx": i, "priority": priority, "take_id": "t" + job_id,
             "min_memory_gb": memory, "request": {"schema_version": 1, "prompt": "p",
                                                  "model": model, "seed": i}}
            for i, (job_id, model, priority, memory) in enumerate(rows)]
    store.insert_batch(db.conn(), {"id": "b1", "created_at": 1.0, "request": {}}, jobs)


def test_a_claim_asks_once_per_model_and_picks_the_row_in_sql(tmp_path):
    db = Database(tmp_path / "library ü.db")
    try:
        rows = [(f"j{i:03}", "big" if i % 2 else "tiny", 0, 24.0 if i % 2 else None)
                for i in range(60)]
        rows.append(("jhigh", "cloud", 5, None))
        _queue(db, rows)
        # A row no longer readable as today's request (a newer schema) is never parsed,
        # since the claim reads only the row it picks.
        db.conn().execute("UPDATE jobs SET request = ? WHERE id = 'j050'",
                          (json.dumps({"schema_version": 99, "prompt": "p", "model": "tiny"}),))
        asked: list[tuple[str, float | None]] = []

        def accepts(model: str, memory: float | None) -> bool:
            asked.append((model, memory))
            return model != "cloud" and not memory

        first = store.claim_next_job(db.conn(), "gpu0", accepts, warm_model="tiny")
        assert first is not None and first.id == "j000" and first.status is JobState.RUNNING
        assert sorted(asked) == sorted({("tiny", None), ("big", 24.0), ("cloud", None)})
        second = store.claim_next_job(db.conn(), "gpu0", lambda m, mem: True,
                                      warm_model="tiny")
        assert second is not None and second.id == "jhigh"  # priority first
        warm = store.claim_next_job(db.conn(), "gpu0", lambda m, mem: True, warm_model="tiny")
        assert warm is not None and warm.id == "j002"  # the warm model among equals, before
        oldest = store.claim_next_job(db.conn(), "gpu0", lambda m, mem: True)  # an older one
        assert oldest is not None and oldest.id == "j001"
        assert store.claim_next_job(db.conn(), "gpu0", lambda m, mem: False) is None
    finally:
        db.close()


def test_a_stored_request_is_sent_back_by_name():
    """The panel re-sends a take's stored request field by field (panel/src/requests.js has
    no list of its own): every stored field but the version and `final` (only Finish sets
    it; requests.js leaves it out) is a POST /jobs field."""
    stored = {f.name for f in dataclasses.fields(GenerationRequest)} - {"schema_version", "final"}
    assert stored <= set(JobSubmit.model_fields)
    fields = {f.name: f for f in job_fields().fields}
    assert set(fields) == set(JobSubmit.model_fields)
    assert fields["steps"].maximum == 500 and fields["fps"].maximum == MAX_FPS
    assert fields["memory_profile"].choices == [p.value for p in MemoryProfile]
    assert fields["init_image"].stored is False and fields["seed"].stored is True
