"""The Board view as a workbench, in Chromium against a real bridge: a shot's length typed in
bars (read back in seconds from the API), its label and notes in the same edit, undo and redo
of board edits across a reload (Ctrl+Z / Ctrl+Shift+Z), rename and duplicate a board; the
pick's rating, hover play and the short-pick warning on a card; the board's model is a ready
one; the key row only for providers; Assemble as EDL with a locator per shot name."""

from __future__ import annotations

import uuid

import pytest
from test_panel_support import SCREENSHOTS, browser_context, cards, open_panel, search  # noqa: F401

from tests import drums

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def song_id(server, tmp_path_factory):
    """A song of 4 bars at 120 BPM (one bar: 2 s), analysed once for the module."""
    path = drums.write(tmp_path_factory.mktemp("song") / "beat é.wav",
                       drums.pattern(120.0, 9.0)[0])
    with path.open("rb") as f:
        r = server.api("POST", "/songs", files={"file": (path.name, f, "audio/wav")},
                       timeout=180)
    assert r.status_code in (200, 201), r.text
    return r.json()["id"]


def open_board(browser_context, server, board_id: str, width: int = 1280):  # noqa: F811
    page = open_panel(browser_context, server, width=width)
    page.click("#tab-board")
    page.wait_for_selector(f"#board-select option[value='{board_id}']", state="attached")
    page.select_option("#board-select", board_id)
    page.wait_for_function("(id) => document.querySelector('#board-select').value === id "
                           "&& document.querySelector('#board-shots .shot')", arg=board_id)
    return page


def board(server, board_id: str) -> dict:
    return server.api("GET", f"/boards/{board_id}").json()


def test_edit_in_place_undo_across_a_reload(browser_context, server, song_id):  # noqa: F811
    made = server.api("POST", "/boards", json={"name": "Edit é", "fps": 25, "song_id": song_id,
                                               "shots": [{"label": "Rise"}, {"label": "Fall"}]})
    b = made.json()
    page = open_board(browser_context, server, b["id"])
    first = page.locator("#board-shots .shot").nth(0)
    first.locator(".shot-edit").click()
    # Beats and bars are offered: the board has a song
    assert page.eval_on_selector_all(".shot-edit-unit option", "os => os.map(o => o.value)") \
        == ["s", "frames", "beats", "bars"]
    first.locator(".shot-edit-length").fill("1")
    first.locator(".shot-edit-unit").select_option("bars")
    first.locator(".shot-edit-label").fill("Rise up")
    first.locator(".shot-edit-notes").fill("slow push in")
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "board-edit-1280.png"))
    page.set_viewport_size({"width": 320, "height": 820})
    first.locator(".shot-edit-save").scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "board-edit-320.png"))
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    page.set_viewport_size({"width": 1280, "height": 820})
    first.locator(".shot-edit-save").click()
    page.wait_for_function("() => !document.querySelector('.shot-editor') && document"
                           ".querySelector('#board-shots .shot .shot-label').value === 'Rise up'")
    after = board(server, b["id"])
    shot = after["shots"][0]
    downbeats = after["song"]["downbeats"]
    bar = round(downbeats[1] * 25) - round(downbeats[0] * 25)
    assert shot["duration"] == {"value": 1, "unit": "bars"}
    assert shot["frames"] == bar and shot["seconds"] == pytest.approx(bar / 25)
    assert 1.9 < shot["seconds"] < 2.1  # one bar at 120 BPM
    assert (shot["label"], shot["notes"]) == ("Rise up", "slow push in")
    assert after["undo_steps"] == 1  # one edit, one step

    # Delete the second shot, reload the panel, Ctrl+Z brings it back
    page.locator("#board-shots .shot").nth(1).locator(".shot-delete").click()
    page.wait_for_function("() => document.querySelectorAll('#board-shots .shot').length === 1")
    page.close()
    page = open_board(browser_context, server, b["id"])
    page.locator("#board-undo:not([disabled])").wait_for()
    page.locator("#board-shots .shot").first.focus()
    page.keyboard.press("Control+z")
    page.wait_for_function("() => document.querySelectorAll('#board-shots .shot').length === 2")
    assert [s["label"] for s in board(server, b["id"])["shots"]] == ["Rise up", "Fall"]
    page.keyboard.press("Control+z")  # the edit: length, label and notes at once
    page.wait_for_function("() => document.querySelector('#board-shots .shot .shot-label')"
                           ".value === 'Rise'")
    undone = board(server, b["id"])["shots"][0]
    assert (undone["duration"], undone["notes"]) == (None, "")
    page.keyboard.press("Control+Shift+z")
    page.wait_for_function("() => document.querySelector('#board-shots .shot .shot-label')"
                           ".value === 'Rise up'")
    assert board(server, b["id"])["shots"][0]["duration"] == {"value": 1, "unit": "bars"}

    # Rename and duplicate from the board's menu
    page.once("dialog", lambda d: d.accept("Edit two"))
    page.click("#board-menu summary")
    page.click("#board-rename")
    page.wait_for_function("() => document.querySelector('#board-select option:checked')"
                           ".textContent === 'Edit two'")
    assert board(server, b["id"])["name"] == "Edit two"
    page.click("#board-menu summary")
    page.click("#board-duplicate")
    page.wait_for_function("(id) => document.querySelector('#board-select').value !== id",
                           arg=b["id"])
    copy = board(server, page.eval_on_selector("#board-select", "s => s.value"))
    assert copy["name"] == "Edit two copy"
    assert [s["label"] for s in copy["shots"]] == ["Rise up", "Fall"]

    # The editor's model is kept with the board: another one chosen is there after a reload
    other = page.eval_on_selector("#board-model", "s => [...s.options].map(o => o.value)"
                                  ".find(v => v !== s.value)")
    page.select_option("#board-model", other)
    page.wait_for_function("() => document.querySelector('#board-undo') && !document"
                           ".querySelector('#board-undo').disabled")
    assert board(server, copy["id"])["defaults"]["model"] == other
    page.close()
    page = open_board(browser_context, server, copy["id"])
    page.wait_for_function("(m) => document.querySelector('#board-model').value === m",
                           arg=other)

    # Export the board's shot list, then delete the copy (its takes stay)
    page.click("#board-menu summary")
    with page.expect_download() as info:
        page.click("#board-export")
    assert info.value.suggested_filename == "Edit two copy.csv"
    assert "Rise up" in info.value.path().read_text(encoding="utf-8")
    page.once("dialog", lambda d: d.accept())
    page.click("#board-menu summary")
    page.click("#board-delete")
    page.wait_for_function("(id) => !document.querySelector(`#board-select option[value='${id}']`)",
                           arg=copy["id"])
    assert server.api("GET", f"/boards/{copy['id']}").status_code == 404
    assert page.errors == []


def test_cards_model_key_row_and_assemble_edl(browser_context, server):  # noqa: F811
    word = f"gull-{uuid.uuid4().hex[:6]}"
    takes = server.make_takes(2, prompt=f"a gull over the pier {word}", width=32, height=32,
                              num_frames=9, steps=1)
    for take in takes:
        server.api("PATCH", f"/takes/{take['id']}", json={"rating": 4})
    made = server.api("POST", "/boards", json={"name": "Cards é", "fps": 24, "shots": [
        {"label": "Gull", "prompt": "a gull", "duration": {"value": 9, "unit": "frames"}},
        {"label": "Pier", "prompt": "a pier", "duration": {"value": 1, "unit": "s"}}]}).json()
    gull, pier = made["shots"]
    for shot, take in zip((gull, pier), takes, strict=True):
        r = server.api("PATCH", f"/shots/{shot['id']}", json={"selected_take_id": take["id"]})
        assert r.status_code == 200, r.text
    page = open_board(browser_context, server, made["id"])
    shots = page.locator("#board-shots .shot")
    shots.nth(1).locator(".shot-short").wait_for()
    # The rating on both cards; only the second pick (9 frames in a 1 s shot) is short
    assert shots.nth(0).locator(".shot-rating").get_attribute("aria-label") == "Rated 4 of 5"
    assert shots.nth(0).locator(".shot-short").count() == 0
    short = int((1 - 9 / 24) * 100 + 0.5) / 100  # 0.625 s, to the hundredth
    assert shots.nth(1).locator(".shot-short").inner_text().startswith(
        f"Pick is {short:.2f}".rstrip("0") + " s short")
    assert shots.nth(1).locator(".shot-extend").is_visible()
    assert shots.nth(1).locator(".shot-longer").is_visible()

    # Hover plays the pick, muted and looping; leaving brings the still back
    shots.nth(0).locator(".shot-media").hover()
    video = shots.nth(0).locator("video.shot-pick-video")
    video.wait_for()
    assert video.evaluate("v => v.muted && v.loop && v.src.includes('/media/')")
    page.wait_for_function("() => document.querySelector('video.shot-pick-video')"
                           ".currentTime > 0 || document.querySelector('video.shot-pick-video')"
                           ".readyState >= 2")
    page.mouse.move(1, 1)
    page.wait_for_function("() => !document.querySelector('video.shot-pick-video')")
    # ...and V on the focused card does the same for the keyboard
    shots.nth(1).focus()
    page.keyboard.press("v")
    shots.nth(1).locator("video.shot-pick-video").wait_for()

    # The board's model is a ready one; the choice is kept with the board
    models = {m["name"]: m for m in server.api("GET", "/models").json()["models"]}
    chosen = page.eval_on_selector("#board-model", "s => s.value")
    assert models[chosen]["state"] == "ready", chosen

    # Assemble as EDL: a download whose locators carry the shot names
    page.select_option("#board-assemble-format", "edl")
    SCREENSHOTS.mkdir(exist_ok=True)
    page.click("#board-menu summary")  # the board's menu open, for the screenshots
    page.screenshot(path=str(SCREENSHOTS / "board-cards-1280.png"))
    page.set_viewport_size({"width": 320, "height": 820})
    page.wait_for_timeout(200)
    page.screenshot(path=str(SCREENSHOTS / "board-cards-320.png"), full_page=True)
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    page.set_viewport_size({"width": 1280, "height": 820})
    page.click("#board-menu summary")
    with page.expect_download() as info:
        page.click("#board-assemble")
    edl = info.value.path().read_text(encoding="utf-8")
    assert info.value.suggested_filename == "Cards é.edl"
    locators = [line for line in edl.splitlines() if line.startswith("* LOC:")]
    # CMX3600 is upper case: a locator per event, named after its shot
    assert [line.split()[-1] for line in locators[:2]] == ["GULL", "PIER"]
    page.locator(".toast", has_text="saved Cards é.edl").wait_for()

    # Extend: a take that continues the short pick, for its shot
    shots.nth(1).locator(".shot-extend").click()
    page.locator(".toast", has_text="Queued a continuation").wait_for()
    jobs = server.api("GET", "/jobs").json()["jobs"]
    job = next(j for j in jobs if j["request"].get("parent_take_id") == takes[1]["id"])
    assert (job["request"]["num_frames"] - 1) % 8 == 0  # on the tiny model's frame rule
    # ...done and picked, the pick and the take it continues cover the shot: no warning
    [done] = server.wait_jobs([job["id"]])
    assert done["status"] == "done", done
    server.api("PATCH", f"/shots/{pier['id']}", json={"selected_take_id": done["take_id"]})
    assert board(server, made["id"])["shots"][1]["pick_short_frames"] == 0
    page.locator("#board-undo").focus()
    page.keyboard.press("Control+z")  # back to the short pick...
    shots.nth(1).locator(".shot-short").wait_for()
    page.keyboard.press("Control+Shift+z")  # ...and to the chain
    page.wait_for_function("() => !document.querySelector('.shot-short')")

    # The Takes view: Export cut says what it makes, and offers the board's cut
    page.click("#tab-gallery")
    search(page, word)
    cards(page, word).nth(1).wait_for()
    assert "untrimmed" in page.get_attribute("#export-cut", "title")
    for i in (0, 1):
        cards(page, word).nth(i).locator(".select").click()
    page.wait_for_selector("#export-board-cut", state="visible")
    page.select_option("#export-format", "fcpxml")
    with page.expect_download() as info:
        page.click("#export-board-cut")
    assert info.value.suggested_filename.startswith("Cards é.")
    with page.expect_download() as info:
        page.click("#export-cut")
    page.locator(".toast", has_text="2 takes, untrimmed, in order").wait_for()

    # The provider key row: hidden for a local model, shown for a provider's
    provider = next(n for n, m in models.items() if m.get("provider"))
    if page.is_visible("#tab-generate"):
        page.click("#tab-generate")
    page.select_option("#model", "tiny")
    assert not page.is_visible("#provider-key-row")
    page.select_option("#model", provider)
    page.wait_for_selector("#provider-key-row", state="visible")
    assert page.errors == []
