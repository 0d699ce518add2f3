"""The credentials badge in the panel (Debian Chromium, real bridge, tiny model): a signed
take says so, and says plainly that validators call the local certificate untrusted."""

from __future__ import annotations

import uuid

import pytest
from test_panel_support import browser_context, cards, open_panel, search  # noqa: F401

pytestmark = pytest.mark.browser


def test_each_take_card_carries_a_credentials_badge(browser_context, server):  # noqa: F811
    word = f"badge-{uuid.uuid4().hex[:8]}"
    take = server.make_takes(1, prompt=f"a {word} at sea", width=32, height=32,
                             num_frames=9, steps=1)[0]
    page = open_panel(browser_context, server)
    search(page, word)
    card = cards(page, word).nth(0)
    card.wait_for(timeout=30_000)
    badge = card.locator(".badge.cr")
    assert badge.inner_text() == "CR" and badge.is_visible()
    title = badge.get_attribute("title")
    assert take["record"]["credentials"]["signer"] in title
    assert "untrusted" in title and "AI-generated" in title
    assert page.errors == []
