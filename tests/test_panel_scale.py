"""The panel at 2,000 takes and 100 shots, in Chromium against a real bridge whose library is
seeded with take records: the gallery holds only the cards near the screen (in blocks of whole
rows), By shot shows whole shots with their full counts, and the keyboard reaches a take far
off screen. Speed itself is measured in bench/bench_panel.py."""

from __future__ import annotations

import pytest
from conftest import Bridge, new_data_dir
from test_panel_support import browser_context, open_panel, seed_library  # noqa: F401

pytestmark = pytest.mark.browser
TAKES, SHOTS = 2000, 100


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    bridge = Bridge(new_data_dir(tmp_path_factory.mktemp("scale"))).start()
    try:
        yield bridge, seed_library(bridge, shots=SHOTS, takes=TAKES, word="Big")
    finally:
        bridge.stop()


def test_2000_takes_render_what_is_on_screen(browser_context, big):  # noqa: F811
    bridge, board = big
    page = open_panel(browser_context, bridge, width=1280)
    cards = page.locator("#gallery .take")
    cards.first.wait_for()
    # By shot loads the whole library: every section complete, its full count shown.
    page.click("#group-by-shot")
    page.wait_for_function("(n) => document.querySelectorAll('#gallery .take-group')"
                           ".length === n", arg=SHOTS)
    page.wait_for_function("() => document.getElementById('take-count').textContent"
                           ".startsWith('2000 takes')")
    counts = page.eval_on_selector_all("#gallery .group-count", "cs => cs.map(c => c.textContent)")
    assert counts[:SHOTS] == [f"{TAKES // SHOTS} takes"] * SHOTS
    # ...yet the page holds the cards near the screen only.
    assert 0 < cards.count() <= 200
    # The keyboard walks to the last take, far below: its block is filled and it has focus.
    cards.first.focus()
    page.keyboard.press("End")
    page.wait_for_function("() => document.activeElement.classList.contains('take')")
    last = page.evaluate("() => document.activeElement.closest('.take-group').dataset.group")
    assert last == board["shots"][-1]["id"]
    assert cards.count() <= 300
    # Scrolled back to the top, the first shot's cards are there again.
    page.evaluate("() => window.scrollTo(0, 0)")
    page.wait_for_function("(id) => !!document.querySelector("
                           "`.take-group[data-group='${id}'] .take`)",
                           arg=board["shots"][0]["id"])
    assert page.errors == []
    page.close()
