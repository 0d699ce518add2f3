"""Events by long-poll (the common ground for UXP, CEP and browsers) and by SSE.

These handlers run like every other route: the app's guard (Host, Origin, token) and its
response headers apply to them unchanged. What they do not do, when the bridge serves them
through its ASGI stack (bridge.server), is wait: a long-poll with nothing to report yet, or
an event stream, is handed back to the server's event loop as a `Deferral` (see
bridge.api.event_wait), so a waiting client holds no request thread. Under a plain WSGI
server (Flask's test client) they wait in the thread, as before.
"""

from __future__ import annotations

import time

from flask import Blueprint, Response, request, stream_with_context

from bridge.api.common import query_int, services
from bridge.api.event_wait import SSE_PREAMBLE, LongPoll, Stream, deferral, sse_frames
from bridge.errors import InvalidRequest

bp = Blueprint("events", __name__)

MAX_WAIT_S = 60
SSE_LIFETIME_S = 300  # then the browser's EventSource reconnects with Last-Event-ID
SSE_KEEPALIVE_S = 15
SSE_HEADERS = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}


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
    epoch = _epoch()
    bus = services().events
    now = bus.poll(after, 0, epoch)
    if now.events or now.reset or timeout == 0 or bus.closed:
        return now.to_json()
    later = deferral()
    if later is None:
        return bus.poll(after, timeout, epoch).to_json()
    later.set(LongPoll(after=after, timeout_s=timeout, epoch=epoch))
    return Response(status=200, mimetype="application/json")  # the body comes from the loop


@bp.get("/events/stream")
def stream():
    header = request.headers.get("Last-Event-ID")
    after = query_int("after", default=0, lo=0)
    if header and header.isdigit():
        after = int(header)
    epoch = _epoch()
    later = deferral()
    if later is not None:
        later.set(Stream(after=after, epoch=epoch, lifetime_s=SSE_LIFETIME_S,
                         keepalive_s=SSE_KEEPALIVE_S))
        return Response(mimetype="text/event-stream", headers=SSE_HEADERS)
    bus = services().events

    def generate():
        nonlocal after, epoch
        yield SSE_PREAMBLE
        ends = time.monotonic() + SSE_LIFETIME_S
        while time.monotonic() < ends and not bus.closed:
            result = bus.poll(after, SSE_KEEPALIVE_S, epoch)
            epoch = result.epoch
            yield sse_frames(result)
            after = result.last_seq

    return Response(stream_with_context(generate()), mimetype="text/event-stream",
                    headers=SSE_HEADERS)

