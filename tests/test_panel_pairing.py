"""Pairing in Chromium against a real bridge: the link `promptcut serve` prints pairs the
panel, the panel says plainly when the bridge is down and recovers when it is back, and a
wrong token is fixed by pairing by hand."""

from __future__ import annotations

import re

import pytest
from test_panel_support import (  # noqa: F401
    SCREENSHOTS,
    browser_context,
    generate,
    open_panel,
    unique,
)

pytestmark = pytest.mark.browser

def pair_code(bridge) -> str:
    """The one-time code in the link `promptcut serve` prints."""
    match = re.findall(r"/panel/#pair=([\w-]+)", bridge.log())
    assert match, bridge.log()
    return match[-1]


def test_pairs_with_the_printed_link_then_survives_a_bridge_restart(
        browser_context, fresh_server):  # noqa: F811
    fresh_server.start()
    page = open_panel(browser_context, fresh_server, fragment=f"pair={pair_code(fresh_server)}")
    # The code was traded for the token, which is kept; the fragment is gone.
    assert "pair" not in page.url
    assert page.evaluate("localStorage.getItem('promptcut.token')") == fresh_server.token

    fresh_server.stop()
    banner = page.locator("#bridge-banner")
    banner.wait_for(state="visible")
    assert "Bridge not running" in banner.text_content()
    assert "promptcut serve" in banner.text_content()
    assert "offline" in page.get_attribute("#conn-dot", "class")
    page.set_viewport_size({"width": 320, "height": 600})
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "panel-320-bridge-down.png"))
    page.set_viewport_size({"width": 1280, "height": 820})
    fresh_server.start()
    page.wait_for_selector("#conn-dot.online", timeout=30_000)
    banner.wait_for(state="hidden")
    # Back in business: the panel submits to the restarted bridge.
    word = unique("back")
    generate(page, word, takes=1)
    page.locator(".job", has_text=word).first.wait_for()

    # A wrong token: "Not paired", and pairing by hand with a fresh code fixes it.
    page.evaluate("localStorage.setItem('promptcut.token', 'wrong')")
    page.reload()
    page.locator("#bridge-banner", has_text="Not paired").wait_for()
    page.click("#pair")
    page.fill("#pair-token", "not-a-code")
    page.click("#pair-save")
    page.locator("#pair-error").wait_for()
    page.fill("#pair-token", pair_code(fresh_server))
    page.click("#pair-save")
    page.wait_for_selector("#conn-dot.online")
    assert page.evaluate("localStorage.getItem('promptcut.token')") == fresh_server.token
    assert page.errors == []
