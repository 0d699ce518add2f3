"""The panel in Debian's Chromium: a cloud provider's preset says it is paid and needs a
key; the key typed once goes to the bridge and never comes back into the page."""

from __future__ import annotations

import pytest
from test_panel_support import browser_context, open_panel  # noqa: F401

pytestmark = pytest.mark.browser


def test_a_provider_key_is_entered_once_in_the_panel(browser_context, server):  # noqa: F811
    server.api("DELETE", "/providers/replicate/key")
    page = open_panel(browser_context, server)
    page.wait_for_selector("#model option[value='replicate-minimax-video-01']",
                           state="attached")
    page.select_option("#model", "replicate-minimax-video-01")
    assert "paid service" in page.inner_text("#model-note")
    assert page.is_visible("#provider-key-row")
    secret = "r8_panel-secret-7777"
    page.fill("#provider-key", secret)
    page.click("#provider-key-save")
    page.wait_for_function("() => document.querySelector('#provider-key-row').hidden")
    assert page.input_value("#provider-key") == ""
    listing = server.api("GET", "/providers").json()["providers"]
    assert next(p for p in listing if p["name"] == "replicate")["key_hint"] == "…7777"
    assert secret not in page.content()
    label = page.inner_text("#model option[value='replicate-minimax-video-01']")
    assert "needs key" not in label and "paid" in label
    server.api("DELETE", "/providers/replicate/key")
