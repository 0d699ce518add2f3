"""The Board view in Chromium, end to end, through the recording host (?host=test): a new
board at the sequence's rate, a song and a shot list in, 2 bars a shot, generate, reorder by
dragging, pick, swap a take into the sequence and fill a gap at exact ticks on the chosen
track, create the sequence; screenshots at 320 and 1280 px."""

from __future__ import annotations

import time

import pytest
from test_panel_support import SCREENSHOTS, browser_context, open_panel  # noqa: F401

from tests import drums

pytestmark = pytest.mark.browser
TICKS_PER_FRAME_25 = 254016000000 // 25
NO_SIDEWAYS_SCROLL = "() => document.documentElement.scrollWidth <= window.innerWidth"
SPILLING = """() => [...document.querySelectorAll('body *')].filter(e =>
    e.getBoundingClientRect().right > window.innerWidth + 1).slice(0, 8)
    .map(e => `${e.tagName}.${e.className}#${e.id}`)"""


def host_calls(page, method: str) -> list[dict]:
    calls = page.evaluate("window.__promptcutHostCalls || []")
    return [c["args"] for c in calls if c["method"] == method]


def board_of(server, page) -> dict:
    board_id = page.eval_on_selector("#board-select", "s => s.value")
    return server.api("GET", f"/boards/{board_id}").json()


def test_board_view_end_to_end(browser_context, server, tmp_path):  # noqa: F811
    song = drums.write(tmp_path / "song é.wav", drums.pattern(120.0, 17.0)[0])  # 8 bars
    shots = tmp_path / "shots.csv"
    shots.write_text("shot,prompt,takes\nRise,a lighthouse at dusk,1\nFall,rain on neon,1\n"
                     "Turn,a paper boat,1\n", encoding="utf-8")
    page = open_panel(browser_context, server, host="test")
    page.select_option("#track", label="V2")  # the track the board's edits go to
    page.evaluate("window.__promptcutSequence = {name: 'Edit', fps: 25, width: 1920, "
                  "height: 1080, videoTracks: 3}")
    page.click("#tab-board")
    page.click("#board-new")
    page.wait_for_selector("#view-board.has-board")
    page.set_input_files("#board-song-file", str(song))
    page.wait_for_function("() => document.querySelector('#board-summary')"
                           ".textContent.includes('BPM')", timeout=180_000)
    page.set_input_files("#board-list-file", str(shots))
    page.locator("#board-shots .shot").nth(2).wait_for()
    page.fill("#board-bars", "2")
    page.click("#board-fill")
    page.wait_for_function("() => document.querySelector('#board-summary')"
                           ".textContent.includes('4 shots')")
    board = board_of(server, page)
    assert board["fps"] == 25 and [s["label"] for s in board["shots"]] == [
        "Rise", "Fall", "Turn", "Shot 4"]  # the list's 3 shots, and one more to fill 8 bars
    downbeats = board["song"]["downbeats"]
    assert [s["start_frame"] for s in board["shots"]][1:] == [
        round(downbeats[2 * i] * 25) for i in (1, 2, 3)]

    # Generate every shot with the tiny model, one take each (one step: noise is enough)
    server.api("PATCH", f"/boards/{board['id']}", json={"defaults": {"steps": 1}})
    page.locator("#board-shots .shot").nth(3).locator(".shot-prompt").fill("the tide comes in")
    page.keyboard.press("Tab")  # change: saved
    page.wait_for_function("() => document.querySelectorAll('#board-shots .shot-prompt')[3]"
                           ".value === 'the tide comes in'")
    page.select_option("#board-model", "tiny")
    page.fill("#board-takes", "1")
    page.click("#board-generate-missing")
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        board = board_of(server, page)
        if all(s["take_count"] >= 1 for s in board["shots"]):
            break
        page.wait_for_timeout(250)
    assert all(s["take_count"] == 1 for s in board["shots"]), board["shots"]

    # Drag the last shot onto the first: it becomes shot 1
    page.drag_and_drop("#board-shots .shot:nth-child(4)", "#board-shots .shot:nth-child(1)",
                       source_position={"x": 20, "y": 20}, target_position={"x": 20, "y": 20})
    page.wait_for_function("() => document.querySelector('#board-shots .shot .shot-label')"
                           ".value === 'Shot 4'")
    board = board_of(server, page)
    assert [s["label"] for s in board["shots"]] == ["Shot 4", "Rise", "Fall", "Turn"]

    # Pick shot 2's take, then swap it into the sequence: same place, same length, V2
    second = page.locator("#board-shots .shot").nth(1)
    second.locator(".shot-takes-toggle").click()
    second.locator(".take-pick").wait_for()
    second.locator(".take-pick").click()
    page.wait_for_function("() => document.querySelectorAll('#board-shots .shot')[1]"
                           ".classList.contains('has-pick')")
    board = board_of(server, page)
    shot = board["shots"][1]
    assert shot["selected_take_id"]
    page.locator("#board-shots .shot").nth(1).locator(".take-swap").click()
    page.wait_for_function("() => (window.__promptcutHostCalls || [])"
                           ".some(c => c.method === 'swapTake')")
    [swap] = host_calls(page, "swapTake")
    assert swap == {"path": shot["pick"]["media_path"], "track": 1,
                    "startTicks": str(shot["start_frame"] * TICKS_PER_FRAME_25),
                    "endTicks": str(shot["end_frame"] * TICKS_PER_FRAME_25), "label": None}

    # Fill a gap of 25 frames at frame 50 on V2 with a take, trimmed, at exact ticks
    page.evaluate(f"window.__promptcutGap = {{startTicks: '{50 * TICKS_PER_FRAME_25}', "
                  f"endTicks: '{75 * TICKS_PER_FRAME_25}'}}")
    page.click("#board-gap")
    gap_card = page.locator("#board-shots .shot", has=page.locator(".shot-place-gap"))
    gap_card.wait_for()
    board = board_of(server, page)
    # At the gap's place in the cut (frame 50 falls in the first shot): the second shot
    gap = board["shots"][1]
    assert gap["frames"] == 25 and gap["label"] == "Gap at frame 50" and gap["position"] == 1
    assert [s["label"] for s in board["shots"]] == [
        "Shot 4", "Gap at frame 50", "Rise", "Fall", "Turn"]
    server.api("PATCH", f"/shots/{gap['id']}",
               json={"selected_take_id": board["shots"][0]["selected_take_id"]
                     or server.api("GET", f"/takes?shot_id={board['shots'][0]['id']}")
                     .json()["takes"][0]["id"]})
    gap_card.locator(".shot-takes-toggle").click()  # reloads the board
    page.wait_for_function("() => !document.querySelector('.shot-place-gap').disabled")
    page.click(".shot-place-gap")
    page.wait_for_function("() => window.__promptcutHostCalls.some(c => c.method === "
                           "'placeTrimmed')")
    [placed] = host_calls(page, "placeTrimmed")
    assert placed["track"] == 1 and placed["label"] == "Promptcut: fill gap"
    assert (placed["startTicks"], placed["endTicks"]) == (
        str(50 * TICKS_PER_FRAME_25), str(75 * TICKS_PER_FRAME_25))

    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "board-1280.png"))
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    page.set_viewport_size({"width": 320, "height": 820})
    page.wait_for_timeout(200)
    page.screenshot(path=str(SCREENSHOTS / "board-320.png"), full_page=True)
    assert page.evaluate(NO_SIDEWAYS_SCROLL), page.evaluate(SPILLING)
    page.set_viewport_size({"width": 1280, "height": 820})
    # The board's sequence: the cut imported through the host
    page.click("#board-assemble")
    page.wait_for_function("() => window.__promptcutHostCalls.some(c => c.method === "
                           "'importTimeline')", timeout=60_000)
    [imported] = host_calls(page, "importTimeline")
    assert imported["name"].endswith(".otio") and imported["size"] > 0

    assert page.errors == []


def test_culling_acts_on_the_selection_with_undo(browser_context, server):  # noqa: F811
    import uuid

    from test_panel_support import cards, search

    word = f"cull-{uuid.uuid4().hex[:6]}"
    takes = server.make_takes(3, prompt=f"a kite {word}", model="tiny", width=32, height=32,
                              num_frames=9, steps=1)
    page = open_panel(browser_context, server)
    search(page, word)
    cards(page, word).nth(2).wait_for()
    for i in (0, 1):
        cards(page, word).nth(i).locator(".select").click()
    cards(page, word).nth(0).locator(".star").nth(3).click()  # 4 stars, on both selected
    page.wait_for_function("""(w) => [...document.querySelectorAll('#gallery .take')]
        .filter(c => c.textContent.includes(w) && c.querySelectorAll('.star.on').length === 4)
        .length === 2""", arg=word)
    ratings = {t["id"]: server.api("GET", f"/takes/{t['id']}").json()["rating"] for t in takes}
    assert sorted(ratings.values()) == [0, 4, 4]
    page.keyboard.press("Control+z")
    page.wait_for_function("""(w) => [...document.querySelectorAll('#gallery .take')]
        .filter(c => c.textContent.includes(w) && c.querySelectorAll('.star.on').length)
        .length === 0""", arg=word)
    assert all(server.api("GET", f"/takes/{t['id']}").json()["rating"] == 0 for t in takes)
    # The keyboard cursor and the selection look different: a dashed ring, a tick
    cursor = page.locator("#gallery .take.cursor").first
    assert cursor.evaluate("e => getComputedStyle(e).outlineStyle") == "dashed"
    selected = page.locator("#gallery .take.selected").first
    assert selected.evaluate("e => getComputedStyle(e, '::after').content") == '"✓"'
    assert page.errors == []


def write_otio(path, rate: float, marker_frames: list[int], length: int) -> None:
    """A timeline as an editor's export holds it, written by OpenTimelineIO itself: one
    video track and sequence markers (on the timeline's stack) at `marker_frames`."""
    import opentimelineio as otio

    def at(frame: int):
        return otio.opentime.RationalTime(frame, rate)

    timeline = otio.schema.Timeline(name="Edit é", global_start_time=at(0))
    track = otio.schema.Track(name="V1")
    track.append(otio.schema.Gap(source_range=otio.opentime.TimeRange(at(0), at(length))))
    timeline.tracks.append(track)
    for i, f in enumerate(marker_frames):
        timeline.tracks.markers.append(otio.schema.Marker(
            name=f"beat {i + 1}", marked_range=otio.opentime.TimeRange(at(f), at(0))))
    otio.adapters.write_to_file(timeline, str(path))


def test_timeline_file_markers_become_cuts(browser_context, server, tmp_path):  # noqa: F811
    """In the browser (no Premiere): an .otio file's markers, at 29.97, become the board's
    shot boundaries at exactly their frames; a file without markers says so."""
    board = server.api("POST", "/boards", json={"name": "Markers é", "fps": 29.97}).json()
    marked = tmp_path / "cut é.otio"
    write_otio(marked, 30000 / 1001, [30, 1001, 107892], 108000)  # the last: an hour in
    bare = tmp_path / "bare.otio"
    write_otio(bare, 30000 / 1001, [], 300)
    page = open_panel(browser_context, server)
    page.click("#tab-board")
    page.wait_for_selector(f"#board-select option[value='{board['id']}']", state="attached")
    page.select_option("#board-select", board["id"])
    page.wait_for_function("() => document.querySelector('#board-summary')"
                           ".textContent.includes('0 shots')")
    page.set_input_files("#board-timeline-file", str(bare))
    page.locator(".toast.error", has_text="bare.otio has no markers").wait_for()
    assert server.api("GET", f"/boards/{board['id']}").json()["shots"] == []

    page.set_input_files("#board-timeline-file", str(marked))
    page.wait_for_function("() => document.querySelector('#board-summary')"
                           ".textContent.includes('3 shots')")
    page.locator(".toast.ok", has_text="3 markers of cut é.otio became cuts").wait_for()
    shots = server.api("GET", f"/boards/{board['id']}").json()["shots"]
    assert [s["start_frame"] for s in shots] == [0, 30, 1001]
    assert [s["frames"] for s in shots] == [30, 971, 107892 - 1001]
    assert page.errors == []


def test_takes_grouped_by_shot(browser_context, server):  # noqa: F811
    """The Takes view in sections per shot, in the board's shot order, then "No shot"; the
    keyboard and Shift+click follow the sections; switching back keeps the cards."""
    import uuid

    from test_panel_support import cards, search

    word = f"group-{uuid.uuid4().hex[:6]}"
    takes = server.make_takes(4, prompt=f"a pier {word}", model="tiny", width=32, height=32,
                              num_frames=9, steps=1)  # newest first in the flat grid: 3 2 1 0
    board = server.api("POST", "/boards", json={"name": f"Pier {word}", "shots": [
        {"label": "Opening", "prompt": "a pier"}, {"label": "Close-up", "prompt": "a rope"}],
    }).json()
    first, second = board["shots"]
    for shot, take in ((second, takes[0]), (first, takes[1]), (second, takes[2])):
        r = server.api("PATCH", f"/shots/{shot['id']}", json={"selected_take_id": take["id"]})
        assert r.status_code == 200, r.text  # the take joins the shot
    server.api("PATCH", f"/shots/{first['id']}", json={"label": "Opening wide"})
    page = open_panel(browser_context, server)
    search(page, word)
    cards(page, word).nth(3).wait_for()
    page.click("#group-by-shot")
    # Sections fill with their cards as they come near the screen (ui/take_blocks.js).
    page.wait_for_selector("#gallery .take-group[data-group='no-shot'] .take")
    groups = page.eval_on_selector_all("#gallery .take-group", """gs => gs.map(g => ({
        label: g.querySelector('.group-label').textContent,
        count: g.querySelector('.group-count').textContent,
        ids: [...g.querySelectorAll('.take')].map(c => c.dataset.takeId)}))""")
    assert groups == [
        {"label": "1. Opening wide", "count": "1 take", "ids": [takes[1]["id"]]},
        {"label": "2. Close-up", "count": "2 takes", "ids": [takes[2]["id"], takes[0]["id"]]},
        {"label": "No shot", "count": "1 take", "ids": [takes[3]["id"]]}]
    assert page.get_attribute("#group-by-shot", "aria-pressed") == "true"

    # Arrows walk the sections in the order shown; Shift+click selects a range of that order
    page.click(f"#gallery .take[data-take-id='{takes[1]['id']}'] .prompt")
    cursor = "() => document.querySelector('#gallery .take.cursor').dataset.takeId"
    walk = []
    for key in ("ArrowDown", "ArrowRight", "ArrowDown", "ArrowUp", "ArrowRight", "ArrowRight"):
        page.keyboard.press(key)
        walk.append(page.evaluate(cursor))
    # Down: the row below, nearest across (the next section's first row); Right: the order
    assert walk == [takes[i]["id"] for i in (2, 0, 3, 2, 0, 3)]
    page.click(f"#gallery .take[data-take-id='{takes[2]['id']}'] .prompt", modifiers=["Shift"])
    selected = page.eval_on_selector_all("#gallery .take.selected", "cs => cs.map(c => "
                                         "c.dataset.takeId)")
    assert selected == [takes[2]["id"], takes[0]["id"], takes[3]["id"]]
    assert page.evaluate("() => String(getSelection())") == ""  # cards, not text
    # Picking made takes 0-2 "picked"; P on the cursor's picked take unmarks the selection,
    # across the sections, and leaves the take outside it alone
    page.keyboard.press("p")
    page.wait_for_function("() => document.querySelectorAll('#gallery .take.picked').length"
                           " === 1")
    def statuses():
        return [server.api("GET", f"/takes/{t['id']}").json()["status"] for t in takes]

    assert statuses() == ["new", "picked", "new", "new"]
    page.keyboard.press("p")  # again: all three picked, "No shot" included
    page.wait_for_function("() => document.querySelectorAll('#gallery .take.picked').length"
                           " === 4")
    assert statuses() == ["picked"] * 4

    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "takes-grouped-1280.png"))
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    page.set_viewport_size({"width": 320, "height": 820})
    page.click("#tab-gallery")  # docked narrow: one view at a time
    page.wait_for_timeout(200)
    page.screenshot(path=str(SCREENSHOTS / "takes-grouped-320.png"), full_page=True)
    assert page.evaluate(NO_SIDEWAYS_SCROLL), page.evaluate(SPILLING)

    page.click("#group-by-shot")  # flat again, newest first, the same card elements
    page.wait_for_function("() => !document.querySelector('#gallery .take-group')"
                           " && document.querySelectorAll('#gallery .take').length >= 4")
    flat = page.eval_on_selector_all("#gallery .take", "cs => cs.map(c => c.dataset.takeId)")
    assert flat == [t["id"] for t in reversed(takes)]
    assert page.errors == []
