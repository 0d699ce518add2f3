"""The panel by keyboard and screen reader, in Chromium against a real bridge whose library
is seeded with a board of shots and take records: axe-core (WCAG 2.1 AA) finds no critical
or serious violation in any view at 320 and 1280 px."""

from __future__ import annotations

import json

import pytest
from conftest import Bridge, new_data_dir
from test_panel_support import ROOT, browser_context, open_panel, seed_library  # noqa: F401

pytestmark = pytest.mark.browser
AXE = ROOT / "panel" / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    """One bridge for the module: a board of 6 shots holding 24 take records."""
    bridge = Bridge(new_data_dir(tmp_path_factory.mktemp("a11y"))).start()
    try:
        board = seed_library(bridge, shots=6, takes=24, word="Bikes")
        yield bridge, board
    finally:
        bridge.stop()


def axe(page) -> list[dict]:
    """Critical and serious WCAG 2.1 A/AA violations on the page as it is now."""
    if not page.evaluate("() => !!window.axe"):
        # Evaluated, not a <script>: the panel's CSP rightly refuses inline scripts.
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;0")
    found = page.evaluate("""async () => (await axe.run(document, {runOnly: {type: 'tag',
        values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}, resultTypes: ['violations']}))
        .violations.filter(v => v.impact === 'critical' || v.impact === 'serious')
        .map(v => ({id: v.id, impact: v.impact, n: v.nodes.length,
                    nodes: v.nodes.slice(0, 3).map(
                      n => n.target.join(' ') + ' :: ' + n.failureSummary)}))""")
    return found


def png(width: int, height: int) -> bytes:
    import io

    from PIL import Image
    buf = io.BytesIO()
    Image.new("RGB", (width, height), (90, 40, 160)).save(buf, "PNG")
    return buf.getvalue()


def tab(page, name: str) -> None:
    """Opens a view; wide, Generate and Queue are always on screen and have no tab."""
    if page.is_visible(f"#tab-{name}"):
        page.click(f"#tab-{name}")


def views(page):
    """Every view as an editor reaches it, named."""
    tab(page, "generate")
    yield "generate"
    tab(page, "queue")
    yield "queue"
    tab(page, "gallery")
    page.locator("#gallery .take").nth(3).wait_for()
    yield "takes"
    page.click("#group-by-shot")
    page.locator("#gallery .take-group").nth(2).wait_for()
    yield "takes by shot"
    page.click("#group-by-shot")
    tab(page, "board")
    page.locator("#board-shots .shot").nth(5).wait_for()
    page.locator("#board-shots .shot .shot-takes-toggle").first.click()
    page.locator("#board-shots .shot-take").first.wait_for()
    yield "board"
    page.click("#animatic-open")  # the transport and the animatic (the grid editor, which
    page.locator("#animatic").wait_for()  # needs a song, is checked in test_panel_grid.py)
    yield "board animatic"
    # A card with a rated pick that is too short for its shot (Extend, Longer take), the
    # shot's editor open and the board's menu open
    page.locator("#board-shots .shot .take-pick").first.click()
    page.locator("#board-shots .shot .shot-short").first.wait_for()
    page.locator("#board-shots .shot .shot-edit").first.click()
    page.locator("#board-shots .shot-editor").wait_for()
    page.click("#board-menu summary")
    yield "board editor and menu"
    page.click("#board-menu summary")
    page.locator("#board-shots .shot .shot-direct-toggle").first.click()
    page.locator("#board-shots .direct .direct-key-why").wait_for()
    page.locator("#board-looks").wait_for()
    looks = page.locator("#board-looks")
    looks.locator(".looks-camera").select_option("push_in")  # the amount, too
    looks.locator(".looks-amount:not([disabled])").wait_for()
    if not looks.locator(".looks-ref").count():  # the first width adds it; the board keeps it
        looks.locator(".looks-ref-file").set_input_files(
            files=[{"name": "ref.png", "mimeType": "image/png", "buffer": png(24, 24)}])
    looks.locator(".looks-ref img").wait_for()
    yield "direct drawer and look"
    page.locator("#board-shots .shot .shot-direct-toggle").first.click()
    tab(page, "gallery")
    cards = page.locator("#gallery .take")
    cards.nth(0).locator(".prompt").click()
    cards.nth(1).locator(".prompt").click(modifiers=["Control"])
    cards.nth(2).locator(".prompt").click(modifiers=["Control"])
    page.click("#compare")
    page.locator("#compare-view").wait_for()
    yield "compare"
    page.keyboard.press("Escape")


@pytest.mark.parametrize("width", [1280, 320])
def test_axe_finds_nothing_serious_in_any_view(browser_context, library, width):  # noqa: F811
    bridge, _ = library
    page = open_panel(browser_context, bridge, width=width)
    found = {}
    for name in views(page):
        bad = axe(page)
        if bad:
            found[name] = bad
    page.close()
    assert not found, json.dumps(found, indent=1)


def shot_card(page, n: int):
    return page.locator("#board-shots .shot").nth(n)


def active(page, js: str):
    return page.evaluate(f"() => {{ const a = document.activeElement; return {js}; }}")


def test_board_keys_act_on_the_board_alone(browser_context, library):  # noqa: F811
    bridge, board = library
    picked = lambda: {t["id"] for t in bridge.api(  # noqa: E731
        "GET", "/takes", params={"limit": 200, "status": "picked"}).json()["takes"]}
    before = picked()
    page = open_panel(browser_context, bridge, width=1280)
    page.click("#tab-board")
    shot_card(page, 5).wait_for()
    # The list is one Tab stop; arrows move between shots, the current one is exposed.
    assert page.locator("#board-shots .shot[tabindex='0']").count() == 1
    shot_card(page, 0).focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert active(page, "a.dataset.shotId") == board["shots"][2]["id"]
    assert shot_card(page, 2).get_attribute("aria-current") == "true"
    # Space, P and arrows on the Board never touch the hidden gallery's takes.
    page.keyboard.press(" ")
    page.keyboard.press("p")
    assert page.locator("#gallery .take.cursor").count() == 0 or not page.is_visible("#gallery")
    # Enter opens the shot: focus goes to its first take; arrows walk the takes.
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.activeElement.classList.contains('shot-take')")
    takes = bridge.api("GET", "/takes", params={"shot_id": board["shots"][2]["id"],
                                                "sort": "created"}).json()["takes"]
    page.keyboard.press("ArrowRight")
    assert active(page, "a.dataset.takeId") == takes[1]["id"]
    # Space previews that take in place; P picks it, and focus stays on it.
    page.keyboard.press(" ")
    preview = shot_card(page, 2).locator(f".shot-take[data-take-id='{takes[1]['id']}'] video")
    preview.wait_for()
    assert preview.get_attribute("aria-label") == "Preview of take 2 of shot 'Shot 3 Bikes'"
    page.keyboard.press("p")
    page.wait_for_function("(id) => document.querySelector(`.shot-take[data-take-id='${id}']`)"
                           ".classList.contains('chosen')", arg=takes[1]["id"])
    assert active(page, "a.dataset.takeId") == takes[1]["id"]
    shot = bridge.api("GET", f"/boards/{board['id']}").json()["shots"][2]
    assert shot["selected_take_id"] == takes[1]["id"]
    page.wait_for_function("() => document.getElementById('announce').textContent"
                           ".startsWith('Picked seed')")
    # No take was picked by any of those keys but the one P picked on the Board.
    assert picked() <= before | {takes[1]["id"]}
    # Esc goes back to the shot; moving it keeps focus on its ▼ (no fall to the page).
    page.keyboard.press("Escape")
    assert active(page, "a.dataset.shotId") == board["shots"][2]["id"]
    shot_card(page, 2).locator(".shot-down").click()
    page.wait_for_function("(id) => document.querySelectorAll('#board-shots .shot')[3]"
                           ".dataset.shotId === id", arg=board["shots"][2]["id"])
    assert active(page, "a.classList.contains('shot-down') && a.closest('.shot').dataset.shotId") \
        == board["shots"][2]["id"]
    # "Takes" keeps focus on itself as the card is rebuilt.
    shot_card(page, 3).locator(".shot-takes-toggle").click()
    page.wait_for_function("() => !document.querySelectorAll('#board-shots .shot')[3]"
                           ".querySelector('.shot-take')")
    assert active(page, "a.classList.contains('shot-takes-toggle')")
    bridge.api("PATCH", f"/boards/{board['id']}/shots/{board['shots'][2]['id']}",
               json={"position": 2})
    assert page.errors == []
    page.close()


def test_gallery_keys_follow_focus_one_tab_stop_skip_link(browser_context, library):  # noqa: F811
    bridge, _ = library
    page = open_panel(browser_context, bridge, width=1280)
    cards = page.locator("#gallery .take")
    cards.nth(5).wait_for()
    cards.nth(0).locator(".prompt").click()
    # One card in the Tab order: its own controls, none of the other cards'.
    tabbable = page.evaluate("""() => [...document.querySelectorAll(
        '#gallery .take, #gallery .take *')]
        .filter(e => e.tabIndex >= 0 && (e.matches('button, input, [tabindex]'))).map(
        e => e.closest('.take').dataset.takeId)""")
    assert len(set(tabbable)) == 1 and len(tabbable) <= 12
    # Rating keys act on the focused card, not the cursor: focus card 5's stars, press 3.
    ids = cards.evaluate_all("cs => cs.map(c => c.dataset.takeId)")
    cards.nth(4).locator(".star").nth(0).focus()
    page.keyboard.press("3")
    page.wait_for_function("(id) => document.querySelector(`#gallery .take[data-take-id='${id}']`)"
                           ".dataset.rating === '3'", arg=ids[4])
    assert bridge.api("GET", f"/takes/{ids[0]}").json()["rating"] == 0
    star = cards.nth(4).locator(".star").nth(2)
    assert star.get_attribute("aria-pressed") == "true"
    assert star.get_attribute("aria-label") == "3 stars"
    assert cards.nth(4).locator(".stars").get_attribute("aria-label").startswith("Rating of take ")
    page.wait_for_function(
        "() => document.getElementById('announce').textContent === 'Rated 3 stars'")
    bridge.api("PATCH", f"/takes/{ids[4]}", json={"rating": 0})
    # Arrows move focus with the cursor; the focused ▶ shows (no opacity 0), with a ring.
    cards.nth(0).focus()
    page.keyboard.press("ArrowRight")
    assert active(page, "a.dataset.takeId") == ids[1]
    assert cards.nth(1).get_attribute("tabindex") == "0"
    assert cards.nth(0).get_attribute("tabindex") == "-1"
    page.keyboard.press("Tab")  # into the card: its first control
    for _ in range(6):
        if active(page, "a.classList.contains('play')"):
            break
        page.keyboard.press("Tab")
    look = active(page, "({o: getComputedStyle(a).opacity,"
                        " ring: getComputedStyle(a).outlineStyle})")
    assert look == {"o": "1", "ring": "solid"}, look
    # The skip link leads to the actions; the panel lists Compare's and Assemble's keys.
    page.focus("#skip-to-actions")
    page.keyboard.press("Enter")
    assert active(page, "!!a.closest('#actions')")
    keys = page.text_content("#shortcuts dl")
    assert "compare" in keys and "assemble" in keys
    for board_key in ("Board: V", "Board: K", "Board: M", "Board: L",
                      "Board: Ctrl+Z / Ctrl+Shift+Z"):
        assert board_key in keys, keys
    assert page.errors == []
    page.close()


def test_nothing_focused_hides_under_the_sticky_bars(browser_context, library):  # noqa: F811
    bridge, _ = library
    page = open_panel(browser_context, bridge, width=320)
    page.set_viewport_size({"width": 320, "height": 520})
    page.click("#tab-gallery")
    cards = page.locator("#gallery .take")
    cards.nth(7).wait_for()
    between = """(el) => { const r = el.getBoundingClientRect();
        const top = document.querySelector('.topbar').getBoundingClientRect().bottom;
        const bottom = document.querySelector('.actions-host').getBoundingClientRect().top;
        return r.top >= top - 1 && r.bottom <= bottom + 1; }"""
    for n in (3, 7):
        for sel in (".tag-input", ".select"):
            el = cards.nth(n).locator(sel)
            el.focus()
            assert el.evaluate(between), (n, sel)
    assert page.errors == []
    page.close()


def test_compare_four_takes_at_320_keeps_stars_in_their_cells(browser_context, library):  # noqa: F811
    bridge, _ = library
    page = open_panel(browser_context, bridge, width=320)
    page.click("#tab-gallery")
    cards = page.locator("#gallery .take")
    cards.nth(3).wait_for()
    cards.nth(0).locator(".prompt").click()
    for n in (1, 2, 3):
        cards.nth(n).locator(".prompt").click(modifiers=["Control"])
    page.keyboard.press("c")
    page.locator("#compare-view .cmp-cell").nth(3).wait_for()
    outside = page.evaluate("""() => [...document.querySelectorAll('#compare-view .cmp-cell')]
        .flatMap(c => { const r = c.getBoundingClientRect();
          return [...c.querySelectorAll('.star')].filter(s => { const b = s.getBoundingClientRect();
            return b.left < r.left - 0.5 || b.right > r.right + 0.5; }); }).length""")
    assert outside == 0
    names = page.locator("#compare-view video").evaluate_all(
        "vs => vs.map(v => v.getAttribute('aria-label'))")
    assert all(names) and len(set(names)) == 4
    page.keyboard.press("Escape")
    assert page.errors == []
    page.close()
