"""Runway: the developer API's generation tasks (start, get, cancel).

Follows:
- https://docs.dev.runwayml.com/api/ — POST /v1/image_to_video {model, promptImage,
  promptText, ratio, duration, seed} and POST /v1/text_to_video {model, promptText, ratio,
  duration, seed} answer {"id"}; GET /v1/tasks/{id} answers {id, status, createdAt,
  progress, output: [url], failure, failureCode} with status PENDING, THROTTLED, RUNNING,
  SUCCEEDED, FAILED or CANCELLED; DELETE /v1/tasks/{id} cancels a running task (204).
  Every call sends `Authorization: Bearer <key>` and `X-Runway-Version: 2024-11-06`.
- https://docs.dev.runwayml.com/errors/task-failures/ — a failureCode starting `SAFETY.`
  is a content-moderation refusal (input or output) and must not be retried.
- https://docs.dev.runwayml.com/assets/inputs — images may be sent as data URIs under 5 MB.
Runway reports no price per task in these responses (credits show on the organization).
"""

from __future__ import annotations

from typing import Any

from bridge.providers.base import Call, ProviderPreset, ProviderSpec, RemoteState, Status

API_VERSION = "2024-11-06"
_STATES = {"PENDING": RemoteState.QUEUED, "THROTTLED": RemoteState.QUEUED,
           "RUNNING": RemoteState.RUNNING, "SUCCEEDED": RemoteState.DONE,
           "FAILED": RemoteState.FAILED, "CANCELLED": RemoteState.CANCELLED}


def _create(base: str, preset: ProviderPreset, inputs: dict[str, Any]) -> Call:
    body: dict[str, Any] = {"model": preset.model, "promptText": inputs["prompt"],
                            "ratio": f"{inputs['width']}:{inputs['height']}",
                            "duration": inputs["duration_s"], **preset.extra}
    if preset.seed:
        body["seed"] = inputs["seed"]
    if inputs.get("image"):
        body["promptImage"] = inputs["image"]
        return Call("POST", f"{base}/v1/image_to_video", body)
    return Call("POST", f"{base}/v1/text_to_video", body)


def _poll(base: str, preset: ProviderPreset, job: str, created: dict[str, Any]) -> Call:
    return Call("GET", f"{base}/v1/tasks/{job}")


def _cancel(base: str, preset: ProviderPreset, job: str, created: dict[str, Any]) -> Call:
    return Call("DELETE", f"{base}/v1/tasks/{job}")


def _read(body: dict[str, Any]) -> Status:
    state = _STATES.get(str(body.get("status")), RemoteState.RUNNING)
    output = body.get("output") or []
    code = str(body.get("failureCode") or "")
    error = body.get("failure")
    if code:
        error = f"{error or 'failed'} ({code})"
    progress = body.get("progress")
    return Status(state, float(progress) if isinstance(progress, int | float) else None,
                  video_url=output[0] if output else None, error=error,
                  moderated=code.startswith("SAFETY."),
                  cost={"amount": None, "note": "Runway reports no price per task"}
                  if state is RemoteState.DONE else None)


def _refusal(status: int, body: Any) -> str | None:
    text = str(body.get("error", "") if isinstance(body, dict) else body)
    return text if "moderation" in text.lower() or text.startswith("SAFETY.") else None


SPEC = ProviderSpec(
    name="runway", label="Runway", base_url="https://api.dev.runwayml.com",
    docs="https://docs.dev.runwayml.com/api/",
    key_help="Create a key in Runway's developer portal, then `promptcut providers set runway`.",
    auth=lambda key: {"Authorization": f"Bearer {key}"},
    headers={"X-Runway-Version": API_VERSION},
    create=_create, job_id=lambda created: str(created["id"]), poll=_poll, read=_read,
    cancel=_cancel, refusal=_refusal)

_RATIOS = ((1280, 720), (720, 1280), (1104, 832), (832, 1104), (960, 960), (1584, 672))

PRESETS = (
    ProviderPreset("runway-gen4-turbo", "Runway Gen-4 Turbo, image to video (cloud, paid)",
                   "runway", "gen4_turbo", t2v=None, i2v="gen4_turbo", fps=24, sizes=_RATIOS,
                   durations_s=(5, 10), notes="Needs a start image."),
    ProviderPreset("runway-gen4.5", "Runway Gen-4.5 (cloud, paid)", "runway", "gen4.5",
                   t2v="gen4.5", i2v="gen4.5", fps=24, sizes=((1280, 720), (720, 1280)),
                   durations_s=(5, 10)),
)
