"""How long a request would take, so that one that would run for hours is refused at submit.

A request of 512x512x257 frames at 200 steps ran at 90 s a step on a CPU: five hours for one
take, with no warning. The estimate is deliberately simple: denoising cost grows with the
pixels times frames per step, so seconds = steps x width x height x frames x k, where k is
measured on this machine from the model's recent takes (their records hold denoise time),
or a conservative figure for the device class before any take exists. The caller can say
`force` to run it anyway.
"""

from __future__ import annotations

import sqlite3

from bridge.errors import InvalidRequest
from bridge.request import GenerationRequest

# Seconds per step per (pixel x frame), before this machine has measured anything.
# cpu: 2 cores ran tiny LTX at ~1.1e-6 and full LTX at ~1.3e-6; cuda: an H200 ran full LTX
# 2B at ~1.3e-9, and a consumer card is a few times slower.
DEFAULT_K = {"cpu": 1.5e-6, "mps": 3e-8, "cuda": 5e-9}


def work(request: GenerationRequest) -> float:
    return float(request.width or 0) * float(request.height or 0) * float(
        request.num_frames or 0)


MIN_WORK = 2_000_000  # smaller takes are dominated by fixed per-step costs: not a guide


def measured_k(records: list[dict]) -> float | None:
    """The best seconds per step per unit of work in these take records. The best, not the
    median: a first take pays for warm-up, and refusing a request that would have run is
    worse than letting a slow one through. Small takes say nothing about large ones."""
    ks = []
    for rec in records:
        req, gen = rec.get("request") or {}, rec.get("generation") or {}
        denoise, steps = gen.get("denoise_s"), req.get("steps")
        size = float(rec.get("width") or 0) * float(rec.get("height") or 0) * float(
            rec.get("num_frames") or 0)
        if isinstance(denoise, int | float) and steps and size >= MIN_WORK and not gen.get(
                "cache"):
            ks.append(denoise / steps / size)
    return min(ks) if ks else None


def speed_for(conn: sqlite3.Connection, model: str, device_kind: str) -> float:
    from bridge.library import store

    return measured_k(store.recent_records(conn, model, 20)) or DEFAULT_K.get(
        device_kind, DEFAULT_K["cpu"])


def check_duration(request: GenerationRequest, k: float | None, limit_s: float) -> None:
    """Raise InvalidRequest (field num_frames) when the estimate is over `limit_s`."""
    if k is None or not request.steps:
        return
    estimate = k * work(request) * int(request.steps)
    if estimate <= limit_s:
        return
    hours = estimate / 3600
    raise InvalidRequest(
        f"This take would take about {_span(estimate)} here ({request.width}x"
        f"{request.height}, {request.num_frames} frames, {request.steps} steps); the limit is "
        f"{_span(limit_s)}. Make it smaller, shorter or use fewer steps, or send "
        "\"force\": true to run it anyway.", field="num_frames", code="too_slow",
        details={"estimate_s": round(estimate), "limit_s": round(limit_s),
                 "estimate_h": round(hours, 1)})


def _span(seconds: float) -> str:
    if seconds >= 5400:
        return f"{seconds / 3600:.1f} hours"
    if seconds >= 90:
        return f"{seconds / 60:.0f} minutes"
    return f"{seconds:.0f} seconds"
