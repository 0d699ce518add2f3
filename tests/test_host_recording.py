"""The host interface, checked through the recording test host (?host=test): the UI calls
only the interface, with the take's file, the playhead time and the chosen track."""

from __future__ import annotations

import uuid

import pytest
from test_panel_support import browser_context, cards, open_panel, search  # noqa: F401

pytestmark = pytest.mark.browser


def host_calls(page, method: str) -> list[dict]:
    calls = page.evaluate("window.__promptcutHostCalls || []")
    return [c["args"] for c in calls if c["method"] == method]


def test_insert_and_overwrite_at_playhead_on_track_2(browser_context, server):  # noqa: F811
    word = f"host-{uuid.uuid4().hex[:8]}"
    [take] = server.make_takes(1, prompt=f"a lighthouse {word}", steps=2)
    page = open_panel(browser_context, server, host="test")
    assert page.text_content(".host-label") == "Test host"
    page.evaluate("window.__promptcutPlayhead = 7.25")
    search(page, word)
    card = cards(page, word)
    card.wait_for()
    page.select_option("#track", label="V2")
    card.locator(".prompt").click()
    page.keyboard.press("Enter")  # insert at the playhead
    page.wait_for_function("() => (window.__promptcutHostCalls || []).length >= 1")
    assert host_calls(page, "insertAtPlayhead") == [
        {"path": take["media_path"], "track": 1, "overwrite": False, "time": 7.25}]

    page.evaluate("window.__promptcutPlayhead = 3.5")
    page.click("#overwrite")
    page.wait_for_function("() => window.__promptcutHostCalls.length >= 2")
    assert host_calls(page, "insertAtPlayhead")[1] == {
        "path": take["media_path"], "track": 1, "overwrite": True, "time": 3.5}
    assert page.errors == []


def test_assemble_imports_the_timeline_through_the_host(browser_context, server):  # noqa: F811
    word = f"cut-{uuid.uuid4().hex[:8]}"
    takes = server.make_takes(2, prompt=f"a harbour {word}", steps=2)
    for t in takes:
        server.api("PATCH", f"/takes/{t['id']}", json={"status": "picked"})
    page = open_panel(browser_context, server, host="test")
    search(page, word)
    cards(page, word).nth(1).wait_for()
    page.click("#assemble")
    page.wait_for_function(
        "() => (window.__promptcutHostCalls || []).some(c => c.method === 'importTimeline')")
    [call] = host_calls(page, "importTimeline")
    assert call["name"].endswith(".otio") and call["size"] > 0
    page.click("#export-sequence")
    page.wait_for_function(
        "() => window.__promptcutHostCalls.some(c => c.method === 'exportActiveSequence')")
    assert host_calls(page, "exportActiveSequence") == [{"format": "otio"}]
    assert page.errors == []
