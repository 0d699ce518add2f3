"""Round trips of a music-video cut through every format, at every sequence rate.

The cut is shaped like an assembled board: takes at 8, 16, 24, 25 and 30 fps on V1 (trimmed,
marked), a gap with a "no take yet" marker, an overlay on V2, the song on A1 from its start,
and sequence markers with colours and notes. Each file is read back twice: by OpenTimelineIO's
own adapter and by Promptcut's import, and compared with numbers worked out in integers by
the test (`otio_media.fill`), not by the code under test.
"""

from __future__ import annotations

from fractions import Fraction

import opentimelineio as otio
import pytest

from otio_export import (
    FORMATS,
    Cut,
    Entry,
    Marker,
    build_timeline,
    entry_from_take,
    export_cut,
    read_cut,
    to_string,
)
from tests.otio_media import (
    FRAMES,
    SEQUENCE_RATES,
    SONG_RATE,
    SONG_SECONDS,
    fill,
    make_song,
    make_takes,
)

RATES = tuple(SEQUENCE_RATES)
ADAPTER = {"otio": "otio_json", "fcp7xml": "fcp_xml", "edl": "cmx_3600", "fcpxml": "fcpx_xml"}


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    base = tmp_path_factory.mktemp("otio round trip")
    takes = make_takes(base / "Takes %41 été 東京")
    song = make_song(base / "Songs ü" / "the song.wav")
    return takes, str(song)


def board_cut(media, fps: float, *, v2: bool = True) -> Cut:
    takes, song = media
    entries = [
        entry_from_take(takes[8], markers=[Marker("shot 1 hit", 4, color="GREEN",
                                                  note="the fox turns")]),
        Entry(kind="gap", duration=7, markers=[Marker("no take yet", 0, color="YELLOW",
                                                      note="shot 2")]),
        entry_from_take(takes[16], source_in=2, duration=12),
        entry_from_take(takes[24]),
        entry_from_take(takes[25], markers=[Marker("end", 9, color="RED")]),
        entry_from_take(takes[30], source_in=1),
    ]
    if v2:
        entries += [Entry(kind="gap", duration=5, track="V2"),
                    entry_from_take(takes[24], track="V2", duration=8, markers=[
                        Marker("overlay", 2, color="CYAN", note="v2 note")])]
    entries.append(Entry(media_path=song, media_fps=SONG_RATE,
                         media_frames=SONG_SECONDS * SONG_RATE, track="A1", name="the song"))
    rate = SEQUENCE_RATES[fps]
    return Cut(name="Fox cut été", fps=fps, width=32, height=32, entries=entries,
               markers=[Marker("chorus", 30, color="YELLOW", note="music"),
                        Marker("shot 3", fill(8, rate) + 7, color="BLUE")])


def expected(media, fps: float, *, v2: bool = True) -> dict[str, list[tuple]]:
    """(kind, start, duration, source_in, take id or file name) per track."""
    takes, _ = media
    rate = SEQUENCE_RATES[fps]
    v1 = [("clip", fill(8, rate), 0, 8), ("gap", 7, 0, None), ("clip", 12, 2, 16),
          ("clip", fill(24, rate), 0, 24), ("clip", fill(25, rate), 0, 25),
          ("clip", fill(30, rate) - 1, 1, 30)]
    out, start = {"V1": []}, 0
    for kind, duration, source_in, fps_of in v1:
        out["V1"].append((kind, start, duration, source_in,
                          takes[fps_of]["id"] if fps_of else None))
        start += duration
    if v2:
        out["V2"] = [("gap", 0, 5, 0, None), ("clip", 5, 8, 0, takes[24]["id"])]
    song = (SONG_SECONDS * rate.numerator) // rate.denominator
    out["A1"] = [("clip", 0, song, 0, "the song.wav")]
    return out


def layout(cut: Cut) -> dict[str, list[tuple]]:
    out: dict[str, list[tuple]] = {}
    for e in cut.entries:
        who = e.take_id or (e.media_path.replace("\\", "/").rsplit("/", 1)[-1]
                            if e.media_path else None)
        out.setdefault(e.track, []).append((e.kind, e.start, e.duration, e.source_in, who))
    return out


def markers_of(cut: Cut) -> dict[str, list[tuple]]:
    out = {"sequence": sorted((m.name, m.frame, m.color, m.note) for m in cut.markers)}
    for i, e in enumerate(cut.entries):
        if e.markers:
            out[f"{e.track}#{i}"] = [(m.name, m.frame, m.color, m.note) for m in e.markers]
    return out


def expected_markers(fmt: str, media, fps: float) -> dict[str, list[tuple]]:
    """What each format keeps of the cut's markers (docs/timelines.md, the table)."""
    f8 = fill(8, SEQUENCE_RATES[fps])
    hit, gap = ("shot 1 hit", 4, "GREEN", "the fox turns"), ("no take yet", 0, "YELLOW", "shot 2")
    end, overlay = ("end", 9, "RED", ""), ("overlay", 2, "CYAN", "v2 note")
    chorus, shot3 = ("chorus", 30, "YELLOW", "music"), ("shot 3", f8 + 7, "BLUE", "")
    if fmt in ("otio", "otioz"):
        return {"sequence": sorted([chorus, shot3]), "V1#0": [hit], "V1#1": [gap],
                "V1#4": [end], "V2#7": [overlay]}
    if fmt == "fcp7xml":  # no gap items: the gap's marker becomes a sequence marker
        return {"sequence": sorted([chorus, shot3, ("no take yet", f8, "YELLOW", "shot 2")]),
                "V1#0": [hit], "V1#4": [end], "V2#7": [overlay]}
    if fmt == "edl":  # V1's markers and the sequence's as locators at their record
        # timecode on the event under them (a gap's on a black event), upper-cased; their
        # notes as comment lines under the event
        return {"sequence": [], "V1#0": [("SHOT 1 HIT", 4, "GREEN", "the fox turns"),
                                         ("CHORUS", 30, "YELLOW", "music")],
                "V1#1": [("NO TAKE YET", 0, "YELLOW", "shot 2")],
                "V1#2": [("SHOT 3", 0, "BLUE", "")],
                "V1#4": [("END", 9, "RED", "")]}
    # FCPXML: sequence markers on the spine's clip or gap under them (a gap's read back as
    # a sequence marker); RED and GREEN are to-do/done, other colours plain.
    return {"sequence": [("no take yet", f8, "PURPLE", "shot 2")],
            "V1#0": [hit, ("chorus", 30, "PURPLE", "music")],
            "V1#2": [("shot 3", 0, "PURPLE", "")], "V1#4": [end],
            "V2#7": [("overlay", 2, "PURPLE", "v2 note")]}


def lookup_for(media):
    by_path = {t["media_path"]: t for t in media[0].values()}
    return lambda path, hint: by_path.get(path)


@pytest.mark.parametrize("fmt", list(FORMATS))
@pytest.mark.parametrize("fps", RATES)
def test_board_cut_round_trips_frame_exact(media, tmp_path, fps, fmt):
    """Every format, every sequence rate: our import gives back the cut exactly; OTIO's own
    adapter places the same clips (FCPXML: within its truncation, see the raw check)."""
    v2 = fmt != "edl"  # an EDL holds one video track (test_edl_refuses_a_second_video_track)
    cut = board_cut(media, fps, v2=v2)
    result = export_cut(cut, [fmt], tmp_path)
    path = result.files[fmt]
    # An .otioz's clips name media inside the bundle; the take ids it carries are used.
    lookup = None if fmt == "otioz" else lookup_for(media)
    back = read_cut(path.read_bytes(), path.name, lookup, edl_rate=fps)
    want = expected(media, fps, v2=v2)
    if fmt == "edl":
        want.pop("A1")
        assert any("holds no audio: A1" in w for w in result.warnings)
        assert any("no sequence markers: 2" in w for w in result.warnings)
    got = layout(back)
    if fmt == "otioz":  # media inside the bundle: media/<file name>
        assert [e.media_path for e in back.entries if e.kind == "clip"][-1] == (
            "media/the song.wav")
    assert got == want
    assert back.fps == fps and back.name == "Fox cut été"
    assert markers_of(back) == expected_markers(fmt, media, fps)
    if fmt in ("otio", "otioz", "fcp7xml"):
        assert (back.width, back.height) == (32, 32)
    if fmt in ("otio", "otioz"):
        song = next(e for e in back.entries if e.track == "A1")
        assert (song.media_fps, song.media_frames) == (SONG_RATE, SONG_SECONDS * SONG_RATE)
        assert [(e.media_fps, e.media_frames) for e in back.entries
                if e.kind == "clip" and e.track == "V1"] == [
            (8, FRAMES), (16, FRAMES), (24, FRAMES), (25, FRAMES), (30, FRAMES)]
    raw_check(path, fmt, fps, want)


def raw_check(path, fmt: str, fps: float, want: dict[str, list[tuple]]) -> None:
    """OpenTimelineIO's adapter, unaided, reads the file we wrote: the same clips per
    track, at the same frames. FCPXML's reader truncates every time through int(fps) in
    floats: at whole rates it agrees within two frames, at NTSC rates (29.97 read as 29)
    only the clips per track are compared; Promptcut's own import reads it exactly."""
    rate = SEQUENCE_RATES[fps]
    if fmt == "otioz":
        timeline = otio.adapters.read_from_file(str(path), adapter_name="otioz")
    else:
        kwargs = {"rate": float(rate)} if fmt == "edl" else {}
        timeline = otio.adapters.read_from_string(path.read_text("utf-8"),
                                                  adapter_name=ADAPTER[fmt], **kwargs)
        if isinstance(timeline, otio.schema.SerializableCollection):
            timeline = next(iter(timeline))
    tracks = sorted(timeline.tracks, key=lambda t: t.kind == otio.schema.TrackKind.Audio)
    names = [t for t in ("V1", "V2") if t in want] + [t for t in ("A1",) if t in want]
    assert len(tracks) == len(names)
    for name, track in zip(names, tracks, strict=True):
        ranges = track.range_of_all_children()
        clips = [(Fraction(ranges[c].start_time.value) / Fraction(ranges[c].start_time.rate),
                  Fraction(ranges[c].duration.value) / Fraction(ranges[c].duration.rate))
                 for c in track if isinstance(c, otio.schema.Clip)
                 and not isinstance(c.media_reference, otio.schema.GeneratorReference)]
        # (a gap holding a marker is a black event in an EDL, a generator to OTIO)
        expect = [(Fraction(s) / rate, Fraction(d) / rate) for k, s, d, _, _ in want[name]
                  if k == "clip"]
        assert len(clips) == len(expect), (name, fmt)
        if fmt == "fcpxml" and rate.denominator == 1001:
            continue  # read at 23 or 29 fps, its errors add up along the track
        slack = Fraction(2, 29) if fmt == "fcpxml" else Fraction(1, 10**6)
        for (start, duration), (want_start, want_duration) in zip(clips, expect, strict=True):
            assert abs(start - want_start) <= slack and abs(duration - want_duration) <= slack


def test_edl_refuses_a_second_video_track(media):
    with pytest.raises(Exception) as err:
        to_string(build_timeline(board_cut(media, 24)), "edl")
    assert getattr(err.value, "field", None) == "formats" and "one video track" in str(err.value)


def test_fcpxml_at_ntsc_with_a_second_track_and_a_song(media):
    """Issue 11: the adapter read back the empty frameDuration it wrote at 23.976, 29.97 and
    59.94 once a cut had a V2 or A1, and failed (a 500 through the API)."""
    for fps, duration in ((23.976, "1001/24000s"), (29.97, "1001/30000s"),
                          (59.94, "1001/60000s")):
        text = to_string(build_timeline(board_cut(media, fps)), "fcpxml")
        assert f'frameDuration="{duration}"' in text and 'frameDuration=""' not in text
        back = read_cut(text.encode(), "x.fcpxml", lookup_for(media))
        assert layout(back) == expected(media, fps)


def test_fcpxml_reads_what_the_adapter_truncates(media):
    """At 25 fps the adapter's int(29 / 25 * 25) is 28 (floats); our reader places it at 29."""
    takes, _ = media
    cut = Cut(fps=25, entries=[entry_from_take(takes[8], duration=29) for _ in range(2)] + [
        entry_from_take(takes[25], duration=8, track="V2")])
    text = to_string(build_timeline(cut), "fcpxml")
    assert 'offset="29/25s"' in text
    back = read_cut(text.encode(), "x.fcpxml")
    assert [(e.track, e.start) for e in back.entries] == [("V1", 0), ("V1", 29), ("V2", 0)]
    raw = otio.adapters.read_from_string(text, adapter_name="fcpx_xml")
    video = next(t for t in raw.tracks if t.kind == otio.schema.TrackKind.Video)
    starts = sorted(r.start_time.value for r in video.range_of_all_children().values())
    assert starts[-1] == 28  # the adapter alone loses the frame


def test_thousand_clips_land_without_drift(media):
    """1,000 16 fps and 30 fps takes in a 29.97 sequence: every start is the running sum, in
    every format."""
    takes, _ = media
    entries = [entry_from_take(takes[16] if i % 2 else takes[30], duration=7 + i % 5)
               for i in range(1000)]
    timeline = build_timeline(Cut(name="long", fps=29.97, entries=entries))
    starts = [sum(7 + j % 5 for j in range(i)) for i in range(1000)]
    for fmt in ("otio", "fcp7xml", "edl", "fcpxml"):
        back = read_cut(to_string(timeline, fmt).encode(), f"long{FORMATS[fmt].extension}",
                        edl_rate=29.97)
        assert [e.start for e in back.entries] == starts, fmt
        assert back.entries[-1].start + back.entries[-1].duration == 9000
