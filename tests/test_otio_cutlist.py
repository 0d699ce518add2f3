"""The cut-list model, URLs and rates: the small pieces the round trips stand on."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest

from otio_export import (
    Cut,
    Entry,
    Marker,
    TimelineError,
    build_timeline,
    entry_from_take,
    path_to_url,
    url_to_path,
)
from otio_export.rates import exact_rate, sequence_rate
from otio_export.write_edl import reel_name


def test_cut_json_round_trip():
    cut = Cut(name="A ü", fps=29.97, width=640, height=360,
              entries=[Entry(media_path="/m/a b.mp4", take_id="t1", take={"id": "t1", "x": [1]},
                             media_fps=16, media_frames=33, source_in=3, duration=20,
                             markers=[Marker("m", 2, 1, "CYAN", "n")], track="V2"),
                       Entry(kind="gap", duration=4, track="A1")],
              markers=[Marker("s", 9)], warnings=["w"])
    data = json.loads(json.dumps(cut.to_dict()))
    assert data["schema_version"] == 4
    assert Cut.from_dict(data) == cut


def test_an_older_cut_is_upgraded_and_a_newer_one_refused():
    v1 = {"schema_version": 1, "name": "first wave", "fps": 24,
          "entries": [{"media_path": "/m/a.mp4", "media_fps": 24, "media_frames": 48}]}
    cut = Cut.from_dict(v1)
    assert cut.schema_version == 4 and cut.entries[0].enabled is True
    assert (cut.entries[0].media_start, cut.entries[0].speed) == (0, 1.0)
    assert cut.entries[0].shot is None
    for version in (5, 0, "2", True):
        with pytest.raises(TimelineError) as err:
            Cut.from_dict({**v1, "schema_version": version})
        assert err.value.field == "schema_version"
        assert ("newer Promptcut" in err.value.message) == (version == 5)


@pytest.mark.parametrize(("data", "field"), [
    ([], "cut"),
    ({"entries": [{"kind": "clip", "bogus": 1}]}, "entries[0].bogus"),
    ({"entries": [{"kind": "gap"}]}, "entries[0].duration"),
    ({"entries": [{"kind": "slug", "duration": 3}]}, "entries[0].kind"),
    ({"entries": [{"duration": 3, "track": "X1"}]}, "entries[0].track"),
    ({"entries": [{"duration": 3, "track": "V100"}]}, "entries[0].track"),
    ({"entries": [{"duration": -1}]}, "entries[0].duration"),
    ({"entries": [{"duration": 10**12}]}, "entries[0].duration"),
    ({"entries": [{"duration": 1.5}]}, "entries[0].duration"),
    ({"entries": [{"duration": True}]}, "entries[0].duration"),
    ({"entries": [{"duration": 3, "media_fps": float("inf")}]}, "entries[0].media_fps"),
    ({"entries": [{"duration": 3, "markers": [{"color": "TEAL"}]}]},
     "entries[0].markers[0].color"),
    ({"entries": [{"duration": 3, "media_path": "a\x00b"}]}, "entries[0].media_path"),
    ({"entries": "nope"}, "entries"),
    ({"fps": 0}, "fps"),
    ({"schema_version": 5}, "schema_version"),
    ({"entries": [{"duration": 3, "shot": {"id": "sh", "colour": 1}}]}, "entries[0].shot.colour"),
    ({"entries": [{"duration": 3, "shot": {"notes": 3}}]}, "entries[0].shot.notes"),
    ({"entries": [{"duration": 3, "shot": {"columns": [{"name": 1}]}}]},
     "entries[0].shot.columns[0].name"),
    ({"entries": [{"duration": 3, "speed": 0}]}, "entries[0].speed"),
    ({"entries": [{"duration": 3, "media_start": -1}]}, "entries[0].media_start"),
    ({"width": 7}, "width"),
])
def test_bad_cut_names_the_field(data, field):
    with pytest.raises(TimelineError) as err:
        Cut.from_dict(data)
    assert err.value.field == field


def test_build_refuses_what_it_cannot_place():
    take = {"id": "t", "media_path": "/m/t.mp4", "fps": 16, "num_frames": 17}
    for entry, field in [
        # 25 frames at 24 fps: one more is an editor's rounding (kept), two are refused
        (entry_from_take(take, duration=27), "entries[0].duration"),
        (entry_from_take(take, source_in=25), "entries[0].source_in"),
        (Entry(media_path="/m/x.mp4"), "entries[0].duration"),  # no length known
        (Entry(media_path="a\ud800.mp4", duration=3), "entries[0].media_path"),
    ]:
        with pytest.raises(TimelineError) as err:
            build_timeline(Cut(fps=24, entries=[entry]))
        assert err.value.field == field
    with pytest.raises(TimelineError) as err:
        build_timeline(Cut(fps=15))
    assert err.value.field == "fps" and "23.976" in err.value.message


def test_build_fills_start_and_keeps_tracks_apart():
    take = {"id": "t", "media_path": "/m/t.mp4", "fps": 24, "num_frames": 48}
    cut = Cut(fps=24, entries=[entry_from_take(take, duration=10),
                               entry_from_take(take, duration=5, track="V2"),
                               Entry(kind="gap", duration=3), entry_from_take(take)])
    timeline = build_timeline(cut)
    assert [e.start for e in cut.entries] == [0, 0, 10, 13]
    assert [t.name for t in timeline.tracks] == ["V1", "V2"]
    assert timeline.tracks[0].duration().value == 13 + 48


@pytest.mark.parametrize(("path", "premiere", "url"), [
    ("/home/ed/Take s/é 東.mp4", False, "file:///home/ed/Take%20s/%C3%A9%20%E6%9D%B1.mp4"),
    ("/home/ed/Take s/é.mp4", True, "file://localhost/home/ed/Take%20s/%C3%A9.mp4"),
    ("C:\\Users\\Ed\\My Takes\\a#1%.mp4", True,
     "file://localhost/C%3a/Users/Ed/My%20Takes/a%231%25.mp4"),
    ("c:/Users/Ed/a.mp4", False, "file:///C:/Users/Ed/a.mp4"),
    ("\\\\server\\share\\a b.mp4", False, "file://server/share/a%20b.mp4"),
    ("\\\\server\\share\\a b.mp4", True, "file://server/share/a%20b.mp4"),
    ("/m/the singer's [1] & \"x\" <y>.mp4", False,
     "file:///m/the%20singer%27s%20%5B1%5D%20&%20%22x%22%20%3Cy%3E.mp4"),
])
def test_urls_both_ways(path, premiere, url):
    assert path_to_url(path, premiere=premiere) == url
    back = url_to_path(url)
    assert back == path.replace("\\", "/").replace("c:/", "C:/")


@pytest.mark.parametrize("bad", ["", "a\x00b"])
def test_bad_paths_are_refused(bad):
    with pytest.raises(TimelineError):
        path_to_url(bad)


def test_relative_paths_stay_relative():
    """An imported file's relative path is written as the same relative reference."""
    assert path_to_url("clips/a b.mp4") == "clips/a%20b.mp4"
    assert path_to_url("clips\\a.mp4", premiere=True) == "clips/a.mp4"
    assert url_to_path("clips/a%20b.mp4") == "clips/a b.mp4"


def test_url_to_path_ignores_other_schemes():
    assert url_to_path("https://example.com/a.mp4") is None
    assert url_to_path("") is None


def test_one_drop_frame_rule():
    from otio_export.rates import is_drop_frame

    ntsc = exact_rate(29.97), exact_rate(59.94)
    assert [is_drop_frame(r, None) for r in ntsc] == [True, True]
    assert [is_drop_frame(r, False) for r in ntsc] == [False, False]
    assert [is_drop_frame(r, None, default=False) for r in ntsc] == [False, False]
    for rate in (exact_rate(23.976), exact_rate(24), exact_rate(30), exact_rate(25)):
        assert is_drop_frame(rate, True) is False  # no drop-frame timecode exists there


def test_rates():
    assert exact_rate(29.97) == Fraction(30000, 1001)
    assert exact_rate(23.976) == Fraction(24000, 1001)
    assert exact_rate(23.98) == Fraction(24000, 1001)
    assert exact_rate(59.94) == Fraction(60000, 1001)
    assert exact_rate(12.5) == Fraction(25, 2)
    assert exact_rate(16) == 16
    assert exact_rate(30000 / 1001) == Fraction(30000, 1001)
    assert sequence_rate("25") == 25
    for bad in (0, -1, float("nan"), 10**6, "x"):
        with pytest.raises(TimelineError):
            exact_rate(bad)


def test_reel_names():
    assert reel_name("tk_0001") == "TK0001"
    assert reel_name("shot 01 été") == "SHOT01ET"
    assert reel_name("東京") == "AX"


@pytest.mark.parametrize(("fmt", "name"), [("otio", "x.otio"), ("fcp7xml", "x.xml"),
                                           ("edl", "x.edl"), ("fcpxml", "x.fcpxml")])
def test_media_of_unknown_length_and_media_less_clips_write(fmt, name):
    """The XML writers read every reference's available range; one made from a bare path and
    a duration has none, and a clip without media has no reference at all."""
    from otio_export import read_cut, to_string

    cut = Cut(fps=25, entries=[Entry(media_path="/m/a b.mp4", source_in=3, duration=20),
                               Entry(kind="gap", duration=3), Entry(name="slug", duration=5)])
    back = read_cut(to_string(build_timeline(cut), fmt).encode(), name, edl_rate=25)
    assert [(e.kind, e.start, e.duration, e.source_in) for e in back.entries] == [
        ("clip", 0, 20, 3), ("gap", 20, 3, 0), ("clip", 23, 5, 0)]
    assert back.entries[0].media_path == "/m/a b.mp4"


def test_text_xml_cannot_hold_and_64_bit_seeds_still_write():
    """A prompt may hold control characters or a lone surrogate, a seed may be 2**64 - 1: the
    XML writers would fail on the first, OTIO's int64 metadata on the last."""
    from otio_export import read_cut, to_string

    take = {"id": "t1", "media_path": "/m/a.mp4", "fps": 24, "num_frames": 24,
            "prompt": "fox\x01 in \ud800 snow", "seed": 2**64 - 1, "model": "tiny",
            "record": {"request": {"seed": 2**64 - 1, "deep": [[[1]]]}}}
    cut = Cut(name="cut\x0b", fps=24, entries=[entry_from_take(
        take, name="clip\x02", markers=[Marker("m\x03", 1, note="n\udfff")])])
    timeline = build_timeline(cut)
    for fmt, name in (("otio", "x.otio"), ("fcp7xml", "x.xml"), ("edl", "x.edl"),
                      ("fcpxml", "x.fcpxml")):
        back = read_cut(to_string(timeline, fmt).encode(), name)
        assert back.entries[0].duration == 24, fmt
    meta = timeline.tracks[0][0].metadata["promptcut"]["take"]
    assert meta["seed"] == str(2**64 - 1) and meta["prompt"] == "fox\ufffd in \ufffd snow"
    with pytest.raises(TimelineError):
        path_to_url("/m/\ud800.mp4")


@pytest.mark.parametrize(("name", "stem"), [
    ("Fox cut été", "Fox cut été"), ("a/b\\c:d", "a_b_c_d"), (" .hidden. ", "hidden"),
    ("CON", "_CON"), ("nul.txt", "_nul.txt"), ("x\ud800y", "x_y"), ("", "timeline"),
    ("..", "timeline"), ("a" * 300, "a" * 80)])
def test_safe_stem(name, stem):
    from otio_export import safe_stem

    assert safe_stem(name) == stem


def test_tracks_keep_their_numbers_and_a_cut_needs_a_picture():
    from otio_export import read_cut, to_string

    cut = Cut(entries=[Entry(media_path="/a.mp4", duration=5),
                       Entry(media_path="/b.mp4", duration=6, track="V3"),
                       Entry(media_path="/a.wav", duration=7, track="A2")])
    timeline = build_timeline(cut)
    assert [t.name for t in timeline.tracks] == ["V1", "V2", "V3", "A1", "A2"]
    for fmt, name in (("otio", "x.otio"), ("fcp7xml", "x.xml")):
        back = read_cut(to_string(timeline, fmt).encode(), name)
        assert [(e.track, e.media_path) for e in back.entries] == [
            ("V1", "/a.mp4"), ("V3", "/b.mp4"), ("A2", "/a.wav")], fmt
    # FCPXML keeps the stacking (lanes), not empty tracks: V3 reads back as V2.
    back = read_cut(to_string(timeline, "fcpxml").encode(), "x.fcpxml")
    assert sorted((e.track, e.media_path) for e in back.entries) == [
        ("A1", "/a.wav"), ("V1", "/a.mp4"), ("V2", "/b.mp4")]
    for empty in (Cut(), Cut(entries=[Entry(kind="gap", duration=5)]),
                  Cut(entries=[Entry(media_path="/a.wav", duration=5, track="A1")])):
        with pytest.raises(TimelineError) as err:
            build_timeline(empty)
        assert err.value.field == "entries"
