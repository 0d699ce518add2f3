"""Finishing long-polls and event streams on the server's asyncio loop, holding no thread.

A request thread per waiting client let 16 open event streams, or 50 long-polls, take every
thread the bridge had: `/health` timed out and a PATCH waited minutes. So the event
handlers (bridge.api.events) run in a request thread like every route, through the app's
guard and header hooks, and where they would wait they record what to wait for in a
`Deferral` and return at once. `DeferredEvents`, the ASGI layer around the WSGI app, sees
the record once the handler has returned (its thread is free again) and finishes the answer
on the event loop, where a waiting client costs a coroutine. It is the X-Accel-Redirect
pattern of nginx: the application decides and checks, the server does the slow part. The
deferral travels in the ASGI scope's `extensions`, which only this layer writes, never in
anything a client can send.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import dataclass
from typing import Any

from flask import request

from bridge.engine.events import EventBus, Poll

KEY = "promptcut.deferral"
SSE_PREAMBLE = "retry: 2000\n\n"


@dataclass(frozen=True)
class LongPoll:
    after: int
    timeout_s: float
    epoch: str | None


@dataclass(frozen=True)
class Stream:
    after: int
    epoch: str | None
    lifetime_s: float
    keepalive_s: float


@dataclass
class Deferral:
    """Set by a handler that wants its answer finished by the event loop."""

    spec: LongPoll | Stream | None = None

    def set(self, spec: LongPoll | Stream) -> None:
        self.spec = spec


def deferral() -> Deferral | None:
    """The current request's Deferral when served by DeferredEvents, else None."""
    scope = request.environ.get("asgi.scope")
    if not isinstance(scope, dict):
        return None
    found = (scope.get("extensions") or {}).get(KEY)
    return found if isinstance(found, Deferral) else None


def sse_frames(result: Poll) -> str:
    """One poll's answer as SSE text: a `reset` event, the events, or a keep-alive comment."""
    out = []
    if result.reset:
        out.append(f"event: reset\ndata: {json.dumps({'epoch': result.epoch})}\n\n")
    for event in result.events:
        out.append(f"id: {event['seq']}\ndata: {json.dumps(event)}\n\n")
    if not result.events:
        out.append(": keep-alive\n\n")
    return "".join(out)


class Wakeups:
    """An asyncio.Event per change of the bus, set on the loop from whichever thread
    published. Waiters take `changed()` before they poll, so no publish slips between."""

    def __init__(self, bus: EventBus, loop: asyncio.AbstractEventLoop) -> None:
        self.bus = bus
        self.loop = loop
        self._event = asyncio.Event()
        self._scheduled = False  # coalesces a burst of publishes into one wake-up
        bus.add_listener(self._from_any_thread)

    def changed(self) -> asyncio.Event:
        return self._event

    def close(self) -> None:
        self.bus.remove_listener(self._from_any_thread)

    def _from_any_thread(self) -> None:
        if self._scheduled:
            return
        self._scheduled = True
        with contextlib.suppress(RuntimeError):  # the loop has closed: the server is gone
            self.loop.call_soon_threadsafe(self._fire)

    def _fire(self) -> None:
        self._scheduled = False
        event, self._event = self._event, asyncio.Event()
        event.set()


class DeferredEvents:
    """ASGI app around the WSGI app: passes every answer through (its status line together
    with its first body chunk), and finishes deferred event answers asynchronously."""

    def __init__(self, app: Any, bus: EventBus) -> None:
        self.app = app
        self.bus = bus
        self._wakeups: Wakeups | None = None

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        later = Deferral()
        scope = {**scope, "extensions": {**(scope.get("extensions") or {}), KEY: later}}
        held: list[dict] = []
        start: list[dict] = []

        async def pass_or_hold(message: dict) -> None:
            if later.spec is not None:
                held.append(message)
            elif message["type"] == "http.response.start":
                start.append(message)  # sent with the first body chunk, see below
            else:
                if start:
                    await send(start.pop())
                await send(message)

        # The WSGI adapter sends the status line as soon as the handler starts its answer,
        # and the body later, from another thread; sending both together keeps an answer
        # from going out headers-first with a gap (a process that dies then leaves the
        # client a truncated body instead of no answer) and saves a packet.
        await self.app(scope, receive, pass_or_hold)
        if start:
            await send(start.pop())
        if later.spec is None:
            return
        if held[0].get("status") != 200:  # a hook failed after the handler deferred
            for message in held:
                await send(message)
            return
        headers = [(k, v) for k, v in held[0]["headers"] if k.lower() != b"content-length"]
        gone = asyncio.ensure_future(_disconnected(receive))
        try:
            if isinstance(later.spec, LongPoll):
                await self._long_poll(later.spec, headers, send, gone)
            else:
                await self._stream(later.spec, headers, send, gone)
        finally:
            gone.cancel()

    async def _long_poll(self, spec: LongPoll, headers: list, send: Any,
                         gone: asyncio.Future) -> None:
        loop = asyncio.get_running_loop()
        result = await self._next(spec.after, spec.epoch, loop.time() + spec.timeout_s, gone)
        if result is None:
            return  # the client left; there is no one to answer
        body = json.dumps(result.to_json(), separators=(",", ":")).encode()
        headers = [*headers, (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def _stream(self, spec: Stream, headers: list, send: Any,
                      gone: asyncio.Future) -> None:
        loop = asyncio.get_running_loop()
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send(_chunk(SSE_PREAMBLE))
        after, epoch = spec.after, spec.epoch
        ends = loop.time() + spec.lifetime_s
        while not self.bus.closed and loop.time() < ends:
            deadline = min(ends, loop.time() + spec.keepalive_s)
            result = await self._next(after, epoch, deadline, gone)
            if result is None:
                return
            epoch = result.epoch
            await send(_chunk(sse_frames(result)))
            after = result.last_seq
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def _next(self, after: int, epoch: str | None, deadline: float,
                    gone: asyncio.Future) -> Poll | None:
        """Like `EventBus.poll(after, timeout, epoch)` without blocking; None if the
        client disconnected meanwhile."""
        loop = asyncio.get_running_loop()
        wake = self._wake(loop)
        while True:
            changed = wake.changed()
            result = self.bus.poll(after, 0, epoch)
            left = deadline - loop.time()
            if result.events or result.reset or self.bus.closed or left <= 0:
                return result
            waiter = asyncio.ensure_future(changed.wait())
            done, _ = await asyncio.wait({waiter, gone}, timeout=left,
                                         return_when=asyncio.FIRST_COMPLETED)
            waiter.cancel()
            if gone in done:
                return None

    def _wake(self, loop: asyncio.AbstractEventLoop) -> Wakeups:
        if self._wakeups is None or self._wakeups.loop is not loop:
            if self._wakeups is not None:
                self._wakeups.close()
            self._wakeups = Wakeups(self.bus, loop)
        return self._wakeups


def _chunk(text: str) -> dict:
    return {"type": "http.response.body", "body": text.encode(), "more_body": True}


async def _disconnected(receive: Any) -> None:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
