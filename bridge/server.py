"""Serving the app on loopback, and saying plainly when the port is taken.

uvicorn (pure Python over h11, the same on Windows and macOS, where editors run) serves an
ASGI stack: `DeferredEvents` around the Flask app, which runs in a pool of request threads
through a2wsgi. Every request goes through Flask, so the app's guard (Host, Origin,
Sec-Fetch-Site, token) checks every route in one place and its hooks add the same headers
everywhere. Only the waiting part of a long-poll or an event stream runs on the event loop
(bridge.api.event_wait), so waiting clients never take the threads that serve requests.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import urllib.error
import urllib.request

from bridge.config import Settings
from bridge.errors import CannotStart

log = logging.getLogger("promptcut.server")

REQUEST_THREADS = 16
FILE_BLOCK = 256 * 1024
GRACEFUL_STOP_S = 5  # then requests still running are cancelled


class PortBusy(CannotStart):
    pass


def who_has_port(host: str, port: int) -> str:
    """A sentence naming what is on the port: another Promptcut (with version) or not."""
    url = f"http://{host}:{port}/api/v1/health"
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            body = json.loads(resp.read(4096))
        if body.get("app") == "promptcut":
            return (f"Promptcut {body.get('version', '?')} is already running on port {port}: "
                    f"use it, or stop it first.")
    except (OSError, ValueError, urllib.error.URLError):
        pass
    return (f"Port {port} is used by another program (not Promptcut). Start Promptcut on "
            f"another port with --port N or PROMPTCUT_PORT.")


def bind(host: str, port: int) -> socket.socket:
    """The listening socket, bound here (not by uvicorn) so the reuse rules are ours.

    The protocol is named because asyncio turns Nagle off (TCP_NODELAY) only on connections
    whose socket says IPPROTO_TCP; with the default 0 every answer waits out a delayed ACK
    (about 40 ms on Linux).
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    if os.name == "nt":
        # Windows' SO_REUSEADDR would let us onto a port someone listens on; exclusive use
        # makes a second bind fail as it does on POSIX.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_EXCLUSIVEADDRUSE, 1)
    else:
        # On POSIX this only lets us past connections in TIME_WAIT (a restart right after a
        # crash), never onto a port someone listens on.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise PortBusy(who_has_port(host, port)) from None
    return sock


def check_port(host: str, port: int) -> None:
    bind(host, port).close()


def checked_app(settings: Settings):
    """The Flask app for `settings`, or PortBusy before anything heavy is loaded or created.

    `serve` and `desktop` both start this way, so a second Promptcut says what holds the
    port instead of building a database and a worker it cannot use.
    """
    check_port(settings.host, settings.port)
    from bridge.app import create_app

    return create_app(settings)


def serve(app, settings: Settings, *, threads: int = REQUEST_THREADS, ready=None) -> None:
    """Block serving `app`; `ready(server)` is called once it listens (tests, desktop), and
    `stop(server)` from any thread ends it. On SIGINT (and SIGTERM, which `promptcut serve`
    turns into the same) uvicorn stops gracefully: the event bus wakes its waiters and the
    running steps are cancelled at once, running requests get GRACEFUL_STOP_S to finish; then
    the signal is raised again (a KeyboardInterrupt) and the services close within
    `settings.stop_timeout_s` (worker stopped, jobs queued again, database checkpointed).

    When a thread had to be abandoned (a step that did not end in time), the process exits
    here with status 0 once the log is flushed: Python would otherwise wait for that thread
    at exit, and the stop would have no bound."""
    import uvicorn
    from a2wsgi import WSGIMiddleware

    from bridge.api.event_wait import DeferredEvents

    services = app.extensions["promptcut"]
    sock = bind(settings.host, settings.port)
    wsgi = WSGIMiddleware(_big_file_blocks(app), workers=threads)
    config = uvicorn.Config(
        DeferredEvents(wsgi, services.events), http="h11", ws="none", loop="asyncio",
        lifespan="off", interface="asgi3", log_config=None, access_log=False,
        proxy_headers=False, server_header=False, timeout_graceful_shutdown=GRACEFUL_STOP_S)
    server = _server(config, services, ready)
    logging.getLogger("uvicorn.error").setLevel(logging.WARNING)  # its start-up chatter
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
        wsgi.executor.shutdown(wait=False, cancel_futures=True)
        clean = services.close()  # wakes waiters, stops the worker, checkpoints the database
        log.info("Promptcut stopped: worker stopped, library closed.")
        if not clean:
            _exit_now()


def _exit_now() -> None:
    """Exit 0 without waiting for abandoned threads (the library is closed already)."""
    import sys

    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(0)


def _big_file_blocks(app):
    """The app with PEP 3333's `wsgi.file_wrapper` set to read files in 256 KiB blocks.

    werkzeug's send_file reads 8 KiB at a time, and every block crosses from a request
    thread to the event loop; in bigger blocks a take downloads about five times faster.
    """
    from werkzeug.wsgi import FileWrapper

    def wrap(file, _buffer_size: int = 8192):
        return FileWrapper(file, FILE_BLOCK)

    def with_wrapper(environ, start_response):
        environ["wsgi.file_wrapper"] = wrap
        return app(environ, start_response)

    return with_wrapper


def stop(server) -> None:
    """Ask a running `serve` to end (from any thread); it returns once it has."""
    server.events.close()  # wake waiting long-polls and streams now
    server.should_exit = True  # the loop looks every 0.1 s


def _server(config, services, ready):
    """A uvicorn Server that calls `ready` once listening and wakes waiters first on stop
    (a factory, so uvicorn is imported only when serving)."""
    import uvicorn

    class Server(uvicorn.Server):
        async def startup(self, sockets=None) -> None:
            await super().startup(sockets)
            if self.started and ready:
                ready(self)

        async def shutdown(self, sockets=None) -> None:
            # Waiting clients first, so the graceful stop does not wait out their timeouts;
            # the running steps are cancelled now too, so the worker stops meanwhile.
            services.begin_stop()
            await super().shutdown(sockets)

    server = Server(config)
    server.events = services.events
    return server

