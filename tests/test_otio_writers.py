"""The writer bugs of issue 11, each as a named test, on real takes (tests/otio_media.py)."""

from __future__ import annotations

import os
import shutil
import zipfile
from pathlib import Path

import defusedxml.ElementTree as SafeET
import opentimelineio as otio
import pytest

from otio_export import (
    FORMATS,
    Cut,
    Entry,
    Marker,
    TimelineError,
    WriteOptions,
    build_timeline,
    entry_from_take,
    export_cut,
    read_cut,
    to_string,
)
from tests.otio_media import make_takes, take_id

ALL = list(FORMATS)
RATES = (23.976, 24, 25, 29.97, 30, 59.94)
SUFFIX = {f: FORMATS[f].extension for f in FORMATS}


@pytest.fixture(scope="module")
def takes(tmp_path_factory):
    return make_takes(tmp_path_factory.mktemp("otio writers") / "Takes %41 été")


@pytest.fixture(scope="module")
def hostile(takes, tmp_path_factory):
    """A real take copied under the names prompts and data folders produce."""
    folder = tmp_path_factory.mktemp("writers") / "Takes %41 été [draft] & co"
    folder.mkdir()
    names = ["the singer's face.mp4", "zoom 50%ab.mp4", "a #1 (take).mp4"]
    if os.name != "nt":  # Windows forbids these in file names
        names.append('quote " lt < [x].mp4')
    out = []
    for i, name in enumerate(names):
        path = folder / name
        shutil.copy(takes[24]["media_path"], path)
        out.append({**takes[24], "id": take_id(100 + i), "media_path": str(path),
                    "prompt": name.removesuffix(".mp4")})
    return out


def read_back(path: Path, fmt: str, fps: float = 24):
    return read_cut(path.read_bytes(), path.name, edl_rate=fps)


@pytest.mark.parametrize("fmt", ALL)
def test_hostile_file_names_in_every_writer(hostile, tmp_path, fmt):
    """Apostrophes (the FCPXML writer built an XPath predicate from them: a 500), quotes,
    ampersands, brackets, "%41" and "%ab" in file and folder names: every writer writes them,
    OTIO's own adapter reads them, and our import gives back the same paths."""
    cut = Cut(name="the singer's cut & co", fps=24, width=32, height=32,
              entries=[entry_from_take(t, duration=10) for t in hostile])
    path = export_cut(cut, [fmt], tmp_path).files[fmt]
    back = read_back(path, fmt)
    assert [(e.start, e.duration) for e in back.entries] == [(i * 10, 10)
                                                             for i in range(len(hostile))]
    if fmt == "otioz":
        with zipfile.ZipFile(path) as bundle:
            members = sorted(n for n in bundle.namelist() if n.startswith("media/"))
        assert members == sorted(f"media/{Path(t['media_path']).name}" for t in hostile)
        assert [e.media_path for e in back.entries] == [
            f"media/{Path(t['media_path']).name}" for t in hostile]
        raw = otio.adapters.read_from_file(str(path), adapter_name="otioz")
    else:
        assert [e.media_path for e in back.entries] == [t["media_path"] for t in hostile]
        kwargs = {"rate": 24} if fmt == "edl" else {}
        raw = otio.adapters.read_from_string(path.read_text("utf-8"),
                                             adapter_name=FORMATS[fmt].adapter, **kwargs)
    assert len(list(raw.find_clips())) == len(hostile)


def test_otioz_paths_with_percent_hex(hostile, tmp_path):
    """A folder "Takes %41" and a prompt "zoom 50%ab": OTIO's bundler decodes paths twice
    ("%41" became "A"), so the file was not found."""
    entries = [entry_from_take(t, duration=5) for t in hostile if "%" in t["media_path"]]
    assert len(entries) == len(hostile)  # all sit in "Takes %41 ...", one is "zoom 50%ab"
    path = export_cut(Cut(fps=24, entries=entries), ["otioz"], tmp_path).files["otioz"]
    with zipfile.ZipFile(path) as bundle:
        assert "media/zoom 50%ab.mp4" in bundle.namelist()
        size = bundle.getinfo("media/zoom 50%ab.mp4").file_size
    assert size == Path(hostile[1]["media_path"]).stat().st_size


def test_fcp7_take_used_twice_has_complete_clipitems(takes):
    """The same take cut in twice (and the same cut of it): the writer made the second a bare
    <clipitem id="..."/> that Premiere cannot place. Every clipitem is complete; the <file>
    is shared as Premiere's own exports share it."""
    same = [entry_from_take(takes[16], duration=10) for _ in range(3)]
    text = to_string(build_timeline(Cut(fps=24, entries=same)), "fcp7xml")
    items = SafeET.fromstring(text).findall(".//clipitem")
    assert len(items) == 3
    for i, item in enumerate(items):
        assert [item.findtext(t) for t in ("start", "end", "in", "out")] == [
            str(i * 10), str(i * 10 + 10), "0", "10"]
    files = [item.find("file") for item in items]
    assert files[0].find("pathurl") is not None and all(
        len(f) == 0 and f.get("id") == files[0].get("id") for f in files[1:])
    assert len({item.get("id") for item in items}) == 3
    back = read_cut(text.encode(), "x.xml")
    assert [(e.start, e.duration) for e in back.entries] == [(0, 10), (10, 10), (20, 10)]


def test_edl_reels_are_unique_and_mapped(takes):
    """Take ids are time-ordered: their first 8 characters are the same for takes made
    minutes apart, and every source starts at 00:00:00:00, so reels named from them could
    not be told apart. Each file gets its own reel, mapped in the comments."""
    assert len({t["id"][:8] for t in takes.values()}) == 1
    entries = [entry_from_take(t, duration=8) for t in takes.values()]
    entries.append(entry_from_take(takes[8], duration=4))  # the same take again
    entries += [Entry(media_path=f"/m/shot 01 été {n}.mov", duration=3) for n in (1, 2)]
    timeline = build_timeline(Cut(fps=25, entries=entries, markers=[Marker("m", 3)]))
    before = timeline.to_json_string()
    text = to_string(timeline, "edl")
    assert timeline.to_json_string() == before  # the writer (which mutates) left it alone
    events = [line.split() for line in text.splitlines() if line[:3].isdigit()]
    reels = [e[1] for e in events]
    assert all(len(e) == 8 for e in events)  # no reel splits the event line
    assert reels[0] == reels[5]  # the same file keeps its reel
    assert len(set(reels)) == 7 and all(len(r) <= 8 for r in reels)
    assert reels[:5] == [t["id"][-8:].upper() for t in takes.values()]
    assert reels[6:] == ["SHOT01ET", "SHOT01E2"]
    blocks = text.split("\n\n")
    for reel, take in zip(reels, takes.values(), strict=False):
        block = next(b for b in blocks if f"  {reel} " in b)
        assert f"* SOURCE FILE: {take['media_path']}" in block
        assert f"* FROM CLIP NAME:  {Path(take['media_path']).name}" in block


@pytest.mark.parametrize("fps", RATES)
def test_one_drop_frame_rule_in_every_format(takes, tmp_path, fps):
    """23.976 EDLs said DROP FRAME; FCP7 XML said NDF where the EDL of the same cut said DF.
    One rule: drop-frame at 29.97 and 59.94 only, the same in every format, read back."""
    drop = fps in (29.97, 59.94)
    cut = Cut(fps=fps, entries=[entry_from_take(takes[30], duration=9) for _ in range(300)])
    files = export_cut(cut, ALL, tmp_path).files
    assert _modes(files) == {"DF" if drop else "NDF"}
    for fmt, path in files.items():
        assert read_back(path, fmt, fps).drop_frame == (drop if drop else None), fmt
    edl = files["edl"].read_text("utf-8")
    assert (";" in edl.split("\n", 3)[3]) == drop  # the timecodes themselves


def test_drop_frame_can_be_switched_off(takes, tmp_path):
    """Configurable: a 29.97 cut in non-drop timecode, in every format, placed exactly."""
    cut = Cut(fps=29.97, entries=[entry_from_take(takes[30], duration=9) for _ in range(300)])
    files = export_cut(cut, ALL, tmp_path, options=WriteOptions(drop_frame=False)).files
    assert _modes(files) == {"NDF"}
    edl = files["edl"].read_text("utf-8")
    assert "01:29;" not in edl and "00:01:30:00" in edl  # frame 2700 in 30 fps counting
    for fmt, path in files.items():
        back = read_back(path, fmt, 29.97)
        assert back.drop_frame is False, fmt
        assert [e.start for e in back.entries] == [i * 9 for i in range(300)], fmt
    cut.drop_frame = True  # a cut may say so itself (an imported one does)
    edl = export_cut(cut, ["edl"], tmp_path / "df",
                     options=WriteOptions(drop_frame=False)).files["edl"]
    assert "FCM: DROP FRAME" in edl.read_text("utf-8")


def _modes(files: dict[str, Path]) -> set[str]:
    """The timecode mode each file states: FCP7 <displayformat>, EDL FCM, FCPXML tcFormat,
    .otio's metadata."""
    out = set()
    xml = SafeET.parse(files["fcp7xml"]).getroot()
    out.add(xml.findtext(".//sequence/timecode/displayformat"))
    fcm = files["edl"].read_text("utf-8").splitlines()[1]
    out.add({"FCM: DROP FRAME": "DF", "FCM: NON-DROP FRAME": "NDF"}[fcm])
    out.add(SafeET.parse(files["fcpxml"]).getroot().find(".//sequence").get("tcFormat"))
    for fmt in ("otio", "otioz"):
        if fmt == "otioz":
            with zipfile.ZipFile(files[fmt]) as bundle:
                text = bundle.read("content.otio").decode()
        else:
            text = files[fmt].read_text("utf-8")
        tl = otio.adapters.read_from_string(text, adapter_name="otio_json")
        out.add("DF" if tl.metadata["promptcut"]["drop_frame"] else "NDF")
    return out


def test_unc_paths_in_fcp7_xml():
    """A library on a network share: Premiere expects file://server/share/..., not
    file://localhost//server/share/..."""
    cut = Cut(fps=25, entries=[Entry(media_path="\\\\studio-nas\\Takes été\\a b.mp4",
                                     duration=5),
                               Entry(media_path="//studio-nas/Takes/c.mp4", duration=5)])
    timeline = build_timeline(cut)
    urls = [i.findtext("file/pathurl") for i in SafeET.fromstring(
        to_string(timeline, "fcp7xml")).iter("clipitem")]
    assert urls == ["file://studio-nas/Takes%20%C3%A9t%C3%A9/a%20b.mp4",
                    "file://studio-nas/Takes/c.mp4"]
    for fmt in ("otio", "fcp7xml", "fcpxml", "edl"):
        back = read_cut(to_string(timeline, fmt).encode(), f"x{SUFFIX[fmt]}", edl_rate=25)
        assert [e.media_path for e in back.entries] == [
            "//studio-nas/Takes été/a b.mp4", "//studio-nas/Takes/c.mp4"], fmt


def test_a_failed_format_leaves_no_files(takes, tmp_path):
    """Writing is all or nothing: .otioz fails (its media is gone) after .otio and FCP7 XML
    were written, and none of them is left."""
    gone = tmp_path / "gone.mp4"
    cut = Cut(fps=24, entries=[entry_from_take(takes[24]), Entry(
        media_path=str(gone), media_fps=24, media_frames=24)])
    out = tmp_path / "out"
    with pytest.raises(TimelineError) as err:
        export_cut(cut, ["otio", "fcp7xml", "otioz", "edl"], out)
    assert err.value.field == "formats" and "gone.mp4" in err.value.message
    assert list(out.iterdir()) == []


def test_disabled_clips_are_left_out_unless_asked(takes):
    """A clip or track switched off is a gap when written (with a warning), or written
    switched off when asked: OTIO's enabled, FCP7's <enabled>FALSE</enabled>, FCPXML's
    enabled="0"; the EDL leaves it out either way (and says so)."""
    cut = Cut(fps=24, entries=[entry_from_take(takes[24], duration=6),
                               entry_from_take(takes[25], duration=6, enabled=False),
                               entry_from_take(takes[30], duration=6, track="V2")],
              disabled_tracks=["V2"])
    warnings: list[str] = []
    plain = build_timeline(cut, warnings=warnings)
    assert [type(i).__name__ for i in plain.tracks[0]] == ["Clip", "Gap"]
    assert "2 disabled clip(s) left out" in warnings[0]
    kept = build_timeline(cut, WriteOptions(include_disabled=True))
    assert [c.enabled for c in kept.tracks[0]] == [True, False]
    assert kept.tracks[1].enabled is False
    fcp7 = SafeET.fromstring(to_string(kept, "fcp7xml"))
    assert [i.findtext("enabled") for i in fcp7.iter("clipitem")] == [None, "FALSE", None]
    assert fcp7.find(".//video/track[2]").findtext("enabled") == "FALSE"
    fcpx = SafeET.fromstring(to_string(kept, "fcpxml"))
    assert [c.get("enabled") for c in fcpx.iter("clip")] == [None, "0", "0"]
    for fmt in ("otio", "fcp7xml", "fcpxml"):
        back = read_cut(to_string(kept, fmt).encode(), f"x{SUFFIX[fmt]}")
        clips = [e for e in back.entries if e.kind == "clip"]
        assert [e.enabled for e in clips] == [True, False, fmt != "fcpxml"]
        assert back.disabled_tracks == ([] if fmt == "fcpxml" else ["V2"]), fmt
        assert "switched off in the file" in back.warnings[-1]
    # An EDL has no switched-off clips or tracks: V1's clip and the V2 track are left out.
    events = [line for line in to_string(kept, "edl").splitlines() if line[:3].isdigit()]
    assert len(events) == 1


def test_what_a_format_cannot_carry_is_in_the_warnings(takes, tmp_path):
    cut = Cut(fps=29.97, entries=[
        entry_from_take(takes[24], duration=10, markers=[
            Marker("beat", 2, 3, "MAGENTA", "a note"), Marker("Hit", 5, color="CYAN")]),
        Entry(kind="gap", duration=4, markers=[Marker("no take yet", 0, color="YELLOW")]),
        Entry(media_path="/m/song.wav", media_fps=48000, media_frames=96000, track="A1")],
        markers=[Marker("chorus", 12, color="BLACK")])
    result = export_cut(cut, ["otio", "fcp7xml", "edl", "fcpxml"], tmp_path)
    by = {fmt: [w for w in result.warnings if w.startswith(FORMATS[fmt].label)]
          for fmt in ("otio", "fcp7xml", "edl", "fcpxml")}
    assert by["otio"] == []
    assert by["fcp7xml"] == [
        "FCP7 XML has no markers on gaps: 1 written as sequence markers at the same frames.",
        "FCP7 XML (Premiere's marker colours) writes BLACK as WHITE, MAGENTA as PINK."]
    assert by["edl"] == [
        "EDL (CMX3600) holds no audio: A1 left out.",
        "EDL (CMX3600) has no sequence markers: 1 written as markers on the events (locators "
        "at their record timecode) under them.",
        "EDL (CMX3600) keeps no marker notes: each is written as comment lines (* NOTE: "
        "marker: text) under the event it falls on, which Promptcut's import reads back.",
        "EDL (CMX3600) keeps no marker durations (markers become points).",
        "EDL (CMX3600) marker names are upper-cased.",
        "EDL (CMX3600) carries no frame rate or size: import it at 29.97 fps."]
    assert by["fcpxml"] == [
        "FCPXML has no sequence markers: 1 written as markers on the clips and gaps of the "
        "spine under them.",
        "FCPXML has no markers on gaps: 1 written on the gaps, read back as sequence markers.",
        "FCPXML keeps only RED, GREEN, PURPLE markers: BLACK, CYAN, MAGENTA, YELLOW read back "
        "as PURPLE."]
    xml = SafeET.parse(result.files["fcp7xml"]).getroot()
    colours = [m.findtext("pproColor") for m in xml.iter("marker")]
    assert "4289825711" in colours and "4294967295" in colours  # PINK, WHITE
