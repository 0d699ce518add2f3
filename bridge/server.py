"""Serving the app with waitress on loopback, and saying plainly when the port is taken.

waitress is pure Python and behaves the same on Windows and macOS, where editors run.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import urllib.error
import urllib.request

from bridge.config import Settings
from bridge.errors import CannotStart

log = logging.getLogger("promptcut.server")


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


def check_port(host: str, port: int) -> None:
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if os.name != "nt":
        # As waitress does: on POSIX this only lets us past connections in TIME_WAIT (a
        # restart right after a crash), never onto a port someone listens on. On Windows
        # the option would allow exactly that, so it is left off there.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        probe.bind((host, port))
    except OSError:
        raise PortBusy(who_has_port(host, port)) from None
    finally:
        probe.close()


def checked_app(settings: Settings):
    """The Flask app for `settings`, or PortBusy before anything heavy is loaded or created.

    `serve` and `desktop` both start this way, so a second Promptcut says what holds the
    port instead of building a database and a worker it cannot use.
    """
    check_port(settings.host, settings.port)
    from bridge.app import create_app

    return create_app(settings)


def serve(app, settings: Settings, *, threads: int = 16, ready=None) -> None:
    """Block serving `app`; `ready(server)` is called once it listens (tests, desktop)."""
    from waitress import create_server

    check_port(settings.host, settings.port)
    server = create_server(app, host=settings.host, port=settings.port, threads=threads,
                           channel_timeout=120, ident="promptcut")
    if ready:
        ready(server)
    try:
        server.run()
    finally:
        services = app.extensions["promptcut"]
        services.close()
