"""Reading Premiere's own exports: the real FCP7 XML in shared/, and .otio URL forms.

Every expected value below was read off premiere_example.xml by hand (line numbers given), not
produced by the code under test. Where FCP7 XML and OTIO disagree in representation, the
comment says how the number follows from the file.
"""

from __future__ import annotations

from pathlib import Path

import opentimelineio as otio
import pytest

from otio_export import Cut, read_cut

ROOT = Path(__file__).resolve().parents[1]
PREMIERE_XML = ROOT / ".." / "shared" / "data" / "premiere" / "premiere_example.xml"


@pytest.fixture(scope="module")
def premiere_cut() -> Cut:
    if not PREMIERE_XML.is_file():
        pytest.skip(f"the real Premiere export is not at {PREMIERE_XML} (CI copies shared/ "
                    "beside the clone)")
    return read_cut(PREMIERE_XML.read_bytes(), PREMIERE_XML.name)


def on(cut: Cut, track: str) -> list[tuple]:
    return [(e.kind, e.media_kind, e.start, e.duration, e.source_in, e.name, e.media_path)
            for e in cut.entries if e.track == track]


def test_sequence(premiere_cut):
    # <name> line 11, <timebase>30</timebase><ntsc>FALSE</ntsc> lines 8-9, 1280x720 lines 39-40
    assert (premiere_cut.name, premiere_cut.fps) == ("sc01_sh010_layerA", 30.0)
    assert (premiere_cut.width, premiere_cut.height) == (1280, 720)
    # Sequence markers, lines 1698-1715: <in> 113, 492, 298 with their names and comments.
    assert [(m.name, m.frame, m.note) for m in premiere_cut.markers] == [
        ("My MArker 1", 113, "so, this happened"), ("dsf", 492, "fsfsfs"), ("", 298, "")]


def test_video_tracks(premiere_cut):
    d = "D:/media/"  # every pathurl is file://localhost/D%3a/media/<name>
    # V1, clipitem-1: start 536, end 636; in 0, out 50 at a 15 fps clip rate (= 100 frames
    # of the 30 fps sequence).
    assert on(premiere_cut, "V1") == [
        ("gap", "file", 0, 536, 0, None, None),
        ("clip", "file", 536, 100, 0, "sc01_sh010_anim.mov", d + "sc01_sh010_anim.mov")]
    # V2: clipitem-2 13-113; clipitem-3 165-322 (in 0, out 157); clipitem-4 from 322, in 0,
    # out 235 (its end is -1: a dissolve 538-557 follows it into empty track, left out);
    # clipitem-5 is the nested sequence-2, 636-956.
    assert on(premiere_cut, "V2") == [
        ("gap", "file", 0, 13, 0, None, None),
        ("clip", "file", 13, 100, 0, "sc01_sh010_anim.mov", d + "sc01_sh010_anim.mov"),
        ("gap", "file", 113, 52, 0, None, None),
        ("clip", "file", 165, 157, 0, "sc01_sh020_anim.mov", d + "sc01_sh020_anim.mov"),
        ("clip", "file", 322, 235, 0, "sc01_sh030_anim.mov", d + "sc01_sh030_anim.mov"),
        ("gap", "file", 557, 79, 0, None, None),
        ("clip", "nested", 636, 320, 0, "sc01_sh010_anim", None)]
    # clipitem-4's marker, line 326: <in>73</in>, no name.
    clip4 = [e for e in premiere_cut.entries if e.track == "V2"][4]
    assert [(m.name, m.frame) for m in clip4.markers] == [("", 73)]
    # V3: the title generator clipitem-10, 15-956, in 108000.
    assert on(premiere_cut, "V3") == [
        ("gap", "file", 0, 15, 0, None, None),
        ("clip", "generator", 15, 941, 108000, "test_title", None)]
    # V4: clipitem-11 starts at 956 with in 34; a 25-frame dissolve 1152-1177 joins it to
    # clipitem-12 (end 1246, in 6). A cut list keeps the cut at the dissolve's middle frame,
    # 1152 + 25 // 2 = 1164: clip 11 lasts 1164 - 956 = 208, clip 12 starts 12 frames later
    # in its media (6 + 12 = 18) and lasts 1246 - 1164 = 82.
    assert on(premiere_cut, "V4") == [
        ("gap", "file", 0, 956, 0, None, None),
        ("clip", "file", 956, 208, 34, "sc01_master_layerA_sh030_temp.mov",
         d + "sc01_master_layerA_sh030_temp.mov"),
        ("clip", "file", 1164, 82, 18, "sc01_sh010_anim.mov", d + "sc01_sh010_anim.mov")]
    assert sum(1 for w in premiere_cut.warnings if "Cross Dissolve" in w) == 2


def test_audio_tracks(premiere_cut):
    # Premiere writes each stereo track twice (currentExplodedTrackIndex 0 and 1): the ten
    # <track>s under <audio> are five stereo pairs, read as A1-A4 (the fifth pair is empty).
    # A1: clipitem-13 13-113, clipitem-14 536-636. A2: sc01_placeholder.wav 335-505 (170),
    # then the nested sequence 636-930. A3: track_08.wav 153-351. A4: clipitem-23 from 956,
    # in 34, out 255 (221 frames), clipitem-24 to 1271 with in 6 (94 frames).
    summary = {t: [(e.start, e.duration, e.source_in, e.name) for e in premiere_cut.entries
                   if e.track == t and e.kind == "clip"] for t in ("A1", "A2", "A3", "A4")}
    assert summary == {
        "A1": [(13, 100, 0, "sc01_sh010_anim.mov"), (536, 100, 0, "sc01_sh010_anim.mov")],
        "A2": [(335, 170, 0, "sc01_placeholder.wav"), (636, 294, 0, "sc01_sh010_anim")],
        "A3": [(153, 198, 0, "track_08.wav")],
        "A4": [(956, 221, 34, "sc01_master_layerA_sh030_temp.mov"),
               (1177, 94, 6, "sc01_sh010_anim.mov")],
    }
    clips = [e for e in premiere_cut.entries if e.kind == "clip"]
    assert len(clips) == 15


def test_takes_are_matched_by_path(premiere_cut):
    seen: list[tuple] = []

    def lookup(path, hint):
        seen.append((path, hint))
        if path == "D:/media/sc01_sh020_anim.mov":
            return {"id": "tk1", "fps": 24, "num_frames": 175}
        return None

    cut = read_cut(PREMIERE_XML.read_bytes(), PREMIERE_XML.name, lookup)
    matched = [(e.track, e.start, e.take_id, e.media_fps) for e in cut.entries if e.take_id]
    assert matched == [("V2", 165, "tk1", 24)]
    assert ("D:/media/track_08.wav", None) in seen
    assert (None, None) in seen  # the title generator has no path; it is still asked about


def premiere_otio(urls: list[str]) -> bytes:
    """A timeline shaped like Premiere's .otio export: one clip per URL form it may write."""
    track = otio.schema.Track(name="Video 1")
    for url in urls:
        clip = otio.schema.Clip(
            name=url.rsplit("/", 1)[-1],
            media_reference=otio.schema.ExternalReference(
                target_url=url, available_range=otio.opentime.range_from_start_end_time(
                    otio.opentime.RationalTime(0, 25), otio.opentime.RationalTime(50, 25))),
            source_range=otio.opentime.TimeRange(otio.opentime.RationalTime(5, 25),
                                                 otio.opentime.RationalTime(20, 25)))
        track.append(clip)
    timeline = otio.schema.Timeline(name="Sequence 01", tracks=[track],
                                    global_start_time=otio.opentime.RationalTime(0, 25))
    return timeline.to_json_string().encode()


def test_premiere_otio_url_forms():
    urls = ["file:///C:/Users/Ed/My%20Takes/a%C3%A9.mp4",
            "file://localhost/C%3a/Users/Ed/b%20c.mp4",
            "file:///Users/ed/Movies/%E6%9D%B1%E4%BA%AC%20night.mov",
            "file://localhost/Volumes/Media%20Drive/d.mov",
            "file://fileserver/share/e.mp4",
            "C:\\Users\\Ed\\f.mp4"]
    seen = []
    cut = read_cut(premiere_otio(urls), "Sequence 01.otio",
                   lambda path, hint: seen.append(path))
    assert [e.media_path for e in cut.entries] == [
        "C:/Users/Ed/My Takes/aé.mp4", "C:/Users/Ed/b c.mp4", "/Users/ed/Movies/東京 night.mov",
        "/Volumes/Media Drive/d.mov", "//fileserver/share/e.mp4", "C:\\Users\\Ed\\f.mp4"]
    assert seen == [e.media_path for e in cut.entries]
    assert [(e.start, e.duration, e.source_in) for e in cut.entries] == [
        (i * 20, 20, 5) for i in range(len(urls))]
    assert cut.fps == 25.0
