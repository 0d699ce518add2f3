"""The Board's grid editor, click track and animatic in Chromium against a real bridge: bar 1
put by a click on the waveform, a nudge in milliseconds, a tempo from a chosen bar, the
meter, each undone with Ctrl+Z; the click track's clicks on the grid's beats (read from the
player module the page runs); the animatic's picture at a time (the pick, or black with the
shot's name); screenshots at 320 and 1280 px."""

from __future__ import annotations

import pytest
from test_panel_a11y import axe
from test_panel_support import SCREENSHOTS, browser_context, open_panel  # noqa: F401

from tests import drums

pytestmark = pytest.mark.browser
NO_SIDEWAYS_SCROLL = "() => document.documentElement.scrollWidth <= window.innerWidth"
CLICKS = "async () => (await import('/panel/src/boards/player.js')).scheduledClicks()"


@pytest.fixture(scope="module")
def board(server, tmp_path_factory):
    """A board at 25 fps on 8 bars of drums at 120 BPM: 4 shots of 2 bars, the first picked.
    The song's bytes are test_boards_panel.py's, so a session's bridge analyses them once."""
    path = drums.write(tmp_path_factory.mktemp("grid") / "grid song é.wav",
                       drums.pattern(120.0, 17.0)[0])
    with open(path, "rb") as f:
        song = server.api("POST", "/songs", files={"file": (path.name, f)}, timeout=600)
    assert song.status_code == 201, song.text
    made = server.api("POST", "/boards", json={
        "name": "Grid é", "fps": 25, "song_id": song.json()["id"], "bars_per_shot": 2,
        "shots": [{"label": "Lighthouse", "prompt": "a lighthouse"},
                  {"label": "Rain gap", "prompt": "rain"}]})
    assert made.status_code == 201, made.text
    b = made.json()
    [take] = server.make_takes(1, prompt="grid pick", model="tiny", width=32, height=32,
                               num_frames=9, steps=1)
    r = server.api("PATCH", f"/shots/{b['shots'][0]['id']}",
                   json={"selected_take_id": take["id"]})
    assert r.status_code == 200, r.text
    return server.api("GET", f"/boards/{b['id']}").json()


def now(server, b) -> dict:
    return server.api("GET", f"/boards/{b['id']}").json()


def open_board(browser_context, server, b, width=1280):  # noqa: F811
    server.api("PATCH", f"/boards/{b['id']}", json={"grid": None})  # as detected
    page = open_panel(browser_context, server, width=width)
    page.click("#tab-board")
    page.wait_for_selector(f"#board-select option[value='{b['id']}']", state="attached")
    page.select_option("#board-select", b["id"])
    page.wait_for_function("() => document.querySelector('#board-summary')"
                           ".textContent.includes('BPM')")
    return page


def wait_grid(page, server, b, check, what=""):
    """The bridge's board once `check` holds (the panel's PATCH has landed)."""
    for _ in range(100):
        board = now(server, b)
        if check(board):
            return board
        page.wait_for_timeout(50)
    raise AssertionError(f"{what}: {board['grid']}")


def test_grid_editor_bar_one_nudge_tempo_meter_each_undone(browser_context, server, board):  # noqa: F811
    page = open_board(browser_context, server, board)
    page.click("#grid-open")
    before = now(server, board)["song"]
    beats, downs = before["beats"], before["downbeats"]
    assert before["beats_per_bar"] == 4 and abs(downs[1] - beats[4]) < 1e-6

    # Bar 1 by a click on the waveform: on beat 6 (the 2nd beat of bar 2 as found)
    page.click("#grid-place")
    box = page.locator("#board-wave").bounding_box()
    span = max(before["duration_s"], now(server, board)["duration_s"])
    page.mouse.click(box["x"] + beats[5] / span * box["width"], box["y"] + box["height"] / 2)
    moved = wait_grid(page, server, board, lambda x: x["grid"]["first_downbeat_s"] is not None,
                      "bar 1 click")["song"]
    assert min(abs(d - beats[5]) for d in moved["downbeats"]) < 0.01
    assert all(min(abs(d - b) for b in beats[1::4]) < 0.01 for d in moved["downbeats"])
    assert page.get_attribute("#grid-place", "aria-pressed") == "false"
    # Ctrl+Z in the Board view: the board's undo (not the Takes view's)
    page.focus("#grid-place")
    page.keyboard.press("Control+z")
    back = wait_grid(page, server, board, lambda x: x["grid"]["first_downbeat_s"] is None,
                     "undo bar 1")
    assert back["song"]["downbeats"] == downs

    # Nudge by milliseconds: every downbeat moves by exactly that much
    page.click("#grid-nudge-p10")
    nudged = wait_grid(page, server, board, lambda x: x["grid"]["offset_ms"] == 10, "+10")
    assert nudged["song"]["downbeats"][0] == pytest.approx(downs[0] + 0.010, abs=1e-4)
    page.click("#grid-nudge-m1")
    nudged = wait_grid(page, server, board, lambda x: x["grid"]["offset_ms"] == 9, "-1")
    assert nudged["song"]["downbeats"][3] == pytest.approx(downs[3] + 0.009, abs=1e-4)
    page.fill("#grid-offset", "-25")
    page.keyboard.press("Tab")
    nudged = wait_grid(page, server, board, lambda x: x["grid"]["offset_ms"] == -25, "typed")
    assert nudged["song"]["downbeats"][2] == pytest.approx(downs[2] - 0.025, abs=1e-4)
    page.focus("#grid-nudge-p10")
    page.keyboard.press("Control+z")
    wait_grid(page, server, board, lambda x: x["grid"]["offset_ms"] == 9, "undo typed")
    server.api("PATCH", f"/boards/{board['id']}", json={"grid": {"offset_ms": 0}})

    # 100 BPM from bar 3: bar 3 stays where it was, the bars after run at 100
    page.fill("#grid-from-tempo", "100")
    page.fill("#grid-from-bar", "3")
    page.click("#grid-from-set")
    slower = wait_grid(page, server, board, lambda x: x["grid"]["tempo_from_bar"] == 3,
                       "tempo from bar")["song"]
    assert slower["downbeats"][2] == pytest.approx(downs[2], abs=1e-3)
    assert slower["downbeats"][1] == pytest.approx(downs[1], abs=1e-3)
    assert slower["downbeats"][3] - slower["downbeats"][2] == pytest.approx(4 * 0.6, abs=1e-3)
    assert [round(bpm) for _, bpm in slower["tempo_map"]] == [120, 100]
    page.wait_for_function("() => document.querySelector('#grid-tempo-map').textContent"
                           ".includes('100 BPM from bar 3')")

    # The meter: 3 beats a bar, downbeats every third beat
    page.select_option("#grid-meter", "3")
    waltz = wait_grid(page, server, board, lambda x: x["grid"]["beats_per_bar"] == 3,
                      "meter")["song"]
    assert waltz["beats_per_bar"] == 3
    i = waltz["beats"].index(waltz["downbeats"][0])
    assert waltz["downbeats"][1:4] == waltz["beats"][i + 3:i + 12:3]
    page.click("#board-undo")  # the button does what Ctrl+Z does
    wait_grid(page, server, board, lambda x: x["grid"]["beats_per_bar"] is None, "undo meter")
    assert page.errors == []
    page.close()


def test_click_track_clicks_on_the_grid_beats(browser_context, server, board):  # noqa: F811
    server.api("PATCH", f"/boards/{board['id']}", json={"grid": None})
    page = open_board(browser_context, server, board)
    page.click("#grid-open")
    page.click("#grid-nudge-p10")  # the clicks follow the grid as corrected
    song = wait_grid(page, server, board, lambda x: x["grid"]["offset_ms"] == 10, "+10")["song"]
    page.focus("#click-track")
    page.keyboard.press("m")  # the click track: the song plays, its beats click
    for _ in range(200):  # the song decodes, then its first four beats are scheduled
        if len(page.evaluate(CLICKS)) >= 4:
            break
        page.wait_for_timeout(50)
    page.keyboard.press("k")  # stop
    assert page.get_attribute("#play-toggle", "aria-pressed") == "false"
    clicks = page.evaluate(CLICKS)
    heard = [c["song_s"] for c in clicks]
    assert heard == song["beats"][:len(heard)]  # from the start, every beat of the grid
    assert [c["accent"] for c in clicks] == [t in song["downbeats"] for t in heard]
    assert any(c["accent"] for c in clicks) and not all(c["accent"] for c in clicks)
    # On the audio clock each click sounds its beat's time after playing started
    for c in clicks:
        assert c["audio_s"] - c["started_s"] == pytest.approx(c["song_s"], abs=1e-6)
    assert page.errors == []
    page.close()


def test_animatic_shows_the_pick_then_black_with_the_name(browser_context, server, board):  # noqa: F811
    page = open_board(browser_context, server, board)
    page.click("#animatic-open")
    page.click("#grid-open")
    b = now(server, board)
    first, second = b["shots"][0], b["shots"][1]
    scrub = "(t) => { const s = document.querySelector('#board-scrub'); s.value = t; " \
            "s.dispatchEvent(new Event('input', {bubbles: true})); }"
    page.evaluate(scrub, first["start_s"] + 0.2)
    page.wait_for_function("() => !document.querySelector('#anim-video').hidden")
    src = page.eval_on_selector("#anim-video", "v => v.getAttribute('src')")
    assert src.split("?")[0].endswith(first["pick"]["media_url"].split("?")[0])
    assert page.get_attribute("#anim-screen", "data-take-id") == first["pick"]["id"]
    page.wait_for_function("() => Math.abs(document.querySelector('#anim-video').currentTime"
                           " - 0.2) < 0.05")
    assert page.is_hidden("#anim-gap")
    # Past the end of the pick (9 frames, shorter than the shot): black, the shot's name
    page.evaluate(scrub, first["start_s"] + first["seconds"] - 0.1)
    page.wait_for_function("() => !document.querySelector('#anim-gap').hidden")
    assert page.text_content("#anim-gap-name") == "Lighthouse"
    # A shot without a pick: black with its name
    page.evaluate(scrub, second["start_s"] + 0.5)
    page.wait_for_function("() => document.querySelector('#anim-gap-name').textContent"
                           " === 'Rain gap'")
    assert page.is_hidden("#anim-video")
    assert page.text_content("#anim-gap-why") == "no pick yet"
    # A click on the waveform scrubs too
    box = page.locator("#board-wave").bounding_box()
    total = max(b["song"]["duration_s"], b["duration_s"])
    page.mouse.click(box["x"] + (first["start_s"] + 0.1) / total * box["width"] + 1,
                     box["y"] + 10)
    page.wait_for_function("() => !document.querySelector('#anim-video').hidden")
    # Loop the shot (the one just chosen on the waveform), play: the song stays in it
    page.evaluate(scrub, second["start_s"] + 0.5)
    page.focus("#loop-shot")
    page.keyboard.press("l")
    assert page.get_attribute("#loop-shot", "aria-pressed") == "true"
    page.wait_for_function("(t) => Number(document.querySelector('#board-scrub').value) === t",
                           arg=first["start_s"])
    page.keyboard.press("k")
    page.wait_for_function("() => document.querySelector('#play-toggle').textContent === 'Stop'")
    page.wait_for_timeout(300)
    playing = page.eval_on_selector("#board-scrub", "s => Number(s.value)")
    assert first["start_s"] < playing < first["start_s"] + first["seconds"]
    page.keyboard.press("k")
    page.keyboard.press("l")
    assert page.get_attribute("#loop-shot", "aria-pressed") == "false"

    # A tempo change, for the tempo map on the waveform and under the grid editor
    page.fill("#grid-from-tempo", "96")
    page.fill("#grid-from-bar", "5")
    page.click("#grid-from-set")
    page.wait_for_function("() => document.querySelector('#grid-tempo-map').textContent"
                           ".includes('96 BPM from bar 5')")
    page.click("#grid-place")  # placing bar 1: the waveform shows it takes the click

    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "board-grid-animatic-1280.png"), full_page=True)
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    assert axe(page) == []  # the grid editor, the transport and the animatic, by WCAG 2.1 AA
    page.set_viewport_size({"width": 320, "height": 820})
    page.wait_for_timeout(200)
    page.screenshot(path=str(SCREENSHOTS / "board-grid-animatic-320.png"), full_page=True)
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    assert axe(page) == []
    page.keyboard.press("Escape")  # placing ends
    assert page.get_attribute("#grid-place", "aria-pressed") == "false"
    assert page.errors == []
    page.close()
