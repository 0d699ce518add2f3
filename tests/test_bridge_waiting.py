"""Waiting clients never take the threads that serve requests (issue 8), with real clients.

60 long-polls and 20 event streams stay open against the real server while other routes
are called; then one change reaches every one of them. The answers of the deferred event
routes pass the same guard and carry the same headers as every other route. How fast the
routes answer under that load, as a ratio, is in bench/bench_events.py.
"""

from __future__ import annotations

import signal
import subprocess
import time

import pytest
import requests

from tests.conftest import Bridge, new_data_dir
from tests.waiting_clients import WaitingClients

POLLS, STREAMS = 60, 20


@pytest.fixture(scope="module")
def take(server):
    return server.make_takes(1, prompt="waiting take", width=32, height=32, num_frames=9,
                             steps=1)[0]


def last_seq(server) -> int:
    return server.api("GET", "/events?after=0&timeout=0").json()["last_seq"]


def test_eighty_waiting_clients_leave_the_routes_free(server, take):
    clients = WaitingClients(server.port, server.token)
    try:
        seq = last_seq(server)
        polls = clients.open(f"/events?after={seq}&timeout=60", POLLS)
        streams = clients.open(f"/events/stream?after={seq}", STREAMS)
        # Every stream is open (its preamble came), and every long-poll is still waiting.
        assert len(clients.read_until(streams, b"retry: 2000", 20)) == STREAMS
        assert clients.silent(polls)

        # Before: 16 request threads, all taken, so these waited out the long-polls.
        for path in ("/health", "/takes?limit=5", f"/takes/{take['id']}"):
            assert server.api("GET", path, timeout=10).status_code == 200, path
        patched = server.api("PATCH", f"/takes/{take['id']}", json={"rating": 4}, timeout=10)
        assert patched.status_code == 200 and patched.json()["rating"] == 4

        # The PATCH's event reaches all eighty waiting clients.
        assert len(clients.read_until(polls, b'"kind":"take.updated"', 20)) == POLLS
        assert len(clients.read_until(streams, b'"kind": "take.updated"', 20)) == STREAMS
        for sock in polls[:3]:
            head, _, body = clients.received[sock].partition(b"\r\n\r\n")
            assert head.startswith(b"HTTP/1.1 200") and b"content-length" in head.lower()
            assert body.startswith(b"{") and body.endswith(b"}")
    finally:
        clients.close()
    assert server.api("GET", "/health", timeout=10).ok


def test_deferred_answers_pass_the_guard_and_carry_the_headers(server):
    seq = last_seq(server)
    url = f"/events?after={seq}&timeout=1"
    assert server.api("GET", url, auth=False).status_code == 401
    evil = server.api("GET", url, headers={"Origin": "https://evil.example"})
    assert evil.status_code == 403 and evil.json()["error"]["field"] == "Origin"
    assert server.api("GET", url, headers={"Host": "evil.example"}).status_code == 403

    own = f"http://localhost:{server.port}"
    t0 = time.monotonic()
    waited = server.api("GET", url, headers={"Origin": own}, timeout=10)
    assert time.monotonic() - t0 >= 0.9  # it waited for its timeout, on the event loop
    assert waited.status_code == 200
    body = waited.json()
    assert body["events"] == [] and body["last_seq"] >= seq and body["reset"] is False
    assert waited.headers["Access-Control-Allow-Origin"] == own
    assert waited.headers["Cache-Control"] == "no-store"
    assert waited.headers["X-Content-Type-Options"] == "nosniff"

    with requests.get(f"{server.url}/api/v1/events/stream?after={seq}", stream=True,
                      timeout=10, headers={"Authorization": f"Bearer {server.token}",
                                           "Origin": own}) as stream:
        assert stream.status_code == 200
        assert stream.headers["Content-Type"].startswith("text/event-stream")
        assert stream.headers["Access-Control-Allow-Origin"] == own
        assert next(stream.iter_lines()) == b"retry: 2000"
    no_token = requests.get(f"{server.url}/api/v1/events/stream", timeout=10)
    assert no_token.status_code == 401


def test_a_reset_and_an_epoch_reach_a_deferred_poll(server):
    """The bus's rules (seq, epoch, reset) hold on the loop as in the thread."""
    seq = last_seq(server)
    ahead = server.api("GET", f"/events?after={seq + 1000}&timeout=5", timeout=10).json()
    assert ahead["reset"] is True
    other = server.api("GET", f"/events?after={seq}&timeout=5&epoch=not-ours", timeout=10)
    assert other.json()["reset"] is True and other.json()["epoch"] != "not-ours"


def test_sigterm_stops_cleanly_with_clients_waiting(tmp_path):
    """SIGTERM ends the server like Ctrl+C: waiting clients are let go, the worker stops,
    the exit status is 0 (before: the process died on the signal, worker and all)."""
    bridge = Bridge(new_data_dir(tmp_path)).start()
    clients = WaitingClients(bridge.port, bridge.token)
    try:
        polls = clients.open("/events?after=0&timeout=60", 5)
        streams = clients.open("/events/stream?after=0", 5)
        assert len(clients.read_until(streams, b"retry: 2000", 20)) == 5
        bridge.proc.send_signal(signal.SIGTERM)
        try:
            code = bridge.proc.wait(30)
        except subprocess.TimeoutExpired:
            pytest.fail("the bridge did not stop within 30 s of SIGTERM")
        assert code == 0, bridge.log()
        assert "worker stopped" in bridge.log()
        # The long-polls were answered (woken by the stop), not cut off.
        assert len(clients.read_until(polls, b"HTTP/1.1 200", 5)) == 5
    finally:
        clients.close()
        bridge.stop()


def test_closing_the_desktop_window_lets_waiting_clients_go(tmp_path, monkeypatch):
    """`promptcut desktop` with the GUI toolkit stood in for: the window "closes" while the
    panel has a long-poll and a stream open; the server still stops within seconds and the
    long-poll is answered."""
    import sys
    import types

    from bridge import desktop
    from bridge.config import Settings
    from tests.conftest import free_port

    port = free_port()
    settings = Settings(data_dir=new_data_dir(tmp_path), port=port)
    seen: dict = {}

    def create_window(title, url, js_api=None, **kw):
        seen["token"] = url.split("#token=")[1]
        return object()

    def start():
        clients = WaitingClients(port, seen["token"])
        seen["clients"] = clients
        seen["polls"] = clients.open("/events?after=0&timeout=60", 3)
        streams = clients.open("/events/stream?after=0", 2)
        seen["streams"] = len(clients.read_until(streams, b"retry: 2000", 20))
        seen["closed_at"] = time.monotonic()

    monkeypatch.setitem(sys.modules, "webview", types.SimpleNamespace(
        create_window=create_window, start=start, SAVE_DIALOG=10))
    clients = None
    try:
        assert desktop.run_desktop(settings) == 0
        stopped_in = time.monotonic() - seen["closed_at"]
        clients = seen["clients"]
        assert seen["streams"] == 2
        assert stopped_in < 15, stopped_in
        assert len(clients.read_until(seen["polls"], b"HTTP/1.1 200", 5)) == 3
        with pytest.raises(requests.ConnectionError):
            requests.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=2)
    finally:
        if clients:
            clients.close()
