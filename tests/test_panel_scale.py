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


def test_a_block_filled_while_a_take_leaves_skips_that_take(browser_context, big):  # noqa: F811
    """A take leaves the store a moment before the redraw that follows: deleting several takes
    removes each as its DELETE answers and redraws after the last, and a live update that
    filters a take out waits for the others. A block that comes on screen (or that the
    keyboard reveals) in that moment fills with the ids it was last given: the take that left
    has no card to build and is skipped. It threw a TypeError and the block stayed empty
    (strict types found it: the gallery read a take the store may no longer hold)."""
    bridge, _ = big
    page = open_panel(browser_context, bridge, width=1280)
    page.locator("#gallery .take").first.wait_for()
    result = page.evaluate("""async () => {
        const store = await import('./src/store.js');  // the running panel's own modules
        const gallery = await import('./src/ui/gallery.js');
        const order = store.state.takeOrder;
        const [kept, gone] = order.slice(-2);  // the last block: far below, not filled yet
        const card = (id) => !!document.querySelector(`#gallery .take[data-take-id="${id}"]`);
        if (card(kept) || card(gone)) return { error: 'the last block is filled already' };
        store.removeTake(gone);  // as deleteTakes does between two DELETEs
        try {
            gallery.revealTake(kept);
        } catch (e) {
            return { error: String(e) };
        }
        return { kept: card(kept), gone: card(gone) };
    }""")
    assert result == {"kept": True, "gone": False}
    assert page.errors == []
    page.close()
