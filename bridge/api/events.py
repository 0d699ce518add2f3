"""Events by long-poll (the common ground for UXP, CEP and browsers) and by SSE."""

from __future__ import annotations

import json
import time

from flask import Blueprint, Response, request, stream_with_context

from bridge.api.common import query_int, services
from bridge.errors import InvalidRequest

bp = Blueprint("events", __name__)

MAX_WAIT_S = 60
SSE_LIFETIME_S = 300  # then the browser's EventSource reconnects with Last-Event-ID


def _epoch() -> str | None:
    epoch = request.args.get("epoch") or None
    if epoch is not None and len(epoch) > 64:
        raise InvalidRequest("'epoch' is not an epoch this bridge gave out.", field="epoch")
    return epoch


@bp.get("/events")
def poll():
    after = query_int("after", default=0, lo=0)
    raw = request.args.get("timeout", "0")
    try:
        timeout = float(raw)
    except ValueError:
        raise InvalidRequest("'timeout' must be a number of seconds.", field="timeout") from None
    if not 0 <= timeout <= MAX_WAIT_S:
        raise InvalidRequest(f"'timeout' must be between 0 and {MAX_WAIT_S}.", field="timeout")
    return services().events.poll(after, timeout, _epoch()).to_json()


@bp.get("/events/stream")
def stream():
    header = request.headers.get("Last-Event-ID")
    after = query_int("after", default=0, lo=0)
    if header and header.isdigit():
        after = int(header)
    epoch = _epoch()
    bus = services().events

    def generate():
        nonlocal after, epoch
        yield "retry: 2000\n\n"
        ends = time.monotonic() + SSE_LIFETIME_S
        while time.monotonic() < ends:
            result = bus.poll(after, 15, epoch)
            epoch = result.epoch
            if result.reset:
                yield f"event: reset\ndata: {json.dumps({'epoch': result.epoch})}\n\n"
            for event in result.events:
                yield f"id: {event['seq']}\ndata: {json.dumps(event)}\n\n"
            if not result.events:
                yield ": keep-alive\n\n"
            after = result.last_seq

    return Response(stream_with_context(generate()), mimetype="text/event-stream",
                    headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
