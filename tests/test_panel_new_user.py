"""What a new user hit in the panel, measured in Chromium against a real bridge: status
chips and unlit stars meet WCAG AA contrast, Compare takes focus and fits at 320 px (Space
pauses, Esc closes), the keyboard cursor and the selection never look alike and the cursor
never hides under the sticky bars, and the take count is the library's total."""

from __future__ import annotations

import pytest
from test_panel_support import (  # noqa: F401
    browser_context,
    cards,
    open_panel,
    search,
    unique,
)

pytestmark = pytest.mark.browser
TINY = {"model": "tiny", "width": 32, "height": 32, "num_frames": 9, "steps": 1}

# WCAG 2.x contrast of each element's text against what is painted behind it: its own and
# its ancestors' backgrounds, composited (a translucent chip over a card over the page).
CONTRAST = """(sel) => {
  const rgba = (s) => { const n = (s.match(/[\\d.]+/g) || []).map(Number);
                        return n.length === 3 ? [...n, 1] : n; };
  const lin = (v) => { v /= 255; return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  const lum = (c) => 0.2126 * lin(c[0]) + 0.7152 * lin(c[1]) + 0.0722 * lin(c[2]);
  const over = (top, base) => top.slice(0, 3).map((v, i) => v * top[3] + base[i] * (1 - top[3]));
  const behind = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = rgba(getComputedStyle(e).backgroundColor);
      if (c[3] > 0) layers.push(c);
      if (c[3] >= 1) break;
    }
    let base = [255, 255, 255];  // the canvas, should nothing be opaque
    while (layers.length) base = over(layers.pop(), base);
    return base;
  };
  return [...document.querySelectorAll(sel)].map((el) => {
    const bg = behind(el);
    const fg = over(rgba(getComputedStyle(el).color), bg);
    const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
    return { cls: el.className, ratio: (hi + 0.05) / (lo + 0.05) };
  });
}"""


def test_chips_and_unlit_stars_meet_wcag_aa(browser_context, server):  # noqa: F811
    word = unique("contrast")
    server.make_takes(1, prompt=f"a gull {word}", **TINY)  # a card with unlit stars
    failed = server.submit(prompt=f"needs weights {word}", model="ltx-video")["jobs"][0]
    server.wait_status(failed["id"], "failed")
    slow = {**TINY, "steps": 200, "num_frames": 25}
    board = server.api("POST", "/boards", json={"name": word, "shots": [
        {"label": "Gull", "prompt": f"a gull {word}"}]}).json()
    made = server.api("POST", f"/boards/{board['id']}/generate", json={"takes": 1, **slow})
    assert made.status_code in (200, 201), made.text
    jobs = [made.json()["jobs"][0]["id"]]
    jobs += [server.submit(prompt=f"waiting {word}", **slow)["jobs"][0]["id"] for _ in "ab"]
    try:
        server.wait_status(jobs[0], "running")
        server.api("POST", f"/jobs/{jobs[2]}/cancel")
        page = open_panel(browser_context, server)
        for status in ("running", "queued", "failed", "cancelled", "shot-chip"):
            page.locator(f".job .chip.{status}").first.wait_for()
        search(page, word)
        page.locator("#gallery .take .star").first.wait_for()
        measured = page.evaluate(CONTRAST, ".chip, .star:not(.on)")
        kinds = {cls for m in measured for cls in m["cls"].split()}
        assert {"running", "queued", "failed", "cancelled", "shot-chip", "star"} <= kinds
        low = [m for m in measured if m["ratio"] < 4.5]
        assert low == [], low
        assert page.errors == []
    finally:
        for job in jobs:
            server.api("POST", f"/jobs/{job}/cancel")
        server.wait_jobs(jobs)


def test_compare_focus_keys_and_320_px(browser_context, server):  # noqa: F811
    word = unique("compare")
    server.make_takes(2, prompt=f"a heron {word}", **TINY)
    page = open_panel(browser_context, server, width=320)
    page.click("#tab-gallery")
    search(page, word)
    cards(page, word).nth(0).locator(".prompt").click()
    cards(page, word).nth(1).locator(".prompt").click(modifiers=["Control"])
    page.click("#compare")
    dialog = page.locator("#compare-view")
    page.wait_for_function("""() => [...document.querySelectorAll('#compare-view video')]
        .every(v => !v.paused)""")
    assert page.evaluate("() => document.getElementById('compare-view')"
                         ".contains(document.activeElement)")
    fits = page.evaluate("""() => { const d = document.getElementById('compare-view');
        const r = d.getBoundingClientRect();
        return r.left >= 0 && r.right <= innerWidth && d.scrollWidth <= d.clientWidth; }""")
    assert fits
    paused = "() => [...document.querySelectorAll('#compare-view video')].every(v => v.paused)"
    page.keyboard.press(" ")
    page.wait_for_function(paused)
    page.keyboard.press(" ")
    page.wait_for_function(f"() => !({paused})()")
    page.keyboard.press("Escape")
    dialog.wait_for(state="detached")
    # Focus goes back to what opened the dialog (the Compare button), not to the page's top.
    assert page.evaluate("() => document.activeElement.id") == "compare"
    assert page.errors == []


def test_cursor_and_selection_differ_and_the_cursor_stays_in_view(
        browser_context, server):  # noqa: F811
    word = unique("cursor")
    server.make_takes(6, prompt=f"a kite {word}", **TINY)
    page = open_panel(browser_context, server, width=320)
    page.set_viewport_size({"width": 320, "height": 520})
    page.click("#tab-gallery")
    search(page, word)
    cards(page, word).nth(5).wait_for()
    ids = cards(page, word).evaluate_all("cs => cs.map(c => c.dataset.takeId)")
    cards(page, word).nth(0).locator(".prompt").click()  # selected, and the cursor
    second = cards(page, word).nth(1).locator(".prompt")
    second.click(modifiers=["Control"])  # both selected, the cursor on the second
    second.click(modifiers=["Control"])  # the second unselected; the cursor stays there
    look = """(id) => { const c = document.querySelector(`#gallery .take[data-take-id='${id}']`);
        const s = getComputedStyle(c);
        return { cursor: c.classList.contains('cursor'), selected: c.classList.contains('selected'),
                 outline: s.outlineStyle, border: s.borderColor, shadow: s.boxShadow,
                 tick: getComputedStyle(c, '::after').content }; }"""
    selected, cursor = (page.evaluate(look, i) for i in ids[:2])
    assert selected["selected"] and not selected["cursor"], selected
    assert cursor["cursor"] and not cursor["selected"], cursor
    assert cursor["outline"] == "dashed" and selected["outline"] != "dashed"
    assert "✓" in selected["tick"] and "✓" not in cursor["tick"]
    assert (selected["border"], selected["shadow"]) != (cursor["border"], cursor["shadow"])

    # Walk down to the last row: each step's cursor sits between the sticky bars.
    in_view = """() => {
        const c = document.querySelector('#gallery .take.cursor').getBoundingClientRect();
        const top = document.querySelector('.topbar').getBoundingClientRect().bottom;
        const bar = document.querySelector('.actions-host');
        const bottom = bar ? bar.getBoundingClientRect().top : innerHeight;
        return c.top >= top - 1 && c.bottom <= bottom + 1; }"""
    for _ in range(3):
        page.keyboard.press("ArrowDown")
        page.wait_for_timeout(150)  # scrollIntoView settles
        assert page.evaluate(in_view)
    page.keyboard.press("ArrowUp")
    page.wait_for_timeout(150)
    assert page.evaluate(in_view)
    assert page.errors == []


def test_the_take_count_is_the_librarys_total(browser_context, server):  # noqa: F811
    word = unique("count")
    server.make_takes(3, prompt=f"a crane {word}", **TINY)
    page = open_panel(browser_context, server)
    search(page, word)
    page.wait_for_function("() => document.getElementById('take-count')"
                           ".textContent.startsWith('3 takes')")
    search(page, "")
    total = server.api("GET", "/takes", params={"limit": 1}).json()["total"]
    page.wait_for_function("(n) => document.getElementById('take-count').textContent"
                           ".includes(`${n} take`)", arg=total)
    assert page.errors == []
