"""Boards over real HTTP: a song and a shot list in, takes generated per shot, picks, reorder,
split, the cut out; every bad input a 4xx naming the field or row."""

from __future__ import annotations

import pytest

from tests import drums

SHOTS_CSV = ("shot,prompt,takes,camera\n"
             "Intro,a lighthouse at dusk,1,35mm\n"
             "Drop,neon rain on a crowd,1,\n"
             "Outro,a paper boat drifts away,1,drone\n")
TINY = {"model": "tiny", "width": 32, "height": 32, "steps": 1}


@pytest.fixture(scope="module")
def song(server, tmp_path_factory):
    """16 bars at 120 BPM (32 s): room for 8 shots of 2 bars."""
    samples, _ = drums.pattern(120.0, 33.0)
    path = drums.write(tmp_path_factory.mktemp("song") / "song é.mp3", samples)
    with open(path, "rb") as f:
        resp = server.api("POST", "/songs", files={"file": ("song é.mp3", f)}, timeout=600)
    assert resp.status_code == 201, resp.text
    return resp.json()


def test_song_upload_answers_tempo_beats_downbeats(server, song):
    assert song["tempo"] == pytest.approx(120, abs=1)
    assert len(song["downbeats"]) >= 16 and song["downbeats"][0] < 0.05
    assert song["duration_s"] == pytest.approx(33, abs=0.1) and song["peaks"]
    again = server.api("GET", f"/songs/{song['id']}").json()
    assert again["beats"] == song["beats"]
    media = server.http.get(server.url + again["url"])
    assert media.status_code == 200 and len(media.content) > 10_000


def test_a_board_from_a_shot_list_fills_the_song(server, song):
    resp = server.api("POST", "/boards", data={"name": "Video é", "fps": "25",
                                               "song_id": song["id"], "bars_per_shot": "2"},
                      files={"file": ("shots.csv", SHOTS_CSV.encode())})
    assert resp.status_code == 201, resp.text
    board = resp.json()
    shots = board["shots"]
    assert [s["label"] for s in shots[:3]] == ["Intro", "Drop", "Outro"]
    assert len(shots) == 8  # 16 bars at 2 a shot: the list's 3 and 5 empty ones
    assert shots[0]["notes"] == "camera: 35mm"
    downbeats = board["song"]["downbeats"]
    for i, shot in enumerate(shots):
        assert shot["start_frame"] == (round(downbeats[2 * i] * 25) if i else 0)
        assert shot["bars"] == pytest.approx(2, abs=0.05)
        assert shot["plan"]["num_frames"] >= shot["frames"] * 24 / 25
    csv = server.api("GET", f"/boards/{board['id']}/shots.csv")
    assert csv.status_code == 200 and csv.text.splitlines()[1].startswith("Intro,")


def test_generate_pick_reorder_split_and_assemble(server, song):
    board = server.api("POST", "/boards", json={
        "name": "Cut", "fps": 24, "default_duration": "1 bars", "song_id": song["id"],
        "shots": [{"label": "A", "prompt": "a red fox"}, {"label": "B", "prompt": "snow"},
                  {"label": "C", "prompt": "a lake", "duration": {"value": 12, "unit": "frames"}}],
    }).json()
    gen = server.api("POST", f"/boards/{board['id']}/generate", json={"takes": 1, **TINY})
    assert gen.status_code == 201, gen.text
    jobs = gen.json()["jobs"]
    assert len(jobs) == 3 and {j["shot_id"] for j in jobs} == {s["id"] for s in board["shots"]}
    done = server.wait_jobs([j["id"] for j in jobs], timeout=300)
    assert all(j["status"] == "done" for j in done), done
    by_shot = {j["shot_id"]: j for j in jobs}
    a, b, c = board["shots"]
    take_a = next(d["take_id"] for d in done if d["id"] == by_shot[a["id"]]["id"])
    listed = server.api("GET", f"/takes?shot_id={a['id']}").json()["takes"]
    assert [t["id"] for t in listed] == [take_a]
    # Counts are the library's, not the page's
    page = server.api("GET", f"/takes?board_id={board['id']}&limit=1").json()
    assert len(page["takes"]) == 1 and page["total"] == 3 and page["next_cursor"]
    # Each take is at least as long as its shot (2 s at 24 fps: 49 frames for the tiny LTX)
    assert listed[0]["num_frames"] >= a["frames"]

    # Picking a take of a shot makes it the shot's pick
    assert server.api("PATCH", f"/takes/{take_a}", json={"status": "picked"}).ok
    fresh = server.api("GET", f"/boards/{board['id']}").json()
    assert fresh["shots"][0]["selected_take_id"] == take_a
    assert fresh["shots"][0]["pick"]["poster_url"]
    take_c = next(d["take_id"] for d in done if d["id"] == by_shot[c["id"]]["id"])
    assert server.api("PATCH", f"/shots/{c['id']}",
                      json={"selected_take_id": take_c, "position": 0}).ok
    fresh = server.api("GET", f"/boards/{board['id']}").json()
    assert [s["label"] for s in fresh["shots"]] == ["C", "A", "B"]
    assert [s["start_frame"] for s in fresh["shots"]][:2] == [0, 12]

    # Split B into two half bars; B keeps its id
    split = server.api("POST", f"/shots/{b['id']}/split", json={})
    assert split.status_code == 201, split.text
    first, second = split.json()["shots"]
    assert first["id"] == b["id"] and first["duration"] == {"value": 0.5, "unit": "bars"}
    assert second["label"] == "B b" and second["position"] == 3

    out = server.api("POST", f"/boards/{board['id']}/assemble", json={"formats": ["otio"]})
    assert out.status_code == 201, out.text
    cut = out.json()["cut"]
    video = [e for e in cut["entries"] if e["track"] == "V1"]
    assert [e["take_id"] for e in video[:2]] == [take_c, take_a]
    assert video[2]["kind"] == "gap"  # B has no pick yet
    assert any(m["name"] == "B: no take yet" for m in cut["markers"])
    audio = [e for e in cut["entries"] if e["track"] == "A1"]
    assert audio and audio[0]["media_path"].endswith("song é.mp3")
    assert any("no take yet" in n for n in out.json()["notes"])


BAD = [
    ("POST", "/boards", {"fps": 26}, "fps"),
    ("POST", "/boards", {"name": 3}, "name"),
    ("POST", "/boards", {"width": 33}, "width"),
    ("POST", "/boards", {"colour": "red"}, "colour"),
    ("POST", "/boards", {"song_id": "sg_nope"}, "song_id"),
    ("POST", "/boards", {"default_duration": "soon"}, "default_duration"),
    ("POST", "/boards", {"grid": {"tempo_factor": 3}}, "grid.tempo_factor"),
    ("POST", "/boards", {"shots": [{"prompt": "x"}, {"duration": -1}]}, "shots[1].duration"),
    ("POST", "/boards", {"shots": [{"takes_target": 0}]}, "shots[0].takes_target"),
    ("POST", "/boards", {"shots": [{"overrides": {"steps": 2, "wings": 1}}]},
     "shots[0].overrides.wings"),
    ("POST", "/boards", {"shot_list": "shot,prompt,duration\nA,x,4\nB,y,often\n"},
     "rows[2].duration"),
    ("POST", "/boards", {"bars_per_shot": 2}, "bars_per_shot"),
]


@pytest.mark.parametrize(("method", "path", "body", "field"), BAD)
def test_bad_board_input_names_the_field(server, method, path, body, field):
    resp = server.api(method, path, json=body)
    assert 400 <= resp.status_code < 500, resp.text
    assert resp.json()["error"]["field"] == field


def test_bad_shot_and_generate_input_names_the_field(server):
    board = server.api("POST", "/boards", json={"shots": [{"prompt": ""}]}).json()
    shot = board["shots"][0]
    cases = [
        ("PATCH", f"/shots/{shot['id']}", {"selected_take_id": "t_nope"}, "selected_take_id"),
        ("PATCH", f"/shots/{shot['id']}", {"duration": "2 bars"}, "duration"),
        ("PATCH", f"/shots/{shot['id']}", {"position": -1}, "position"),
        ("PATCH", "/shots/sh_nope", {"label": "x"}, "shot_id"),
        ("POST", f"/shots/{shot['id']}/split", {"first": "9s"}, "first"),
        ("POST", f"/boards/{board['id']}/generate", {"takes": 0}, "takes"),
        ("POST", f"/boards/{board['id']}/generate", {"model": "tiny"}, "shots[0].prompt"),
        ("POST", f"/boards/{board['id']}/generate", {"shot_ids": ["sh_x"]}, "shot_ids"),
        ("POST", f"/boards/{board['id']}/markers", {"frames": [10, "x"]}, "frames[1]"),
        ("POST", f"/boards/{board['id']}/assemble", {"formats": ["mov"]}, "formats"),
        ("POST", f"/boards/{board['id']}/shots", {"shots": [{"label": 1}]}, "shots[0].label"),
        ("GET", "/boards/bd_nope", None, "board_id"),
        ("GET", "/songs/sg_nope", None, "song_id"),
    ]
    for method, path, body, field in cases:
        resp = server.api(method, path, json=body)
        assert 400 <= resp.status_code < 500, (path, resp.text)
        assert resp.json()["error"]["field"] == field, (path, body, resp.text)
    not_audio = server.api("POST", "/songs", files={"file": ("song.mp3", b"not audio")})
    assert not_audio.status_code == 400 and not_audio.json()["error"]["field"] == "file"
    no_file = server.api("POST", "/songs", data={"x": "1"})
    assert no_file.status_code == 400 and no_file.json()["error"]["field"] == "file"


def test_a_null_grid_clears_the_corrections(server):
    """`grid: null` is the detected grid again (a 500 the fuzzer found, before)."""
    created = server.api("POST", "/boards", json={"grid": None, "fps": None})
    assert created.status_code == 201, created.text
    board = created.json()
    assert board["fps"] == 24 and board["grid"]["shift_beats"] == 0
    moved = server.api("PATCH", f"/boards/{board['id']}", json={"grid": {"shift_beats": 2}})
    assert moved.json()["grid"]["shift_beats"] == 2
    cleared = server.api("PATCH", f"/boards/{board['id']}", json={"grid": None})
    assert cleared.status_code == 200, cleared.text
    assert cleared.json()["grid"] == created.json()["grid"]


def test_a_board_that_cannot_be_laid_out_says_why(server):
    """A shot shorter than a frame: the board is kept, with `layout_error` naming the shot
    (a 500 the fuzzer found, before: the answer lacked the laid-out fields)."""
    resp = server.api("POST", "/boards", json={"shots": [
        {"prompt": "a", "duration": {"value": 5e-324}}, {"prompt": "b"}]})
    assert resp.status_code == 201, resp.text
    board = resp.json()
    assert board["layout_error"]["field"].startswith("shots[0]")
    assert [s["start_s"] for s in board["shots"]] == [None, None]
    assert board["duration_frames"] == 0
