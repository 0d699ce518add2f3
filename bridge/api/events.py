"""Events by long-poll (the common ground for UXP, CEP and browsers) and by SSE."""

from __future__ import annotations

import json
import time

from flask import Blueprint, Response, request, stream_with_context

from bridge.api.common import services
from bridge.api.contract import Reply, route
from bridge.api.schemas.events import EventPage, EventsQuery, StreamQuery

bp = Blueprint("events", __name__)

SSE_LIFETIME_S = 300  # then the browser's EventSource reconnects with Last-Event-ID


@route(bp, "GET", "/events", summary="Events after `after`, waiting up to `timeout` s",
       query=EventsQuery, replies={200: EventPage})
def poll(query: EventsQuery):
    return services().events.poll(query.after, query.timeout, query.epoch).to_json()


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
