"""Round trips of a cut through every format, with real takes at 8, 16, 24, 25 and 30 fps
made by the tiny diffusers pipeline and written by bridge.library.media.

Each check compares against numbers worked out by hand (the tables below), not against the
code's own arithmetic: a 17-frame 16 fps take lasts 1.0625 s, which is 25.5 frames of a 24 fps
sequence, so it fills 25 whole frames, and so on.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import defusedxml.ElementTree as SafeET
import opentimelineio as otio
import pytest

from bridge.library.media import probe
from bridge.library.take_files import write_take
from otio_export import (
    Cut,
    Entry,
    Marker,
    TimelineError,
    build_timeline,
    cut_from_timeline,
    entry_from_take,
    export_cut,
    read_cut,
    to_string,
)

MEDIA_RATES = (8, 16, 24, 25, 30)
FRAMES = 17
# Whole sequence frames filled by a 17-frame take: floor(17 / media_fps * sequence_fps).
FILLS = {
    24: {8: 51, 16: 25, 24: 17, 25: 16, 30: 13},
    25: {8: 53, 16: 26, 24: 17, 25: 17, 30: 14},
    29.97: {8: 63, 16: 31, 24: 21, 25: 20, 30: 16},
}
WINDOWS_PATH = "C:\\Users\\Éditeur\\Promptcut takes\\shot 01 été.mp4"
SUFFIX = {"otio": ".otio", "fcp7xml": ".xml", "edl": ".edl", "fcpxml": ".fcpxml"}


@pytest.fixture(scope="session")
def takes(tmp_path_factory) -> dict[int, dict]:
    """One real take per media rate from the tiny LTX pipeline, written by the media module
    into a folder whose name has spaces and non-ASCII characters."""
    from bridge.config import Settings
    from bridge.engine.request import GenerationRequest
    from bridge.generators.diffusers_backend import DiffusersGenerator

    base = tmp_path_factory.mktemp("otio media")
    generator = DiffusersGenerator(Settings(data_dir=base / "data"))
    folder = base / "Takes été 東京 ü"
    out = {}
    for i, fps in enumerate(MEDIA_RATES):
        request = generator.resolve(GenerationRequest(
            prompt=f"a fox in snow, shot {i} — ü", model="tiny", seed=1000 + fps, fps=fps,
            width=32, height=32, num_frames=FRAMES))
        video = generator.generate(request, lambda progress: None, lambda: False)
        take_id = f"tk{fps:03d}"
        record = {"schema_version": 1, "take_id": take_id, "request": request.to_dict(),
                  "model_id": video.model_id, "num_frames": FRAMES, "fps": video.fps}
        files = write_take(video.frames, video.fps, record, folder, f"take {fps}fps été")
        info = probe(files.video)
        assert (info.frames, round(info.fps, 3)) == (FRAMES, fps)
        out[fps] = {"id": take_id, "prompt": request.prompt, "model": "tiny",
                    "seed": 1000 + fps, "width": 32, "height": 32, "num_frames": FRAMES,
                    "fps": fps, "duration_s": FRAMES / fps, "rating": 0, "status": "picked",
                    "record": info.record, "media_path": str(files.video), "batch_id": "b1",
                    "created_at": "t"}
    return out


def make_cut(takes: dict[int, dict], fps: float, *, windows: bool = True) -> Cut:
    """All five rates in a row on V1, a gap, trimmed and marked clips, a Windows path."""
    entries = [
        entry_from_take(takes[8]),
        Entry(kind="gap", duration=7),
        entry_from_take(takes[16], source_in=2, duration=12,
                        markers=[Marker("hit", 4, color="GREEN", note="the fox turns")]),
        entry_from_take(takes[24]),
        entry_from_take(takes[25], markers=[Marker("end", 9, color="BLUE", note="")]),
        entry_from_take(takes[30], source_in=1),
    ]
    if windows:
        entries.append(Entry(media_path=WINDOWS_PATH, media_fps=24, media_frames=48,
                             duration=10, name="shot 01 été.mp4"))
    return Cut(name="Fox cut été", fps=fps, width=32, height=32, entries=entries,
               markers=[Marker("chorus", 30, color="YELLOW", note="music")])


def expected(takes: dict[int, dict], fps: float, windows: bool = True) -> list[tuple]:
    """(kind, start, duration, source_in, media path) per entry, from the FILLS table."""
    fill = FILLS[fps]
    durations = [fill[8], 7, 12, fill[24], fill[25], fill[30] - 1] + ([10] if windows else [])
    paths = [takes[8]["media_path"], None, takes[16]["media_path"], takes[24]["media_path"],
             takes[25]["media_path"], takes[30]["media_path"]]
    paths += ["C:/Users/Éditeur/Promptcut takes/shot 01 été.mp4"] if windows else []
    ins = [0, 0, 2, 0, 0, 1] + ([0] if windows else [])
    out, start = [], 0
    for i, duration in enumerate(durations):
        out.append(("gap" if i == 1 else "clip", start, duration, ins[i], paths[i]))
        start += duration
    return out


def lookup_for(takes: dict[int, dict]):
    by_path = {t["media_path"]: t for t in takes.values()}
    return lambda path, hint: by_path.get(path)


def layout(cut: Cut) -> list[tuple]:
    return [(e.kind, e.start, e.duration, e.source_in, e.media_path) for e in cut.entries]


@pytest.mark.parametrize("fps", [24, 25, 29.97])
def test_otio_json_keeps_everything(takes, tmp_path, fps):
    cut = make_cut(takes, fps)
    files = export_cut(cut, ["otio"], tmp_path)
    back = read_cut(files["otio"].read_bytes(), "x.otio", lookup_for(takes))
    assert layout(back) == expected(takes, fps)
    assert (back.name, back.fps, back.width, back.height) == ("Fox cut été", fps, 32, 32)
    clips = [e for e in back.entries if e.kind == "clip"]
    assert [e.take_id for e in clips] == ["tk008", "tk016", "tk024", "tk025", "tk030", None]
    assert [e.name for e in clips][:2] == ["take 8fps été.mp4", "take 16fps été.mp4"]
    assert [(e.media_fps, e.media_frames) for e in clips][:5] == [(r, FRAMES) for r in MEDIA_RATES]
    assert [(m.name, m.frame, m.color, m.note) for m in clips[1].markers] == [
        ("hit", 4, "GREEN", "the fox turns")]
    assert [(m.name, m.frame, m.color) for m in clips[3].markers] == [("end", 9, "BLUE")]
    assert [(m.name, m.frame, m.color, m.note) for m in back.markers] == [
        ("chorus", 30, "YELLOW", "music")]
    # The full take record rides along in the clip metadata, and without a lookup it is
    # what the import returns.
    raw = read_cut(files["otio"].read_bytes(), "x.otio")
    assert raw.entries[0].take == json.loads(json.dumps(takes[8]))
    tl = otio.adapters.read_from_file(str(files["otio"]))
    first = tl.tracks[0][0]
    assert first.metadata["promptcut"]["take"]["record"]["request"]["seed"] == 1008
    assert first.media_reference.target_url == Path(takes[8]["media_path"]).as_uri()


@pytest.mark.parametrize("fps", [24, 25, 29.97])
def test_fcp7_xml_round_trip_and_premiere_fields(takes, tmp_path, fps):
    cut = make_cut(takes, fps)
    path = export_cut(cut, ["fcp7xml"], tmp_path)["fcp7xml"]
    back = read_cut(path.read_bytes(), path.name, lookup_for(takes))
    assert layout(back) == expected(takes, fps)
    assert (back.name, back.fps, back.width, back.height) == ("Fox cut été", fps, 32, 32)
    clips = [e for e in back.entries if e.kind == "clip"]
    assert [e.take_id for e in clips] == ["tk008", "tk016", "tk024", "tk025", "tk030", None]
    # Marker names, notes and frames survive; FCP7 XML has no marker colour (all read RED).
    assert [(m.name, m.frame, m.color, m.note) for m in clips[1].markers] == [
        ("hit", 4, "RED", "the fox turns")]
    assert [(m.name, m.frame, m.note) for m in back.markers] == [("chorus", 30, "music")]
    assert path.read_text("utf-8").startswith(
        '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE xmeml>\n<xmeml version="4">')
    root = SafeET.parse(path).getroot()
    items = root.findall(".//clipitem")
    assert all(len(item.findall("rate")) == 1 for item in items)
    urls = [i.findtext("file/pathurl") for i in items]
    assert urls[-1] == ("file://localhost/C%3a/Users/%C3%89diteur/Promptcut%20takes/"
                        "shot%2001%20%C3%A9t%C3%A9.mp4")
    assert urls[0].startswith("file://localhost/") and "%20" in urls[0] and "%C3%A9" in urls[0]
    assert all(" " not in u for u in urls)
    first = items[0]
    assert first.findtext("logginginfo/description") == takes[8]["prompt"]
    assert first.findtext("logginginfo/shottake") == "seed 1008"
    assert first.findtext("logginginfo/scene") == "tiny"
    assert first.findtext("logginginfo/lognote") == "promptcut take tk008"
    assert first.findtext("comments/mastercomment1") == takes[8]["prompt"]
    ntsc = "TRUE" if fps == 29.97 else "FALSE"
    assert root.findtext(".//sequence/rate/ntsc") == ntsc
    assert root.findtext(".//sequence/rate/timebase") == str(round(fps))
    # Without a lookup, the log note still names the take.
    assert read_cut(path.read_bytes(), path.name).entries[0].take_id is None
    assert [e.take_id for e in read_cut(path.read_bytes(), path.name,
                                        lambda p, hint: {"id": hint}).entries
            if e.kind == "clip"][:2] == ["tk008", "tk016"]


def edl_events(text: str) -> list[list[str]]:
    return [line.split() for line in text.splitlines() if line[:3].isdigit()]


@pytest.mark.parametrize("fps", [24, 25, 29.97])
def test_edl_round_trip_reels_and_no_mutation(takes, tmp_path, fps):
    cut = make_cut(takes, fps)
    timeline = build_timeline(cut)
    before = timeline.to_json_string()
    text = to_string(timeline, "edl")
    assert timeline.to_json_string() == before  # the writer worked on a copy
    events = edl_events(text)
    assert [e[1] for e in events] == ["TK008", "TK016", "TK024", "TK025", "TK030", "SHOT01ET"]
    assert all(len(e) == 8 for e in events)  # reel names never split the event line
    assert ("FCM: DROP FRAME" if fps == 29.97 else "FCM: NON-DROP FRAME") in text
    back = read_cut(text.encode(), "cut.edl", lookup_for(takes), edl_rate=fps)
    assert layout(back) == expected(takes, fps)
    clips = [e for e in back.entries if e.kind == "clip"]
    assert [e.take_id for e in clips] == ["tk008", "tk016", "tk024", "tk025", "tk030", None]
    assert clips[0].name == "take 8fps été.mp4"
    # EDL markers: upper-cased name and colour, no note; sequence markers are not carried.
    assert [(m.name, m.frame, m.color, m.note) for m in clips[1].markers] == [
        ("HIT", 4, "GREEN", "")]
    assert back.markers == []


@pytest.mark.parametrize("fps", [24, 25, 29.97])
def test_fcpxml_writes_exact_times(takes, tmp_path, fps):
    from fractions import Fraction

    cut = make_cut(takes, fps)
    path = export_cut(cut, ["fcpxml"], tmp_path)["fcpxml"]
    root = SafeET.parse(path).getroot()
    rate = {24: Fraction(24), 25: Fraction(25), 29.97: Fraction(30000, 1001)}[fps]
    assert {Fraction(f.get("frameDuration").rstrip("s")) for f in root.iter("format")} == {
        1 / rate}

    def frames(value: str | None) -> int:
        seconds = Fraction(value.rstrip("s")) if value and value != "0s" else Fraction(0)
        assert seconds * rate == int(seconds * rate), value  # lands on a whole frame
        return int(seconds * rate)

    spine = root.find(".//spine")
    got = [("gap" if el.tag == "gap" else "clip", frames(el.get("offset")),
            frames(el.get("duration")), frames(el.get("start")) if el.tag == "clip" else 0)
           for el in spine]
    want = [(k, s, d, i) for k, s, d, i, _ in expected(takes, fps)]
    assert got == want
    assets = {a.get("id"): a.get("src") for a in root.iter("asset")}
    srcs = [assets[el.find("video").get("ref")] for el in spine if el.tag == "clip"]
    assert srcs[-1] == "file:///C:/Users/%C3%89diteur/Promptcut%20takes/shot%2001%20%C3%A9t%C3%A9.mp4"
    assert srcs[0] == Path(takes[8]["media_path"]).as_uri()
    notes = [c.findtext("note") for c in root.iter("asset-clip")]
    assert notes[0] == takes[8]["prompt"]
    md = {m.get("key"): m.get("value") for m in root.find(".//asset-clip/metadata")}
    assert md == {"promptcut.take_id": "tk008", "promptcut.seed": "1008",
                  "promptcut.model": "tiny"}
    if fps != 29.97:  # the adapter's reader truncates NTSC rates (29.97 -> 29); see docs
        back = read_cut(path.read_bytes(), path.name, lookup_for(takes))
        assert layout(back) == expected(takes, fps)
        clips = [e for e in back.entries if e.kind == "clip"]
        assert [e.take_id for e in clips][:5] == ["tk008", "tk016", "tk024", "tk025", "tk030"]
        assert [(m.name, m.frame, m.color) for m in clips[1].markers] == [("hit", 4, "GREEN")]


@pytest.mark.parametrize("fps", [24, 29.97])
def test_otioz_bundles_the_media(takes, tmp_path, fps):
    cut = make_cut(takes, fps, windows=False)
    path = export_cut(cut, ["otioz"], tmp_path)["otioz"]
    with zipfile.ZipFile(path) as bundle:
        names = bundle.namelist()
    assert sorted(n for n in names if n.startswith("media/")) == sorted(
        f"media/{Path(t['media_path']).name}" for t in takes.values())
    timeline = otio.adapters.read_from_file(str(path))
    back = cut_from_timeline(timeline)
    assert [(k, s, d, i) for k, s, d, i, _ in layout(back)] == [
        (k, s, d, i) for k, s, d, i, _ in expected(takes, fps, windows=False)]
    clips = [e for e in back.entries if e.kind == "clip"]
    assert [Path(e.media_path).name for e in clips] == [
        Path(takes[r]["media_path"]).name for r in MEDIA_RATES]
    assert [e.take_id for e in clips] == ["tk008", "tk016", "tk024", "tk025", "tk030"]
    with pytest.raises(TimelineError) as err:
        export_cut(make_cut(takes, fps), ["otioz"], tmp_path / "missing")
    assert err.value.field == "formats"


def test_second_video_track_and_audio(takes, tmp_path):
    """otio and FCP7 XML carry several tracks; an EDL refuses them with a clear error."""
    cut = make_cut(takes, 24, windows=False)
    cut.entries += [Entry(kind="gap", duration=5, track="V2"),
                    entry_from_take(takes[24], track="V2", duration=8)]
    for fmt in ("otio", "fcp7xml"):
        path = export_cut(cut, [fmt], tmp_path / fmt)[fmt]
        back = read_cut(path.read_bytes(), path.name, lookup_for(takes))
        v2 = [(e.kind, e.start, e.duration, e.take_id) for e in back.entries if e.track == "V2"]
        assert v2 == [("gap", 0, 5, None), ("clip", 5, 8, "tk024")], fmt
    with pytest.raises(TimelineError) as err:
        to_string(build_timeline(cut), "edl")
    assert err.value.field == "formats" and "video track" in err.value.message


def test_thousand_clips_land_without_drift(takes, tmp_path):
    """1,000 16 fps and 30 fps takes in a 29.97 sequence: every start is the running sum."""
    entries = []
    for i in range(1000):
        take = takes[16] if i % 2 else takes[30]
        entries.append(entry_from_take(take, duration=7 + i % 5))
    cut = Cut(name="long", fps=29.97, entries=entries)
    timeline = build_timeline(cut)  # once: the writers work on copies
    starts = [sum(7 + j % 5 for j in range(i)) for i in range(1000)]
    assert [e.start for e in cut.entries] == starts
    for fmt in ("otio", "fcp7xml", "edl"):
        back = read_cut(to_string(timeline, fmt).encode(), f"long{SUFFIX[fmt]}",
                        edl_rate=29.97)
        assert [e.start for e in back.entries] == starts, fmt
        assert back.entries[-1].start + back.entries[-1].duration == 9000
    spine = SafeET.fromstring(to_string(timeline, "fcpxml")).find(".//spine")
    assert len(spine) == 1000 and spine[-1].get("offset") == "8997989/30000s"  # 8989 frames
