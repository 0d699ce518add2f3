"""Screenshots of the panel at 320 px (docked) and 1280 px (full screen) for people to look
at: written to screenshots/ (git-ignored). Also checks nothing spills sideways at 320 px."""

from __future__ import annotations

import uuid

import pytest
from test_panel_support import SCREENSHOTS, browser_context, cards, open_panel, search  # noqa: F401

pytestmark = pytest.mark.browser

NO_SIDEWAYS_SCROLL = "() => document.documentElement.scrollWidth <= window.innerWidth"


def test_screenshots_320_and_1280(browser_context, server):  # noqa: F811
    SCREENSHOTS.mkdir(exist_ok=True)
    word = f"shot-{uuid.uuid4().hex[:6]}"
    takes = server.make_takes(4, prompt=f"a paper boat on a rainy street, {word}", steps=2)
    server.api("PATCH", f"/takes/{takes[0]['id']}", json={"rating": 5, "status": "picked",
                                                         "tags": ["hero"]})
    server.api("PATCH", f"/takes/{takes[1]['id']}", json={"rating": 3})
    server.api("PATCH", f"/takes/{takes[2]['id']}", json={"status": "rejected"})

    # A queue worth looking at: a failed job (no weights offline), one running, two waiting.
    failed = server.submit(prompt=f"needs weights {word}", model="ltx-video", priority=10)
    server.wait_status(failed["jobs"][0]["id"], "failed")
    slow = [server.submit(prompt=f"long take {word} {i}", steps=200, num_frames=241,
                          priority=5)["jobs"][0]["id"] for i in range(3)]
    server.wait_status(slow[0], "running")

    page = open_panel(browser_context, server, width=1280)
    search(page, word)
    cards(page, word).nth(3).wait_for()
    page.fill("#prompt", "a paper boat on a rainy street, low angle, neon reflections")
    cards(page, word).nth(1).locator(".prompt").click()
    page.screenshot(path=str(SCREENSHOTS / "panel-1280.png"))
    assert page.evaluate(NO_SIDEWAYS_SCROLL)

    page.set_viewport_size({"width": 320, "height": 820})
    page.click("#tab-generate")
    page.click("#fold-advanced")
    page.screenshot(path=str(SCREENSHOTS / "panel-320-generate.png"))
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    page.click("#tab-gallery")
    page.screenshot(path=str(SCREENSHOTS / "panel-320-takes.png"))
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    page.click("#tab-queue")
    page.locator(".job[data-status=failed]", has_text=word).wait_for()
    page.screenshot(path=str(SCREENSHOTS / "panel-320-queue.png"))
    for job_id in slow:
        server.api("POST", f"/jobs/{job_id}/cancel")
    assert page.errors == []
