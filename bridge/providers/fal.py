"""fal: the queue API (submit, status, result, cancel).

Follows:
- https://docs.fal.ai/model-endpoints/queue — POST https://queue.fal.run/{model_id}[/{subpath}]
  answers {request_id, status_url, response_url, cancel_url}; GET .../requests/{id}/status
  gives status IN_QUEUE (with queue_position), IN_PROGRESS or COMPLETED; GET .../requests/{id}
  gives the model's output; PUT .../requests/{id}/cancel answers 202 CANCELLATION_REQUESTED
  or 400 ALREADY_COMPLETED. Status and result URLs use the model id without its subpath,
  which is why the URLs the submit response names are used as given.
- https://docs.fal.ai/errors — model errors are HTTP 4xx with {"detail": [{loc, msg, type,
  url, ctx, input}]}; a refused prompt or image has type `content_policy_violation` (422)
  and must not be retried.
- https://fal.ai/docs/documentation/model-apis/request-errors — platform errors are flat
  {"detail": str, "error_type": str} with 5xx/504 statuses (retried).
- Auth: `Authorization: Key $FAL_KEY`. Video models answer {"video": {"url", ...}, "seed"}.
fal does not report a per-request price in these responses; the record says so.
"""

from __future__ import annotations

from typing import Any

from bridge.providers.base import (
    Call,
    ProviderPreset,
    ProviderSpec,
    RemoteState,
    Status,
    aspect,
)

_STATES = {"IN_QUEUE": RemoteState.QUEUED, "IN_PROGRESS": RemoteState.RUNNING,
           "COMPLETED": RemoteState.DONE}


def _create(base: str, preset: ProviderPreset, inputs: dict[str, Any]) -> Call:
    endpoint = preset.i2v if inputs.get("image") else preset.t2v
    body: dict[str, Any] = {"prompt": inputs["prompt"], **preset.extra}
    if preset.negative_prompt and inputs.get("negative_prompt"):
        body["negative_prompt"] = inputs["negative_prompt"]
    if preset.seed:
        body["seed"] = inputs["seed"]
    if inputs.get("image"):
        body["image_url"] = inputs["image"]  # a data URI is accepted where a URL is
    if len(preset.durations_s) > 1:
        body["duration"] = str(inputs["duration_s"])
    if len(preset.sizes) > 1:
        body["aspect_ratio"] = aspect(inputs["width"], inputs["height"])
    return Call("POST", f"{base}/{endpoint}", body)


def _app(preset: ProviderPreset) -> str:
    return "/".join(preset.model.split("/")[:2])  # owner/app, without the subpath


def _poll(base: str, preset: ProviderPreset, job: str, created: dict[str, Any]) -> Call:
    url = created.get("status_url") or f"{base}/{_app(preset)}/requests/{job}/status"
    return Call("GET", url)


def _result(base: str, preset: ProviderPreset, job: str, created: dict[str, Any]) -> Call:
    return Call("GET", created.get("response_url") or f"{base}/{_app(preset)}/requests/{job}")


def _cancel(base: str, preset: ProviderPreset, job: str, created: dict[str, Any]) -> Call:
    return Call("PUT", created.get("cancel_url") or
                f"{base}/{_app(preset)}/requests/{job}/cancel")


def _read(body: dict[str, Any]) -> Status:
    if isinstance(body.get("video"), dict):  # the result itself
        return Status(RemoteState.DONE, 1.0, video_url=body["video"].get("url"))
    state = _STATES.get(str(body.get("status")), RemoteState.RUNNING)
    metrics = body.get("metrics") or {}
    cost = {"amount": None, "note": "fal reports no price per request",
            "metrics": metrics} if state is RemoteState.DONE else None
    return Status(state, None, cost=cost)


def _refusal(status: int, body: Any) -> str | None:
    details = body.get("detail") if isinstance(body, dict) else None
    for item in details if isinstance(details, list) else []:
        if isinstance(item, dict) and item.get("type") == "content_policy_violation":
            cats = ", ".join(item.get("categories") or [])
            return f"{item.get('msg', 'flagged by a content checker')}" + (
                f" ({cats})" if cats else "") + "."
    return None


SPEC = ProviderSpec(
    name="fal", label="fal", base_url="https://queue.fal.run",
    docs="https://docs.fal.ai/model-endpoints/queue",
    key_help="Create a key at fal's dashboard (Keys), then `promptcut providers set fal`.",
    auth=lambda key: {"Authorization": f"Key {key}"},
    create=_create, job_id=lambda created: str(created["request_id"]), poll=_poll,
    read=_read, cancel=_cancel, refusal=_refusal, result=_result)

PRESETS = (
    ProviderPreset("fal-ltx-video", "LTX-Video on fal (cloud, paid)", "fal", "fal-ai/ltx-video",
                   t2v="fal-ai/ltx-video", i2v="fal-ai/ltx-video/image-to-video", fps=24,
                   sizes=((768, 512),), durations_s=(5,), negative_prompt=True),
    ProviderPreset("fal-kling-2.1", "Kling 2.1 on fal (cloud, paid)", "fal",
                   "fal-ai/kling-video/v2.1/master",
                   t2v="fal-ai/kling-video/v2.1/master/text-to-video",
                   i2v="fal-ai/kling-video/v2.1/master/image-to-video", fps=24,
                   sizes=((1280, 720), (720, 1280), (960, 960)), durations_s=(5, 10),
                   seed=False, negative_prompt=True),
)
