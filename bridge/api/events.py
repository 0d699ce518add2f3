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

from bridge.api.common import services
from bridge.api.contract import Reply, route
from bridge.api.event_wait import SSE_PREAMBLE, LongPoll, Stream, deferral, sse_frames
from bridge.api.schemas.events import EventPage, EventsQuery, StreamQuery

bp = Blueprint("events", __name__)

SSE_LIFETIME_S = 300  # then the browser's EventSource reconnects with Last-Event-ID
SSE_KEEPALIVE_S = 15
SSE_HEADERS = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}


@route(bp, "GET", "/events", summary="Events after `after`, waiting up to `timeout` s",
       query=EventsQuery, replies={200: EventPage})
def poll(query: EventsQuery):
    bus = services().events
    now = bus.poll(query.after, 0, query.epoch)
    if now.events or now.reset or query.timeout == 0 or bus.closed:
        return now.to_json()
    later = deferral()
    if later is None:
        return bus.poll(query.after, query.timeout, query.epoch).to_json()
    later.set(LongPoll(after=query.after, timeout_s=query.timeout, epoch=query.epoch))
    return Response(status=200, mimetype="application/json")  # the body comes from the loop


@route(bp, "GET", "/events/stream", summary="The same events as server-sent events",
       description="Each event is `id: <seq>` and `data: <the event as JSON>`; after a "
                   "restart an `event: reset` names the new epoch. Reconnects resume from "
                   "Last-Event-ID. See docs/api.md.",
       query=StreamQuery,
       replies={200: Reply(None, "An endless text/event-stream", "text/event-stream")})
def stream(query: StreamQuery):
    header = request.headers.get("Last-Event-ID")
    after = int(header) if header and header.isdigit() else query.after
    epoch = query.epoch
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
