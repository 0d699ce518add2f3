"""Replicate: predictions on official models (create, get, cancel).

Follows:
- https://replicate.com/docs/topics/predictions/create-a-prediction and the HTTP reference
  (https://replicate.com/docs/reference/http): POST /v1/models/{owner}/{name}/predictions
  with {"input": {...}} answers a prediction {id, model, version, input, output, error,
  status, metrics, urls: {get, cancel}}; status is starting, processing, succeeded, failed
  or canceled; a finished prediction carries metrics.predict_time (seconds of GPU time);
  files in `output` are URLs; input files may be data URLs. POST urls.cancel cancels.
  Without `Prefer: wait` the create call returns at once and the prediction is polled.
- https://replicate.com/docs/topics/predictions/rate-limits — 429 with
  {"detail": "Request was throttled. Expected available in 1 second."} (and Retry-After).
- https://replicate.com/docs/reference/error-codes — a prediction refused by the safety
  checks fails with error code E005 ("flagged as sensitive"): a refusal, never retried.
- Auth: `Authorization: Bearer $REPLICATE_API_TOKEN`.
Replicate reports GPU seconds (metrics.predict_time), not a price; the record keeps them.
"""

from __future__ import annotations

from typing import Any

from bridge.providers.base import Call, ProviderPreset, ProviderSpec, RemoteState, Status

_STATES = {"starting": RemoteState.QUEUED, "processing": RemoteState.RUNNING,
           "succeeded": RemoteState.DONE, "failed": RemoteState.FAILED,
           "canceled": RemoteState.CANCELLED}
_SENSITIVE = ("E005", "flagged as sensitive", "NSFW")


def _create(base: str, preset: ProviderPreset, inputs: dict[str, Any]) -> Call:
    body: dict[str, Any] = {"prompt": inputs["prompt"], **preset.extra}
    if preset.seed:
        body["seed"] = inputs["seed"]
    if inputs.get("image"):
        body["first_frame_image"] = inputs["image"]  # a data URL; the model's own name
    model = preset.i2v if inputs.get("image") else preset.t2v
    return Call("POST", f"{base}/v1/models/{model}/predictions", {"input": body})


def _poll(base: str, preset: ProviderPreset, job: str, created: dict[str, Any]) -> Call:
    return Call("GET", (created.get("urls") or {}).get("get") or f"{base}/v1/predictions/{job}")


def _cancel(base: str, preset: ProviderPreset, job: str, created: dict[str, Any]) -> Call:
    return Call("POST", (created.get("urls") or {}).get("cancel")
                or f"{base}/v1/predictions/{job}/cancel")


def _read(body: dict[str, Any]) -> Status:
    state = _STATES.get(str(body.get("status")), RemoteState.RUNNING)
    output = body.get("output")
    url = output[0] if isinstance(output, list) and output else output
    error = body.get("error")
    moderated = bool(error) and any(s.lower() in str(error).lower() for s in _SENSITIVE)
    metrics = body.get("metrics") or {}
    cost = {"amount": None, "note": "Replicate reports GPU seconds, not a price",
            "predict_time_s": metrics.get("predict_time")} if state in (
        RemoteState.DONE, RemoteState.FAILED) else None
    return Status(state, None, video_url=url if isinstance(url, str) else None,
                  error=str(error) if error else None, moderated=moderated, cost=cost,
                  version=body.get("version"))


def _refusal(status: int, body: Any) -> str | None:
    text = str(body.get("detail", "") if isinstance(body, dict) else body)
    return text if any(s.lower() in text.lower() for s in _SENSITIVE) else None


SPEC = ProviderSpec(
    name="replicate", label="Replicate", base_url="https://api.replicate.com",
    docs="https://replicate.com/docs/topics/predictions/create-a-prediction",
    key_help="Create an API token at replicate.com/account, then "
             "`promptcut providers set replicate`.",
    auth=lambda key: {"Authorization": f"Bearer {key}"},
    create=_create, job_id=lambda created: str(created["id"]), poll=_poll, read=_read,
    cancel=_cancel, refusal=_refusal)

PRESETS = (
    ProviderPreset("replicate-minimax-video-01", "MiniMax Video-01 on Replicate (cloud, paid)",
                   "replicate", "minimax/video-01", t2v="minimax/video-01",
                   i2v="minimax/video-01", fps=25, sizes=((1280, 720),), durations_s=(6,),
                   seed=False, extra={"prompt_optimizer": True}),
)
