"""`promptcut desktop` without a window: the js_api's file handling (only files of the
library, writes complete or not at all) and the message when pywebview is not installed."""

from __future__ import annotations

import base64
import sys

import pytest

from bridge import desktop
from bridge.cli import running
from bridge.config import Settings


@pytest.fixture
def settings(tmp_path):
    s = Settings(data_dir=tmp_path / "data", port=8642)
    s.ensure_dirs()
    return s


def test_save_file_writes_what_the_panel_built(settings, tmp_path):
    target = tmp_path / "out" / "cut.otio"
    target.parent.mkdir()
    api = desktop.DesktopApi(settings, ask_save=lambda name: str(target))
    data = b'{"OTIO_SCHEMA": "Timeline.1"}'
    assert api.save_file("cut.otio", base64.b64encode(data).decode()) == str(target)
    assert target.read_bytes() == data
    assert not list(target.parent.glob("*.part"))


def test_save_file_cancelled_and_bad_data(settings):
    api = desktop.DesktopApi(settings, ask_save=lambda name: None)
    assert api.save_file("cut.otio", base64.b64encode(b"x").decode()) is None
    with pytest.raises(ValueError):
        api.save_file("cut.otio", "not base64!!")


def test_save_copy_and_reveal_only_library_files(settings, tmp_path):
    take = settings.media_dir / "take.mp4"
    take.write_bytes(b"mp4")
    target = tmp_path / "copy.mp4"
    api = desktop.DesktopApi(settings, ask_save=lambda name: str(target))
    assert api.save_copy(str(take), "take.mp4") == str(target)
    assert target.read_bytes() == b"mp4"
    outside = tmp_path / "private.txt"
    outside.write_text("secret", encoding="utf-8")
    for bad in (str(outside), str(settings.media_dir / ".." / ".." / "private.txt")):
        with pytest.raises(ValueError):
            api.save_copy(bad, "x")
        with pytest.raises(ValueError):
            api.reveal(bad)


def test_panel_url_carries_the_token_in_the_fragment(settings):
    url = desktop.panel_url(settings, "tok")
    assert url == "http://127.0.0.1:8642/panel/?host=desktop#token=tok"


def test_missing_pywebview_says_how_to_install(settings, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "webview", None)  # import webview -> ImportError
    assert desktop.run_desktop(settings) == 2
    err = capsys.readouterr().err
    assert 'pip install "promptcut[desktop]"' in err and "promptcut serve" in err


def test_run_desktop_serves_the_panel_in_process_and_stops(tmp_path, monkeypatch):
    """The whole command with a stand-in for the GUI toolkit only: the bridge starts in this
    process, the window gets the panel URL with the token and the js_api, and closing the
    window (start() returning) stops the server."""
    import socket
    import types

    import requests

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings = Settings(data_dir=tmp_path / "data ü", port=port)
    monkeypatch.setenv("PROMPTCUT_STATE_DIR", str(tmp_path / "state"))
    seen = {}

    def create_window(title, url, js_api=None, **kw):
        seen.update(title=title, url=url, api=js_api)
        return object()

    def start():
        # What the window would load, fetched while the "window" is open.
        seen["page"] = requests.get(seen["url"].split("#")[0], timeout=10)
        token = seen["url"].split("#token=")[1]
        seen["health"] = requests.get(f"http://127.0.0.1:{port}/api/v1/takes", timeout=10,
                                      headers={"Authorization": f"Bearer {token}"})
        # other commands find this window's library while it is open
        seen["running"] = [(b.data_dir, b.port) for b in running.running_bridges()]

    fake = types.SimpleNamespace(create_window=create_window, start=start, SAVE_DIALOG=10)
    monkeypatch.setitem(sys.modules, "webview", fake)
    assert desktop.run_desktop(settings) == 0
    assert seen["title"] == "Promptcut" and isinstance(seen["api"], desktop.DesktopApi)
    assert seen["url"].startswith(f"http://127.0.0.1:{port}/panel/?host=desktop#token=")
    assert seen["page"].status_code == 200 and "src/main.js" in seen["page"].text
    assert seen["health"].status_code == 200
    assert seen["running"] == [(settings.data_dir.resolve(), port)]
    assert running.running_bridges() == [] and not list((tmp_path / "state").rglob("*.json"))
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=2)
