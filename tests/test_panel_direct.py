"""Directing shots from the panel, in Chromium against a real bridge: Continue names the take
(`continue_from`) and keeps its shot; a shot's Direct drawer offers keyframes only where the
shot's model takes them (and says why not elsewhere), and a keyframe placed on bar 2 reaches
the take's request as a bar place; the board's Look is kept in the board's defaults (undoable)
and reaches the queued job without the panel adding it, a shot's own look wins, a refused
look is shown next to the section; Finish and Finish all show the bridge's estimate before
they queue. Screenshots at 320 and 1280 px."""

from __future__ import annotations

import json

import pytest
from PIL import Image
from test_panel_support import SCREENSHOTS, browser_context, open_panel  # noqa: F401

from tests import drums

pytestmark = pytest.mark.browser
NO_SIDEWAYS_SCROLL = "() => document.documentElement.scrollWidth <= window.innerWidth"
SPILLING = """() => [...document.querySelectorAll('body *')].filter(e =>
    e.getBoundingClientRect().right > window.innerWidth + 1).slice(0, 8)
    .map(e => `${e.tagName}.${e.className}#${e.id}`)"""
SMALL = {"model": "tiny", "steps": 1, "width": 32, "height": 32}


@pytest.fixture(scope="module")
def board(server, tmp_path_factory):
    """A board with a song (8 bars at 120 BPM), two shots of 2 bars, and one take of the
    first shot made with the tiny model."""
    song = drums.write(tmp_path_factory.mktemp("direct") / "song é.wav",
                       drums.pattern(120.0, 17.0)[0])
    with song.open("rb") as f:
        up = server.api("POST", "/songs", files={"file": (song.name, f.read())})
    assert up.status_code in (200, 201), up.text
    made = server.api("POST", "/boards", json={"name": "Direct é", "song_id": up.json()["id"],
                                               "defaults": {"steps": 1}})
    assert made.status_code == 201, made.text
    b = made.json()
    filled = server.api("POST", f"/boards/{b['id']}/fill", json={"bars_per_shot": 2})
    assert filled.status_code in (200, 201), filled.text
    shots = filled.json()["shots"][:2]
    for i, s in enumerate(shots):
        server.api("PATCH", f"/shots/{s['id']}", json={"prompt": f"shot {i + 1} of a test"})
    take = server.make_takes(1, prompt="the first take", num_frames=17, shot_id=shots[0]["id"],
                             **SMALL)[0]
    assert take["shot_id"] == shots[0]["id"]
    return {"id": b["id"], "shots": shots, "take": take}


def tiny_ltx_lora(server, path):
    """A rank-2 LoRA on the first attention block of the tiny LTX twin, written straight
    from its transformer's sizes (no pipeline loaded: only the panel's handling is tested
    here; tests/test_looks_loras.py proves what a LoRA does to a take)."""
    import numpy as np
    from safetensors.numpy import save_file

    from bridge.config import Settings
    from bridge.generators.tiny import ensure_tiny

    folder = ensure_tiny(Settings(data_dir=server.data_dir).models_dir, "ltx")
    config = json.loads((folder / "transformer" / "config.json").read_text(encoding="utf-8"))
    inner = config["num_attention_heads"] * config["attention_head_dim"]
    rng = np.random.default_rng(1)
    layer = "transformer.transformer_blocks.0.attn1.to_q"
    save_file({f"{layer}.lora_A.weight": rng.standard_normal((2, inner), dtype=np.float32),
               f"{layer}.lora_B.weight": rng.standard_normal((inner, 2), dtype=np.float32)},
              str(path))
    return path


def posted(page, path_part: str, action) -> dict:
    """The JSON body of the POST the panel sends to a path containing `path_part`."""
    with page.expect_request(lambda r: r.method == "POST" and path_part in r.url) as req:
        action()
    return json.loads(req.value.post_data or "{}")


def cancel_all(server, jobs) -> None:
    for j in jobs:
        server.api("POST", f"/jobs/{j['id']}/cancel")


def open_board(browser_context, server, width=1280):  # noqa: F811
    page = open_panel(browser_context, server, width=width)
    page.click("#tab-board")
    page.locator("#board-shots .shot").nth(1).wait_for()
    return page


def open_drawer(page, n: int):
    card = page.locator("#board-shots .shot").nth(n)
    card.locator(".shot-direct-toggle").click()
    page.locator(".direct").wait_for()
    return page.locator(".direct")


def test_continue_names_the_take_and_keeps_its_shot(browser_context, server, board):  # noqa: F811
    take = board["take"]
    page = open_panel(browser_context, server)
    page.click("#tab-gallery")
    card = page.locator(f"#gallery .take[data-take-id='{take['id']}']")
    card.locator(".prompt").click()
    with page.expect_response(lambda r: r.request.method == "POST"
                              and r.url.endswith("/jobs")) as answer:
        page.click("#continue")
    body = json.loads(answer.value.request.post_data or "{}")
    assert body["continue_from"] == take["id"] and body["shot_id"] == take["shot_id"]
    assert "init_image" not in body and "parent_take_id" not in body
    [cont] = answer.value.json()["jobs"]
    page.locator(".toast", has_text="from the last 9 frames").first.wait_for()
    reroll = posted(page, "/jobs", lambda: page.click("#reroll"))
    assert reroll["shot_id"] == take["shot_id"] and "seed" not in reroll
    # The continuation is made, held on the take's last frames, for the same shot and board.
    done = server.wait_jobs([cont["id"]], timeout=180)
    made = server.api("GET", f"/takes/{done[0]['take_id']}").json()
    assert (made["shot_id"], made["board_id"]) == (take["shot_id"], take["board_id"])
    assert made["record"]["request"]["video"]["take_id"] == take["id"]
    assert page.errors == []
    page.close()


def test_drawer_offers_keyframes_only_where_the_model_takes_them(browser_context, server,  # noqa: F811
                                                                 board, tmp_path):
    shot = board["shots"][1]
    server.api("PATCH", f"/shots/{shot['id']}", json={"model": "tiny-wan"})
    page = open_board(browser_context, server)
    drawer = open_drawer(page, 1)
    why = drawer.locator(".direct-key-why")
    assert "cannot take keyframes" in why.inner_text()
    assert not drawer.locator(".direct-key-add").is_visible()
    # Wan retakes by video-to-video (GET /models retake_route): offered, said as such.
    assert "following its motion" in drawer.locator(".direct-retake-why").inner_text()
    # The tiny LTX takes keyframes at any frame: the form is there, bars on the song's grid.
    drawer.locator(".shot-dx-model").select_option("tiny")
    page.wait_for_function("() => !document.querySelector('.direct-key-add').hidden")
    assert "any frame" in why.inner_text()
    image = tmp_path / "key é.png"
    Image.new("RGB", (32, 32), (20, 160, 90)).save(image)
    drawer.locator(".shot-dx-source").select_option("upload")
    drawer.locator(".shot-dx-file").set_input_files(str(image))
    drawer.locator(".shot-dx-unit").select_option("bar")
    drawer.locator(".shot-dx-at").fill("2")
    patch = {}
    page.on("request", lambda r: r.method == "PATCH" and "/shots/" in r.url
            and patch.update(json.loads(r.post_data or "{}")))
    drawer.locator(".shot-dx-add").click()
    page.locator(".direct-key").first.wait_for()
    assert "bar 2" in drawer.locator(".direct-key").first.inner_text()
    # On the ruler, halfway along the 2-bar shot: bar 2 starts halfway through it.
    left = drawer.locator(".direct-pin").evaluate("e => parseFloat(e.style.left)")
    assert 45 < left < 55, left
    [key] = patch["overrides"]["keyframes"]
    assert key["bar"] == 2 and len(key["upload"]) == 64
    # Generate: the take's request holds the keyframe as a bar place, laid out in seconds.
    page.fill("#board-takes", "1")
    with page.expect_response(lambda r: r.request.method == "POST"
                              and "/generate" in r.url) as answer:
        drawer.locator(".shot-dx-generate").click()
    out = answer.value.json()
    cancel_all(server, out["jobs"])
    [job] = out["jobs"]
    page.wait_for_function("() => /keyframe/i.test(document.querySelector('.direct-note')"
                           ".textContent)")
    [kf] = job["request"]["keyframes"]
    assert kf["place"]["bar"] == 2 and kf["place"]["seconds"] > 0
    # Sections on the same ruler, saved as the shot's prompt (the first) and its `prompts`
    # (the later ones, by bar), made the way the model offers (GET /models).
    drawer.locator(".shot-dx-sec-add").click()
    drawer.locator(".shot-dx-sec-add").click()
    drawer.locator(".shot-dx-sec-text").nth(1).fill("the table becomes a field")
    drawer.locator(".shot-dx-sec-save").click()
    page.wait_for_function("() => document.querySelectorAll('.direct-band').length === 2")
    shot = {}
    for _ in range(100):  # saved, and the board drawn again
        shot = server.api("GET", f"/boards/{board['id']}").json()["shots"][1]
        if shot["overrides"].get("prompts"):
            break
        page.wait_for_timeout(100)
    assert shot["prompt"] == "shot 2 of a test"
    assert shot["overrides"]["prompts"] == [{"prompt": "the table becomes a field", "bar": 2}]
    assert shot["overrides"]["sections_as"] == "long_take"
    SCREENSHOTS.mkdir(exist_ok=True)
    page.locator(".direct").scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "direct-1280.png"), full_page=True)
    page.set_viewport_size({"width": 320, "height": 820})
    page.wait_for_timeout(200)
    page.screenshot(path=str(SCREENSHOTS / "direct-320.png"), full_page=True)
    assert page.evaluate(NO_SIDEWAYS_SCROLL), page.evaluate(SPILLING)
    assert page.errors == []
    page.close()


def board_defaults(server, board_id: str) -> dict:
    return server.api("GET", f"/boards/{board_id}").json()["defaults"]


def wait_for(fn, what: str, tries: int = 100):
    """Polls the bridge for a value the panel's last edit should have stored (the PATCH is
    answered before the panel draws again, so this is short)."""
    import time
    for _ in range(tries):
        got = fn()
        if got:
            return got
        time.sleep(0.05)
    raise AssertionError(f"never saw {what}")


def set_slider(locator, value: str) -> None:
    locator.evaluate(f"e => {{ e.value = '{value}'; e.dispatchEvent(new Event('input'));"
                     " e.dispatchEvent(new Event('change')); }")


def test_look_is_kept_on_the_board_and_finish_estimates_first(
        browser_context, server, board, tmp_path):  # noqa: F811
    file = tiny_ltx_lora(server, tmp_path / "grain é.safetensors")
    added = server.api("POST", "/loras", json={"name": "Grain é", "path": str(file)})
    assert added.status_code == 201, added.text
    lora = added.json()["lora"]
    shot, other = board["shots"][0], board["shots"][1]
    server.api("PATCH", f"/shots/{shot['id']}", json={"selected_take_id": board["take"]["id"]})
    server.api("PATCH", f"/shots/{other['id']}", json={"model": "tiny-wan"})
    page = open_board(browser_context, server)
    page.select_option("#board-model", "tiny")
    page.fill("#board-takes", "1")
    looks = page.locator("#board-looks")
    looks.locator(".looks-add-select").select_option(lora["id"])
    looks.locator(".looks-add").click()
    slider = looks.locator(".looks-weight").first
    slider.wait_for()
    set_slider(slider, "0.6")
    # The weight is the board's own: in its defaults, read back from the bridge.
    wait_for(lambda: board_defaults(server, board["id"]).get("loras")
             == [{"lora": lora["id"], "weight": 0.6}], "the weight in the board's defaults")
    # Undo (Ctrl+Z in the Board view) takes the weight back; redo puts it again.
    page.locator("#board-summary").click()
    page.keyboard.press("Control+z")
    wait_for(lambda: board_defaults(server, board["id"]).get("loras")
             == [{"lora": lora["id"], "weight": 1.0}], "the weight undone")
    page.wait_for_function("() => document.querySelector('#board-looks .looks-weight')"
                           "?.value === '1'")
    page.keyboard.press("Control+Shift+z")
    page.wait_for_function("() => document.querySelector('#board-looks .looks-weight')"
                           "?.value === '0.6'")
    # Generate: the panel adds no look; the queued job has the board's.
    card = page.locator("#board-shots .shot").nth(0)
    with page.expect_response(lambda r: r.request.method == "POST"
                              and "/generate" in r.url) as answer:
        card.locator(".shot-generate").click()
    body = json.loads(answer.value.request.post_data or "{}")
    out = answer.value.json()
    cancel_all(server, out.get("jobs", []))
    assert "loras" not in body and body["shot_ids"] == [shot["id"]], body
    assert out["jobs"][0]["request"]["loras"][0]["weight"] == 0.6, out
    # A shot whose model the LoRA was not made for: the bridge's refusal, next to the Look.
    with page.expect_response(lambda r: r.request.method == "POST"
                              and "/generate" in r.url) as answer:
        page.click("#board-generate-all")
    assert answer.value.status == 400, answer.value.text()
    refusal = looks.locator(".looks-refusal")
    refusal.wait_for()
    assert "shots[1].loras" in refusal.inner_text(), refusal.inner_text()
    server.api("PATCH", f"/shots/{other['id']}", json={"model": None})
    # Finish on the pick: the estimate first, then the final is queued.
    drawer = open_drawer(page, 0)
    drawer.locator(".finish-one").click()
    estimate = drawer.locator(".finish-estimate")
    estimate.wait_for()
    text = estimate.inner_text()
    assert "32×32 →" in text and "frames" in text, text
    with page.expect_response(lambda r: r.request.method == "POST"
                              and r.url.endswith("/finish")) as answer:
        drawer.locator(".finish-go").click()
    queued = answer.value.json()
    page.wait_for_function("() => /Finishing/.test(document.querySelector('.direct-note')"
                           ".textContent)")
    cancel_all(server, queued["jobs"])
    assert queued["jobs"][0]["request"]["final"]["draft_take_id"] == board["take"]["id"]
    # Retake at a strength, and Continue on the last frame only, from the drawer: both
    # bodies name the take and keep its shot.
    drawer.locator(".shot-dx-re-strength").evaluate(
        "e => { e.value = '0.2'; e.dispatchEvent(new Event('input')); }")
    assert "touch up" in drawer.locator(".direct-re-word").inner_text()
    with page.expect_response(lambda r: r.request.method == "POST"
                              and r.url.endswith("/jobs")) as answer:
        drawer.locator(".shot-dx-retake").click()
    retake = json.loads(answer.value.request.post_data or "{}")
    cancel_all(server, answer.value.json()["jobs"])
    assert retake["retake"] == {"take_id": board["take"]["id"], "strength": 0.2}
    assert retake["shot_id"] == shot["id"]
    drawer.locator(".shot-dx-cont-mode").select_option("last_frame")
    with page.expect_response(lambda r: r.request.method == "POST"
                              and r.url.endswith("/jobs")) as answer:
        drawer.locator(".shot-dx-continue").click()
    cont = json.loads(answer.value.request.post_data or "{}")
    cancel_all(server, answer.value.json()["jobs"])
    assert cont["init_image"] == {"take_id": board["take"]["id"], "frame": "last"}
    assert "continue_from" not in cont and cont["shot_id"] == shot["id"]
    # A shot's own look, in its overrides, wins over the board's in the queued job.
    drawer.locator(".shot-dx-look-own").click()
    badge = drawer.locator(".looks-badge.own")
    badge.wait_for()
    assert "Own look" in badge.inner_text()
    own = drawer.locator(".looks-shot .looks-weight")
    assert own.count() == 1  # the board's LoRA, copied
    set_slider(own, "0.3")
    overrides = wait_for(lambda: (lambda o: o.get("loras") == [{"lora": lora["id"], "weight": 0.3}]
                                  and o)(server.api("GET", f"/boards/{board['id']}").json()
                                         ["shots"][0]["overrides"]), "the shot's own weight")
    assert overrides["camera"] is None  # its own look says "no camera" over the board's
    with page.expect_response(lambda r: r.request.method == "POST"
                              and "/generate" in r.url) as answer:
        drawer.locator(".shot-dx-generate").click()
    out = answer.value.json()
    cancel_all(server, out.get("jobs", []))
    assert [u["weight"] for u in out["jobs"][0]["request"]["loras"]] == [0.3], out
    drawer.locator(".shot-dx-look-reset").click()
    drawer.locator(".shot-dx-look-own").wait_for()
    assert "loras" not in server.api("GET", f"/boards/{board['id']}").json()["shots"][0][
        "overrides"]
    # Finish all picks: the board's estimate (GET /boards/<id>/finish) first; Cancel
    # queues nothing.
    with page.expect_response(lambda r: r.request.method == "GET"
                              and r.url.endswith(f"/boards/{board['id']}/finish")) as answer:
        page.click(".board-finish-all")
    est = answer.value.json()
    total = page.locator(".finish-all .finish-estimate")
    total.wait_for()
    assert est["count"] == 1 and est["skipped"], est
    said = total.inner_text()
    assert said.startswith("Finish 1 pick (1 "), said
    assert ("upsampled" if est["routes"].get("latent_upsample") else "rendered again") in said
    assert f"shot {est['skipped'][0]['index'] + 1}: {est['skipped'][0]['reason']}" in said, said
    page.click(".finish-all .finish-cancel")
    assert page.locator(".finish-all .finish-estimate").count() == 0
    # A reference image (the tiny LTX starts from it) and a camera move, in the board's
    # defaults; a model without keyframes at the end is offered no camera, and says why.
    image = tmp_path / "ref é.png"
    Image.new("RGB", (32, 32), (200, 60, 90)).save(image)
    looks.locator(".looks-ref-file").set_input_files(str(image))
    looks.locator(".looks-ref img").wait_for()
    looks.locator(".looks-camera").select_option("push_in")
    looks.locator(".looks-amount").wait_for(state="visible")
    page.wait_for_function("() => !document.querySelector('#board-looks .looks-amount').disabled")
    defaults = wait_for(lambda: (lambda d: d.get("camera") and d)(
        board_defaults(server, board["id"])), "the camera move")
    assert defaults["camera"] == {"move": "push_in", "amount": 0.25}, defaults
    assert defaults["references_as"] == "start_keyframe" and len(defaults["references"][0]) == 64
    SCREENSHOTS.mkdir(exist_ok=True)
    page.evaluate("() => document.querySelectorAll('.toast').forEach(t => t.remove())")
    looks.screenshot(path=str(SCREENSHOTS / "looks-1280.png"))
    page.set_viewport_size({"width": 320, "height": 820})
    page.wait_for_timeout(200)
    looks.screenshot(path=str(SCREENSHOTS / "looks-320.png"))
    assert page.evaluate(NO_SIDEWAYS_SCROLL), page.evaluate(SPILLING)
    page.select_option("#board-model", "tiny-wan")
    page.wait_for_function("() => /cannot take a camera move/.test(document.querySelector("
                           "'#board-looks .looks-camera-why')?.textContent)")
    assert "cannot start from an image" in looks.locator(".looks-refs-why").inner_text()
    assert page.errors == []
    page.close()
    # A fresh panel shows the board's look as the bridge keeps it, the reference's
    # thumbnail fetched back (GET /images/<sha256>).
    fresh = open_board(browser_context, server)
    fresh.locator("#board-looks .looks-ref img").wait_for()
    assert fresh.locator("#board-looks .looks-weight").input_value() == "0.6"
    assert fresh.errors == []
    fresh.close()


def test_a_keyframe_from_premieres_playhead_frame(browser_context, server, board):  # noqa: F811
    """Where the host hands over the frame under the playhead (the UXP panel, and the test
    host standing in for it here), the drawer takes it as a keyframe's image; where it
    cannot (a browser), it says why and does not offer the button."""
    import io

    page = open_board(browser_context, server)
    drawer = open_drawer(page, 0)
    drawer.locator(".shot-dx-model").select_option("tiny")
    drawer.locator(".shot-dx-source").select_option("playhead")
    assert "cannot hand over" in drawer.locator(".direct-source-why").inner_text()
    assert drawer.locator(".shot-dx-add").is_disabled()
    page.close()

    page = open_panel(browser_context, server, host="test")
    page.evaluate("() => { window.__promptcutPlayheadColour = '#c81e1e'; }")
    page.click("#tab-board")
    page.locator("#board-shots .shot").nth(0).wait_for()
    drawer = open_drawer(page, 0)
    drawer.locator(".shot-dx-model").select_option("tiny")
    drawer.locator(".shot-dx-source").select_option("playhead")
    drawer.locator(".shot-dx-unit").select_option("first")
    assert "taken when you add" in drawer.locator(".direct-source-why").inner_text()
    drawer.locator(".shot-dx-add").click()
    shot = {}
    for _ in range(100):
        shot = server.api("GET", f"/boards/{board['id']}").json()["shots"][0]
        if shot["overrides"].get("keyframes"):
            break
        page.wait_for_timeout(100)
    [key] = shot["overrides"]["keyframes"]
    got = server.api("GET", f"/images/{key['upload']}")
    assert got.status_code == 200
    assert Image.open(io.BytesIO(got.content)).convert("RGB").getpixel((5, 5)) == (200, 30, 30)
    calls = page.evaluate("() => window.__promptcutHostCalls.map((c) => c.method)")
    assert "playheadFrame" in calls
    server.api("PATCH", f"/shots/{shot['id']}", json={"overrides": {
        k: v for k, v in shot["overrides"].items() if k != "keyframes"}})
    assert page.errors == []
    page.close()
