"""STUBS of three providers' HTTP APIs, on loopback, for tests only. They are not the
providers: they follow the request bodies, status values and error bodies of the published
documentation (named per stub below and in each client module), nothing more.

The prompt steers a stub (there is no other channel a real client would use):
  "refuse"  the provider's moderation refusal, in its own shape
  "busy"    the first create answers 429 with `Retry-After: 1`
  "stall"   the first status poll answers only after 3 s (a client read timeout)
  "forever" the job runs until it is cancelled
Every request is recorded in `calls` (method, path, body, whether a key came, when).
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, jsonify, request
from werkzeug.serving import make_server


@dataclass
class Job:
    id: str
    prompt: str
    body: dict[str, Any]
    polls: int = 0
    cancelled: bool = False


@dataclass
class Stub:
    """A provider stub on 127.0.0.1; `url` is its base URL."""

    name: str
    video: bytes
    key: str = "test-key-0123456789"
    calls: list[dict[str, Any]] = field(default_factory=list)
    jobs: dict[str, Job] = field(default_factory=dict)
    busy_sent: bool = False
    stalled: bool = False

    def start(self) -> Stub:
        app = Flask(f"stub-{self.name}")
        app.before_request(self._record)
        BUILDERS[self.name](self, app)

        @app.get("/files/<job_id>.mp4")
        def file(job_id: str):
            return self.video, 200, {"Content-Type": "video/mp4"}

        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()

    def _record(self) -> None:
        self.calls.append({"method": request.method, "path": request.path,
                           "body": request.get_json(silent=True),
                           "auth": request.headers.get("Authorization"),
                           "version": request.headers.get("X-Runway-Version"),
                           "t": time.monotonic()})

    def authorised(self, scheme: str) -> bool:
        return request.headers.get("Authorization") == f"{scheme} {self.key}"

    def new_job(self, prompt: str, body: dict[str, Any]) -> Job:
        job = Job(uuid.uuid4().hex[:12], prompt, body)
        self.jobs[job.id] = job
        return job

    def throttle(self) -> bool:
        """True once for a "busy" prompt: the caller answers 429 with Retry-After."""
        if not self.busy_sent:
            self.busy_sent = True
            return True
        return False

    def stall(self, job: Job) -> None:
        if "stall" in job.prompt and not self.stalled:
            self.stalled = True
            time.sleep(3)

    def phase(self, job: Job) -> str:
        """queued (first poll), running (second), done (third on), or the steered end."""
        job.polls += 1
        if job.cancelled:
            return "cancelled"
        if "refuse" in job.prompt:
            return "refused" if job.polls > 1 else "queued"
        if "forever" in job.prompt:
            return "running"
        return ("queued", "running")[job.polls - 1] if job.polls <= 2 else "done"

    def cancels(self) -> list[dict[str, Any]]:
        return [c for c in self.calls if c["method"] in ("PUT", "DELETE")
                or c["path"].endswith("/cancel")]


def _fal(stub: Stub, app: Flask) -> None:
    """STUB of fal's queue API: https://docs.fal.ai/model-endpoints/queue and the error
    shapes of https://docs.fal.ai/errors (content_policy_violation, 422)."""

    @app.post("/<path:endpoint>")
    def submit(endpoint: str):
        if not stub.authorised("Key"):
            return jsonify({"detail": "Unauthorized"}), 401
        body = request.get_json()
        prompt = body.get("prompt", "")
        if "busy" in prompt and stub.throttle():
            return jsonify({"detail": "Too many requests", "error_type": "rate_limited"}), \
                429, {"Retry-After": "1"}
        if "refuse" in prompt:
            return jsonify({"detail": [{
                "loc": ["body", "prompt"], "msg": "The content was flagged by a content "
                "checker.", "type": "content_policy_violation",
                "url": "https://docs.fal.ai/errors#content_policy_violation",
                "input": prompt, "categories": ["violence"]}]}), 422
        job = stub.new_job(prompt, body)
        app_id = "/".join(endpoint.split("/")[:2])
        base = f"{stub.url}/{app_id}/requests/{job.id}"
        return jsonify({"request_id": job.id, "response_url": base,
                        "status_url": f"{base}/status", "cancel_url": f"{base}/cancel",
                        "queue_position": 0})

    @app.get("/<owner>/<name>/requests/<job_id>/status")
    def status(owner: str, name: str, job_id: str):
        job = stub.jobs[job_id]
        stub.stall(job)
        phase = stub.phase(job)
        if phase == "queued":
            return jsonify({"status": "IN_QUEUE", "queue_position": 0,
                            "response_url": f"{stub.url}/{owner}/{name}/requests/{job_id}"})
        if phase in ("running", "cancelled"):
            return jsonify({"status": "IN_PROGRESS", "logs": []})
        return jsonify({"status": "COMPLETED", "logs": [], "metrics": {"inference_time": 1.5}})

    @app.get("/<owner>/<name>/requests/<job_id>")
    def result(owner: str, name: str, job_id: str):
        return jsonify({"video": {"url": f"{stub.url}/files/{job_id}.mp4",
                                  "content_type": "video/mp4"}, "seed": 1})

    @app.put("/<owner>/<name>/requests/<job_id>/cancel")
    def cancel(owner: str, name: str, job_id: str):
        stub.jobs[job_id].cancelled = True
        return jsonify({"status": "CANCELLATION_REQUESTED"}), 202


def _replicate(stub: Stub, app: Flask) -> None:
    """STUB of Replicate's predictions API:
    https://replicate.com/docs/topics/predictions/create-a-prediction, rate limits at
    https://replicate.com/docs/topics/predictions/rate-limits, E005 refusals at
    https://replicate.com/docs/reference/error-codes."""

    def prediction(job: Job, status: str, **extra: Any) -> dict[str, Any]:
        return {"id": job.id, "model": "minimax/video-01", "version": "hidden",
                "input": job.body.get("input"), "logs": "", "output": None, "error": None,
                "status": status, "created_at": "2026-12-01T00:00:00Z",
                "urls": {"get": f"{stub.url}/v1/predictions/{job.id}",
                         "cancel": f"{stub.url}/v1/predictions/{job.id}/cancel"}, **extra}

    @app.post("/v1/models/<owner>/<name>/predictions")
    def create(owner: str, name: str):
        if not stub.authorised("Bearer"):
            return jsonify({"title": "Unauthenticated", "detail": "You did not pass a valid "
                            "authentication token", "status": 401}), 401
        body = request.get_json()
        prompt = (body.get("input") or {}).get("prompt", "")
        if "busy" in prompt and stub.throttle():
            return jsonify({"detail": "Request was throttled. Expected available in 1 "
                            "second."}), 429, {"Retry-After": "1"}
        return jsonify(prediction(stub.new_job(prompt, body), "starting")), 201

    @app.get("/v1/predictions/<job_id>")
    def get(job_id: str):
        job = stub.jobs[job_id]
        stub.stall(job)
        phase = stub.phase(job)
        if phase == "queued":
            return jsonify(prediction(job, "starting"))
        if phase == "running":
            return jsonify(prediction(job, "processing"))
        if phase == "cancelled":
            return jsonify(prediction(job, "canceled"))
        if phase == "refused":
            return jsonify(prediction(job, "failed", error="The input or output was flagged "
                                      "as sensitive. Please try again with different inputs. "
                                      "(E005)", metrics={"predict_time": 0.4}))
        return jsonify(prediction(job, "succeeded", output=f"{stub.url}/files/{job_id}.mp4",
                                  metrics={"predict_time": 12.5}))

    @app.post("/v1/predictions/<job_id>/cancel")
    def cancel(job_id: str):
        job = stub.jobs[job_id]
        job.cancelled = True
        return jsonify(prediction(job, "canceled"))


def _runway(stub: Stub, app: Flask) -> None:
    """STUB of Runway's developer API: https://docs.dev.runwayml.com/api/ (tasks) and
    https://docs.dev.runwayml.com/errors/task-failures/ (SAFETY.* failure codes)."""

    def start():
        if not stub.authorised("Bearer") or request.headers.get("X-Runway-Version") is None:
            return jsonify({"error": "Invalid API key or missing X-Runway-Version"}), 401
        body = request.get_json()
        prompt = body.get("promptText", "")
        if "busy" in prompt and stub.throttle():
            return jsonify({"error": "You have exceeded the rate limit."}), 429, \
                {"Retry-After": "1"}
        return jsonify({"id": stub.new_job(prompt, body).id})

    app.add_url_rule("/v1/image_to_video", "i2v", start, methods=["POST"])
    app.add_url_rule("/v1/text_to_video", "t2v", start, methods=["POST"])

    @app.get("/v1/tasks/<job_id>")
    def task(job_id: str):
        job = stub.jobs[job_id]
        stub.stall(job)
        phase = stub.phase(job)
        base = {"id": job_id, "createdAt": "2026-12-01T00:00:00.000Z"}
        if phase == "queued":
            return jsonify({**base, "status": "PENDING"})
        if phase == "running":
            return jsonify({**base, "status": "RUNNING", "progress": 0.4})
        if phase == "cancelled":
            return jsonify({**base, "status": "CANCELLED"})
        if phase == "refused":
            return jsonify({**base, "status": "FAILED", "failure": "The prompt was rejected "
                            "by content moderation.", "failureCode": "SAFETY.INPUT.TEXT"})
        return jsonify({**base, "status": "SUCCEEDED",
                        "output": [f"{stub.url}/files/{job_id}.mp4"]})

    @app.delete("/v1/tasks/<job_id>")
    def delete(job_id: str):
        stub.jobs[job_id].cancelled = True
        return "", 204


BUILDERS = {"fal": _fal, "replicate": _replicate, "runway": _runway}
