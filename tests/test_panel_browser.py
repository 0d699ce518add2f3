"""The panel in Debian's Chromium against a real bridge running the tiny model: what an
editor does in one sitting, from a prompt to a timeline file, plus re-roll and continue, a
shot list, and reorder, cancel and retry in the queue (pairing: test_panel_pairing.py)."""

from __future__ import annotations

import json
import re

import pytest
from test_panel_support import (  # noqa: F401
    SCREENSHOTS,
    browser_context,
    cards,
    generate,
    open_panel,
    search,
    unique,
)

pytestmark = pytest.mark.browser



def api_take(server, take_id: str) -> dict:
    return server.api("GET", f"/takes/{take_id}").json()


def card_ids(page, text: str) -> list[str]:
    return cards(page, text).evaluate_all("els => els.map(e => e.dataset.takeId)")



def test_generate_rate_pick_filter_compare_assemble(browser_context, server):  # noqa: F811
    page = open_panel(browser_context, server)
    # The token came in the fragment, is kept, and is gone from the address bar.
    assert "token" not in page.url
    assert page.evaluate("localStorage.getItem('promptcut.token')") == server.token

    # Record every progress line the queue shows, however briefly (tiny jobs are quick).
    page.evaluate("""() => { window.__progress = [];
        new MutationObserver(() => document.querySelectorAll('.job-meta').forEach(
            m => window.__progress.push(m.textContent))).observe(
            document.querySelector('#queue'),
            {subtree: true, childList: true, characterData: true});
    }""")
    word = unique("fox")
    generate(page, f"a red {word} in snow", takes=3, steps=8)
    search(page, word)
    cards(page, word).nth(2).wait_for(timeout=60_000)
    # Live progress: running jobs showed their phase, step count and ETA.
    seen = page.evaluate("window.__progress")
    assert any(re.search(r"denoising · step \d+/8", line) for line in seen), seen[-10:]
    assert cards(page, word).count() == 3
    ids = card_ids(page, word)
    # Every take of the batch has its own seed.
    assert len({api_take(server, i)["seed"] for i in ids}) == 3

    # Hover-scrub shows a filmstrip tile for the pointer's position.
    first = cards(page, word).nth(0)
    box = first.locator(".thumb").bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.9, box["y"] + 5)
    assert int(first.get_attribute("data-scrub-frame")) > 0

    # Keyboard: 4 stars and a pick on the first, a pick on the second, reject the third.
    first.locator(".prompt").click()
    page.keyboard.press("4")
    page.keyboard.press("p")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("p")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("x")
    page.wait_for_function(
        "(id) => document.querySelector(`.take[data-take-id='${id}']`)"
        ".dataset.status === 'rejected'", arg=ids[2])
    assert api_take(server, ids[0])["rating"] == 4
    assert [api_take(server, i)["status"] for i in ids] == ["picked", "picked", "rejected"]

    # Tags: typed on a card, stored by the bridge.
    tag_input = cards(page, word).nth(1).locator(".tag-input")
    tag_input.fill("hero")
    tag_input.press("Enter")
    page.wait_for_function("(id) => document.querySelector(`.take[data-take-id='${id}'] .tag`)",
                           arg=ids[1])
    assert api_take(server, ids[1])["tags"] == ["hero"]

    # Filters: status and rating narrow the gallery, through the bridge's own query.
    page.select_option("#filter-status", "picked")
    page.wait_for_function("() => document.querySelectorAll('#gallery .take').length === 2")
    page.select_option("#filter-rating", "4")
    page.wait_for_function("() => document.querySelectorAll('#gallery .take').length === 1")
    assert card_ids(page, word) == [ids[0]]
    page.select_option("#filter-rating", "")
    page.wait_for_function("() => document.querySelectorAll('#gallery .take').length === 2")

    # Compare the two picks side by side, playing in sync.
    cards(page, word).nth(0).locator(".prompt").click()
    cards(page, word).nth(1).locator(".prompt").click(modifiers=["Control"])
    page.click("#compare")
    assert page.locator("#compare-view video").count() == 2
    page.wait_for_function(
        """() => { const v = [...document.querySelectorAll('#compare-view video')];
                   return v.every(x => x.readyState >= 2 && !x.paused && x.currentTime > 0); }""")
    drift = page.evaluate("""() => {
        const v = [...document.querySelectorAll('#compare-view video')];
        return Math.abs(v[0].currentTime - v[1].currentTime); }""")
    assert drift < 0.3
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "panel-1280-compare.png"))
    page.keyboard.press("Escape")
    assert page.locator("#compare-view").count() == 0

    # Assemble the picks (no selection: every pick in view, oldest first) -> timeline file.
    page.keyboard.press("Escape")  # clear the selection
    with page.expect_download() as dl:
        page.click("#assemble")
    path = dl.value.path()
    assert dl.value.suggested_filename.endswith(".otio")
    timeline = json.loads(path.read_text(encoding="utf-8"))
    assert timeline["OTIO_SCHEMA"].startswith("Timeline")
    text = json.dumps(timeline)
    assert ids[0] in text and ids[1] in text and ids[2] not in text

    # Export the same cut as FCP7 XML.
    page.select_option("#export-format", "fcp7xml")
    with page.expect_download() as dl:
        page.click("#export-cut")
    assert dl.value.suggested_filename.endswith(".xml")
    assert "<xmeml" in dl.value.path().read_text(encoding="utf-8")

    # Space plays the focused take in place; again stops it.
    cards(page, word).nth(0).locator(".prompt").click()
    page.keyboard.press(" ")
    video = cards(page, word).nth(0).locator("video.inplace")
    video.wait_for()
    page.wait_for_function("(v) => v.currentTime > 0 && !v.paused", arg=video.element_handle())
    page.keyboard.press(" ")
    video.wait_for(state="detached")
    assert page.errors == []


def test_reroll_and_continue(browser_context, server):  # noqa: F811
    word = unique("reroll")
    [take] = server.make_takes(1, prompt=f"a kite {word}", steps=2)
    page = open_panel(browser_context, server)
    search(page, word)
    cards(page, word).locator(".prompt").click()
    page.click("#reroll")
    page.click("#continue")
    cards(page, word).nth(2).wait_for(timeout=60_000)
    jobs = [j for j in server.api("GET", "/jobs").json()["jobs"]
            if j["request"]["prompt"] == take["prompt"] and j["id"] != take["job_id"]]
    reroll = next(j for j in jobs if not j["request"].get("parent_take_id"))
    cont = next(j for j in jobs if j["request"].get("parent_take_id"))
    # Re-roll: the same settings with a new seed.
    assert reroll["request"]["seed"] != take["seed"]
    for key in ("model", "width", "height", "num_frames", "steps"):
        assert reroll["request"][key] == take["record"]["request"][key], key
    # Continue: holds on this take's last frames (continue_from; the last frame alone where
    # the model cannot) and says where it came from.
    held = cont["request"].get("video") or cont["request"]["init_image"]
    assert held["take_id"] == take["id"]
    assert cont["request"]["parent_take_id"] == take["id"]

    # Delete: the take leaves the gallery and the library (its files go to the trash).
    page.click("#clear-selection")
    cards(page, word).nth(0).locator(".select").click()
    assert page.text_content("#selection-info") == "1 selected"
    gone = cards(page, word).nth(0).get_attribute("data-take-id")
    asked = []
    page.once("dialog", lambda d: (asked.append(d.message), d.accept()))
    page.click("#delete")  # asks first
    page.locator(f".take[data-take-id='{gone}']").wait_for(state="detached")
    assert asked and "trash" in asked[0]
    assert server.api("GET", f"/takes/{gone}").status_code == 404
    page.click("#undo")  # back from the trash
    page.locator(f".take[data-take-id='{gone}']").wait_for()
    assert server.api("GET", f"/takes/{gone}").status_code == 200
    assert page.errors == []


def test_shot_list_makes_one_batch_per_shot(browser_context, server):  # noqa: F811
    page = open_panel(browser_context, server)
    a, b = unique("shot-a"), unique("shot-b")
    page.select_option("#model", "tiny")
    page.fill("#takes", "1")
    page.click("#fold-shotlist")
    # A file fills the list (one shot a line) ...
    page.set_input_files("#shot-file", files=[{
        "name": "shots.txt", "mimeType": "text/plain",
        "buffer": b"# opening\nfirst shot\nsecond shot\nthird shot\n"}])
    page.wait_for_function("() => document.querySelector('#shot-info').textContent === '3 shots'")
    # ... and so does pasting, here CSV with durations.
    page.fill("#shots", f'prompt,duration\n"{a}, wide",1\n{b},0.5\n')
    assert page.text_content("#shot-info") == "2 shots"
    page.click("#queue-shots")
    search(page, "shot-")
    cards(page, a).wait_for(timeout=60_000)
    cards(page, b).wait_for(timeout=60_000)
    jobs = [j for j in server.api("GET", "/jobs").json()["jobs"]
            if a in j["request"]["prompt"] or b in j["request"]["prompt"]]
    # Filter by batch: only shot A's take is left.
    batch_a = next(j["batch_id"] for j in jobs if a in j["request"]["prompt"])
    page.select_option("#filter-batch", batch_a)
    page.wait_for_function("() => document.querySelectorAll('#gallery .take').length === 1")
    assert cards(page, a).count() == 1
    assert len(jobs) == 2 and len({j["batch_id"] for j in jobs}) == 2
    frames = {j["request"]["prompt"]: j["request"]["num_frames"] for j in jobs}
    # Durations snap to what the model can do (8k+1 frames at 24 fps).
    assert frames[f"{a}, wide"] == 25 and frames[b] == 9
    assert page.errors == []


def test_reorder_cancel_and_retry(browser_context, server):  # noqa: F811
    page = open_panel(browser_context, server)
    word = unique("slow")
    generate(page, word, takes=1, steps=200, longest=True)
    row = page.locator(".job[data-status=running]", has_text=word)
    row.wait_for(timeout=60_000)

    # Two more wait behind it; moving the second up changes the queue order on the bridge.
    waiting = [server.submit(prompt=f"{unique('wait')} {i}", steps=2)["jobs"][0]["id"]
               for i in range(2)]
    second = page.locator(f".job[data-job-id='{waiting[1]}']")
    second.locator("button.move-up").click()
    page.wait_for_function(
        """(ids) => { const q = [...document.querySelectorAll('.job[data-status=queued]')]
                      .map(e => e.dataset.jobId).filter(id => ids.includes(id));
                      return q[0] === ids[1]; }""", arg=waiting)
    prio = [server.api("GET", f"/jobs/{j}").json()["priority"] for j in waiting]
    assert prio[1] > prio[0]
    for j in waiting:
        server.api("POST", f"/jobs/{j}/cancel")
    row.locator("button.cancel").click()
    # Until the device has finished the step it is in, the row says it is stopping (the
    # bridge's `stopping`); then it is a plain cancelled job, and the device is free.
    page.wait_for_function("""(w) => [...document.querySelectorAll('.job.stopping')].some(
        e => e.textContent.includes(w) && e.textContent.includes('Stopping after this step'))""",
                           arg=word)
    page.locator(".job[data-status=cancelled]:not(.stopping)", has_text=word).wait_for(
        timeout=60_000)
    assert "Stopping" not in page.locator(".job", has_text=word).inner_text()
    job_id = page.locator(".job", has_text=word).get_attribute("data-job-id")
    job = server.api("GET", f"/jobs/{job_id}").json()
    assert job["status"] == "cancelled" and job["take_id"] is None
    # Retry offers the same request again.
    page.locator(".job", has_text=word).locator("button.retry").click()
    active = ".job[data-status=queued], .job[data-status=running]"
    page.locator(active, has_text=word).first.wait_for()
    again = [j for j in server.api("GET", "/jobs").json()["jobs"]
             if j["request"]["prompt"] == word and j["id"] != job_id]
    assert again and again[0]["request"]["seed"] == job["request"]["seed"]
    server.api("POST", f"/jobs/{again[0]['id']}/cancel")
    assert page.errors == []
