"""Handles, a take at another rate, and a shot's notes in the board's cut.

A board makes its takes with handles at each end (a board setting, within the model's
frame limits); the cut starts each clip after its head handle and says how many frames of
handle each keeps. A 16 fps take on a 24 fps board is retimed by the cut and says so. A
shot's notes (the shot list's extra columns among them) travel as marker notes, EDL
comment lines and clip metadata. Every file is read back with OpenTimelineIO's adapters.
"""

from __future__ import annotations

import copy
from fractions import Fraction

import opentimelineio as otio
import pytest

from bridge.boards import layout
from bridge.boards.durations import take_plan
from bridge.boards.layout import pinned
from bridge.boards.records import Board
from bridge.generators.presets import BUILTIN
from otio_export import FORMATS, export_cut, read_cut
from otio_export.assemble import BoardShot, ShotCut, assemble
from otio_export.cutlist import Column, ShotRef
from tests.otio_media import make_takes

ADAPTER = {"otio": "otio_json", "otioz": "otioz", "fcp7xml": "fcp_xml", "edl": "cmx_3600",
           "fcpxml": "fcpx_xml"}
NOTES = "camera: 35mm\nmood: rain at night"
# A shot list with a column Promptcut has no field for ("lens"): kept in the shot's notes and
# as a column of its own.
SHOT_LIST = "shot,prompt,duration,notes,lens\nRain,rain on a window,24f,mood: rain at night,35mm\n"


def read(path, fmt: str, rate: float = 24) -> otio.schema.Timeline:
    extra = {"rate": rate} if fmt == "edl" else {}
    return otio.adapters.read_from_file(str(path), adapter_name=ADAPTER[fmt], **extra)


def clips_of(timeline: otio.schema.Timeline) -> list[otio.schema.Clip]:
    video = next(t for t in timeline.tracks if t.kind == otio.schema.TrackKind.Video)
    return [c for c in video if isinstance(c, otio.schema.Clip)]


def test_handles_are_planned_within_the_model_and_clamped_when_it_cannot_hold_them():
    rate = Fraction(24)
    plain = take_plan(24, rate, rate, 8, 257)
    handled = take_plan(24, rate, rate, 8, 257, handle_frames=8)
    assert (plain.num_frames, handled.num_frames) == (25, 41)  # 24 + 2 x 8, on 8k+1
    assert (handled.head_frames, handled.tail_frames) == (8, 9)
    # Wan at 16 fps: 8 board frames are 5.3 of its own, so 6 (never shorter than asked).
    wan = take_plan(24, rate, Fraction(16), 4, 161, handle_frames=8)
    assert (wan.head_frames, wan.num_frames) == (6, 29)
    # 250 frames fit the longest take (257) but not with 8 + 8: the handles shrink, said.
    tight = take_plan(250, rate, rate, 8, 257, handle_frames=8)
    assert (tight.num_frames, tight.head_frames, tight.tail_frames) == (257, 4, 3)
    assert "4 and 3 frames of handle" in tight.message
    # A shot no take holds is a chain, made without handles.
    assert take_plan(300, rate, rate, 8, 257, handle_frames=8).head_frames == 0


def test_a_take_pinned_to_its_first_frame_gets_only_a_tail_handle():
    """A start image, keyframes or a continued take pin frames of the take to the shot's
    start (and beats): no head handle, so they stay where the cut puts the shot."""
    board = Board(id="b", name="b", fps=24, handle_frames=8)
    preset = next(p for p in BUILTIN if p.name == "tiny")
    assert pinned({"init_image": {"sha256": "ab"}}) and not pinned({"seed": 3})
    free = layout.take_plan(preset, board, 24)
    held = layout.take_plan(preset, board, 24, pinned=True)
    assert (free.num_frames, free.head_frames) == (41, 8)
    assert (held.num_frames, held.head_frames, held.tail_frames) == (33, 0, 9)
    # A keyframe on the take's last frame (an editor's "last", a camera move's end) pins the
    # end too: no tail handle asked, only what the model's frame rule adds.
    ends = {"init_image": {"sha256": "ab"}, "keyframes": [{"frame": "last"}]}
    assert layout.pinned_end(ends) and layout.pinned_end({"camera": {"move": "push_in"}})
    assert not layout.pinned_end({"keyframes": [{"place": {"bar": 2}}]})
    both = layout.take_plan(preset, board, 24, pinned=pinned(ends),
                            end_pinned=layout.pinned_end(ends))
    assert (both.num_frames, both.head_frames, both.tail_frames) == (25, 0, 0)


def test_a_board_makes_takes_with_handles_and_the_cut_uses_the_middle(server, tmp_path):
    board = server.api("POST", "/boards", json={
        "name": "Handles é", "fps": 24, "handle_frames": 8, "shot_list": SHOT_LIST}).json()
    bare = server.api("POST", "/boards", json={
        "name": "No handles", "fps": 24, "handle_frames": 0, "shot_list": SHOT_LIST}).json()
    assert (board["handle_frames"], bare["handle_frames"]) == (8, 0)
    assert board["shots"][0]["columns"] == [{"name": "lens", "value": "35mm"}]
    assert board["shots"][0]["notes"] == "mood: rain at night\nlens: 35mm"
    plan, plain = board["shots"][0]["plan"], bare["shots"][0]["plan"]
    assert plan["head_frames"] == 8 and plain["head_frames"] == 0
    bad = server.api("PATCH", f"/boards/{board['id']}", json={"handle_frames": -1})
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "handle_frames"

    gen = server.api("POST", f"/boards/{board['id']}/generate",
                     json={"takes": 1, "model": "tiny", "width": 32, "height": 32, "steps": 1})
    assert gen.status_code == 201, gen.text
    job = server.wait_jobs([j["id"] for j in gen.json()["jobs"]], timeout=300)[0]
    assert job["status"] == "done", job
    take = server.api("GET", f"/takes/{job['take_id']}").json()
    # Longer than the take made without handles by 2 x 8, rounded to the tiny LTX's 8k+1.
    assert take["num_frames"] == plain["num_frames"] + 16 == 41
    assert take["record"]["request"]["handles"] == {"head": 8, "tail": 9}
    # A re-roll sends the stored request back, handles too (the panel's jobBody): the new
    # take keeps them, so its cut still starts after the head.
    sent = {k: v for k, v in take["record"]["request"].items()
            if k not in ("schema_version", "seed") and v is not None}
    reroll = server.api("POST", "/jobs", json={**sent, "takes": 1, "shot_id": take["shot_id"]})
    assert reroll.status_code == 201, reroll.text
    assert reroll.json()["jobs"][0]["request"]["handles"] == {"head": 8, "tail": 9}
    server.api("POST", f"/jobs/{reroll.json()['jobs'][0]['id']}/cancel")
    worn = server.api("POST", "/jobs", json={**sent, "handles": {"head": 30, "tail": 11}})
    assert worn.status_code == 400 and worn.json()["error"]["field"] == "handles"
    shot_id = board["shots"][0]["id"]
    assert server.api("PATCH", f"/shots/{shot_id}",
                      json={"selected_take_id": take["id"]}).status_code == 200

    out = server.api("POST", f"/boards/{board['id']}/assemble",
                     json={"formats": ["otio", "edl", "fcp7xml", "fcpxml"]})
    assert out.status_code == 201, out.text
    answer = out.json()
    assert answer["shots"] == [{"shot_id": shot_id, "label": "Rain", "start": 0,
                                "frames": 24, "take_ids": [take["id"]], "head_frames": 8,
                                "tail_frames": 9, "conform": ""}]
    for fmt, info in answer["formats"].items():
        data = server.http.get(server.url + info["url"],
                               headers={"Authorization": f"Bearer {server.token}"})
        assert data.status_code == 200, fmt
        path = tmp_path / info["filename"]
        path.write_bytes(data.content)
        (clip,) = clips_of(read(path, fmt))
        start, duration = clip.source_range.start_time, clip.source_range.duration
        assert (round(start.to_frames()), round(duration.to_frames())) == (8, 24), fmt
        if fmt == "otio":
            ours = clip.metadata["promptcut"]
            assert dict(ours["handles"]) == {"head": 8, "tail": 9}
            assert dict(ours["shot"]["columns"]) == {"lens": "35mm"}
            assert ours["shot"]["notes"] == "mood: rain at night\nlens: 35mm"
            assert "conform" not in ours
        if fmt == "edl":
            event = next(line for line in data.text.splitlines() if line[:3] == "001")
            assert event.split()[4] == "00:00:00:08"  # source in: the head handle
            assert "* NOTE: Rain: lens: 35mm" in data.text


@pytest.fixture(scope="module")
def takes(tmp_path_factory):
    return make_takes(tmp_path_factory.mktemp("handles takes é"))


def with_handles(take: dict, head: int, tail: int) -> dict:
    out = copy.deepcopy(take)
    out["record"].setdefault("request", {})["handles"] = {"head": head, "tail": tail}
    return out


def test_a_16_fps_take_is_retimed_by_the_cut_in_every_format(takes, tmp_path):
    """17 frames at 16 fps made with 2 frames of head (3 board frames at 24): the shot's 18
    frames start at board frame 3 and run 18 frames; the 24 fps take after it has none."""
    wan = with_handles(takes[16], 2, 1)
    shots = [BoardShot("a", "Wan", 0, 18, (wan,), prompt="a kite", notes=NOTES),
             BoardShot("b", "Plain", 18, 30, (takes[24],), prompt="a lake")]
    report: list[ShotCut] = []
    cut = assemble("Conform", 24, 32, 32, shots, report=report)
    assert [(r.head_frames, r.tail_frames, r.conform) for r in report] == [
        (3, 4, "retimed 16 -> 24 fps by the cut"), (0, 5, "")]
    written = export_cut(cut, list(FORMATS), tmp_path / "out é")
    assert any("NOTE" in w for w in written.warnings if w.startswith("EDL"))
    for fmt, path in written.files.items():
        timeline = read(path, fmt)
        clips = clips_of(timeline)
        spans = [(round(c.source_range.start_time.to_frames()),
                  round(c.source_range.duration.to_frames())) for c in clips]
        assert spans == [(3, 18), (0, 12)], fmt
        assert round(clips_of(timeline)[0].range_in_parent().duration.to_frames()) == 18
        if fmt in ("otio", "otioz"):
            ours = clips[0].metadata["promptcut"]
            assert ours["conform"]["said"] == "retimed 16 -> 24 fps by the cut"
            assert ours["conform"]["media_fps"] == 16
            media = clips[0].media_reference.available_range
            assert (media.duration.value, media.duration.rate) == (17, 16)


def notes_read_back(timeline: otio.schema.Timeline) -> str:
    """Every marker note (and EDL comment line) the adapter read, as one text."""
    markers = list(timeline.tracks.markers) + [
        m for t in timeline.tracks for item in t for m in item.markers]
    texts = [m.comment or "" for m in markers]
    texts += [str(m.metadata.get("promptcut", {}).get("note", "")) for m in markers]
    texts += [str(m.metadata.get("fcp_xml", {}).get("comment", "")) for m in markers]
    for clip in clips_of(timeline):
        texts += [str(c) for c in clip.metadata.get("cmx_3600", {}).get("comments", [])]
    return "\n".join(texts)


def test_a_shots_notes_and_extra_columns_reach_every_format(takes, tmp_path):
    shots = [BoardShot("a", "Intro", 0, 12, (takes[24],), prompt="a fox", notes=NOTES,
                       columns=(Column("camera", "35mm"),))]
    cut = assemble("Notes", 24, 32, 32, shots)
    written = export_cut(cut, list(FORMATS), tmp_path / "notes")
    for fmt, path in written.files.items():
        if fmt == "fcpxml":
            # OTIO's FCPXML reader drops a marker's note attribute (Final Cut shows it);
            # Promptcut's import reads it.
            back = read_cut(path.read_bytes(), path.name)
            text = "\n".join(m.note for e in back.entries for m in e.markers)
            assert read(path, fmt).tracks  # the adapter reads the file
        else:
            text = notes_read_back(read(path, fmt))
        assert "camera: 35mm" in text and "mood: rain at night" in text, (fmt, text)
    fcp7 = written.files["fcp7xml"].read_text(encoding="utf-8")
    assert "<mastercomment4>camera: 35mm" in fcp7  # the clip's Comment 4 in Premiere
    (clip,) = clips_of(read(written.files["otio"], "otio"))
    shot = clip.metadata["promptcut"]["shot"]
    assert (shot["notes"], dict(shot["columns"])) == (NOTES, {"camera": "35mm"})
    again = read_cut(written.files["otio"].read_bytes(), "Notes.otio")  # Promptcut's import
    assert again.entries[0].shot == ShotRef("a", "Intro", NOTES, [Column("camera", "35mm")])
