"""The reader points of issue 11, each as a named test: exact NTSC FCPXML, switched-off
clips and tracks, stills and image sequences, refusals that are sentences, and reading
what OpenTimelineIO reads. Expected values are worked out by hand in the comments."""

from __future__ import annotations

import json
import time

import opentimelineio as otio
import pytest

from otio_export import (
    Cut,
    Entry,
    ImageSequence,
    TimelineError,
    build_timeline,
    cut_from_timeline,
    read_cut,
    to_string,
)

# A Final Cut Pro export: a 29.97 drop-frame project starting at 01:00:00:00 (3600s), a
# 23.976 asset beside 29.97 ones, a clip connected on lane 1, times that are not whole
# frames in floats. At 30000/1001 fps: 1001/300 s = 100 frames; 3600s + 123 frames =
# 3600s + 123123/30000 s; the 23.976 asset-clip lasts 1001/480 s = 62.5 frames -> 63 (the
# nearest frame), starting 24024/24000 s = 1.001 s = 30 frames into its media.
FCP_EXPORT = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE fcpxml>
<fcpxml version="1.10">
  <resources>
    <format id="r1" name="FFVideoFormat1080p2997" frameDuration="1001/30000s"
            width="1920" height="1080"/>
    <format id="r2" name="FFVideoFormat1080p2398" frameDuration="1001/24000s"
            width="1920" height="1080"/>
    <asset id="r3" name="A cam" start="0s" duration="10010/1000s" hasVideo="1" format="r1"
           src="file:///Volumes/Media/A%20cam.mov"/>
    <asset id="r4" name="B cam" start="0s" duration="20s" hasVideo="1" format="r2"
           src="file:///Volumes/Media/B%27s%20cam.mov"/>
  </resources>
  <library><event name="Day 1"><project name="Edit 29.97">
    <sequence format="r1" duration="1001/100s" tcStart="3600s" tcFormat="DF">
      <spine>
        <asset-clip ref="r3" offset="3600s" name="A cam" start="0s" duration="1001/300s">
          <marker start="1001/3000s" duration="1001/30000s" value="look" note="eyes up"/>
          <asset-clip ref="r4" lane="1" offset="1001/1000s" name="B cam"
                      start="24024/24000s" duration="1001/480s" enabled="0"/>
        </asset-clip>
        <gap name="Gap" offset="108100100/30000s" duration="23023/30000s" start="3600s"/>
        <asset-clip ref="r3" offset="108123123/30000s" name="A cam again"
                    start="1001/1000s" duration="1001/1000s"/>
      </spine>
    </sequence>
  </project></event></library>
</fcpxml>"""


def test_ntsc_fcpxml_reads_exactly():
    """OTIO's reader turns 29.97 into 29 and truncates every time; Promptcut's import reads
    the frames the file means, connected clips on their own track."""
    cut = read_cut(FCP_EXPORT, "Edit.fcpxml")
    assert (cut.name, cut.fps, cut.width, cut.height, cut.drop_frame) == (
        "Edit 29.97", 29.97, 1920, 1080, True)
    v1 = [(e.kind, e.start, e.duration, e.source_in, e.name) for e in cut.entries
          if e.track == "V1"]
    # A cam: 0-100; the gap 100-123; A cam again from 3600s + 123 frames, 30 frames long,
    # 30 frames into its media (1001/1000 s).
    assert v1 == [("clip", 0, 100, 0, "A cam"), ("gap", 100, 23, 0, None),
                  ("clip", 123, 30, 30, "A cam again")]
    # B cam: 1.001 s after A cam's start (30 frames), 63 frames, 30 frames into its media.
    v2 = [(e.kind, e.start, e.duration, e.source_in, e.enabled, e.media_path)
          for e in cut.entries if e.track == "V2"]
    assert v2[-1] == ("clip", 30, 63, 30, False, "/Volumes/Media/B's cam.mov")
    first = cut.entries[0]
    assert [(m.name, m.frame, m.duration, m.note) for m in first.markers] == [
        ("look", 10, 1, "eyes up")]  # its own marker only, not B cam's
    raw = otio.adapters.read_from_string(FCP_EXPORT.decode(), adapter_name="fcpx_xml")
    assert next(iter(raw)).tracks[0][0].duration().rate == 29  # what the adapter alone says


def premiere_xml(clip_enabled: str = "FALSE", track_enabled: str = "FALSE") -> bytes:
    """An xmeml shaped like Premiere's export, with a switched-off clip on V1 and a
    switched-off V2 (Premiere writes <enabled> on both)."""
    def item(n: int, start: int, enabled: str) -> str:
        return (f'<clipitem id="clipitem-{n}"><name>shot {n}.mov</name><enabled>{enabled}'
                f"</enabled><duration>100</duration><rate><timebase>30</timebase><ntsc>TRUE"
                f"</ntsc></rate><start>{start}</start><end>{start + 20}</end><in>5</in>"
                f'<out>25</out><file id="file-{n}"><name>shot {n}.mov</name><pathurl>'
                f"file://localhost/D%3a/Footage/shot%20{n}.mov</pathurl><rate><timebase>30"
                f"</timebase><ntsc>TRUE</ntsc></rate><duration>100</duration></file>"
                f"</clipitem>")
    return (f'<?xml version="1.0"?><!DOCTYPE xmeml><xmeml version="4"><sequence '
            f'id="sequence-1"><name>Editor cut</name><rate><timebase>30</timebase><ntsc>TRUE'
            f"</ntsc></rate><timecode><rate><timebase>30</timebase><ntsc>TRUE</ntsc></rate>"
            f"<string>00:00:00;00</string><frame>0</frame><displayformat>DF</displayformat>"
            f"</timecode><media><video><track>{item(1, 0, 'TRUE')}{item(2, 20, clip_enabled)}"
            f"<enabled>TRUE</enabled></track><track>{item(3, 0, 'TRUE')}<enabled>"
            f"{track_enabled}</enabled></track></video></media></sequence></xmeml>").encode()


def test_disabled_clips_and_tracks_are_carried_and_left_out_when_written():
    cut = read_cut(premiere_xml(), "Editor cut.xml")
    assert [(e.track, e.start, e.enabled) for e in cut.entries] == [
        ("V1", 0, True), ("V1", 20, False), ("V2", 0, True)]
    assert cut.disabled_tracks == ["V2"] and cut.drop_frame is True
    assert "1 clip(s) and track(s) V2 are switched off" in cut.warnings[-1]
    again = Cut.from_dict(json.loads(json.dumps(cut.to_dict())))  # as the panel posts it
    warnings: list[str] = []
    timeline = build_timeline(again, warnings=warnings)
    assert [type(i).__name__ for i in timeline.tracks[0]] == ["Clip", "Gap"]
    assert [type(i).__name__ for i in timeline.tracks[1]] == ["Gap"]
    assert warnings == ["2 disabled clip(s) left out (V1 at frame 20, V2 at frame 0); ask "
                        "for include_disabled to write them switched off."]
    back = read_cut(to_string(timeline, "fcp7xml").encode(), "x.xml")
    assert [(e.kind, e.media_path) for e in back.entries if e.track == "V1"] == [
        ("clip", "D:/Footage/shot 1.mov")]  # the editor's footage written as its path


def test_stills_and_image_sequences_are_carried():
    """A title card (a still: no length of its own, any duration) and a rendered image
    sequence read from an .otio, and written back to every format."""
    still = otio.schema.Clip(name="title card", source_range=otio.opentime.TimeRange(
        otio.opentime.RationalTime(0, 25), otio.opentime.RationalTime(250, 25)),
        media_reference=otio.schema.ExternalReference(
            target_url="file:///Volumes/Stills/title%20card.png",
            available_range=otio.opentime.TimeRange(otio.opentime.RationalTime(0, 25),
                                                    otio.opentime.RationalTime(1, 25))))
    frames = otio.schema.ImageSequenceReference(
        target_url_base="file:///renders/shot%2010/", name_prefix="shot10.", name_suffix=".exr",
        start_frame=1001, frame_zero_padding=4, rate=25,
        available_range=otio.opentime.TimeRange(otio.opentime.RationalTime(0, 25),
                                                otio.opentime.RationalTime(48, 25)))
    rendered = otio.schema.Clip(name="shot 10", media_reference=frames,
                                source_range=otio.opentime.TimeRange(
                                    otio.opentime.RationalTime(8, 25),
                                    otio.opentime.RationalTime(40, 25)))
    timeline = otio.schema.Timeline(name="Titles", tracks=[otio.schema.Track(
        children=[still, rendered])], global_start_time=otio.opentime.RationalTime(0, 25))
    cut = read_cut(timeline.to_json_string().encode(), "Titles.otio")
    assert [(e.media_kind, e.start, e.duration, e.source_in, e.media_path)
            for e in cut.entries] == [("still", 0, 250, 0, "/Volumes/Stills/title card.png"),
                                      ("image_sequence", 250, 40, 8, "/renders/shot 10")]
    assert cut.entries[1].image_sequence == ImageSequence(
        folder="/renders/shot 10", prefix="shot10.", suffix=".exr", start_frame=1001,
        padding=4, rate=25)
    rebuilt = build_timeline(Cut.from_dict(json.loads(json.dumps(cut.to_dict()))))
    back = read_cut(to_string(rebuilt, "otio").encode(), "x.otio")
    assert [(e.media_kind, e.duration, e.image_sequence) for e in back.entries] == [
        ("still", 250, None), ("image_sequence", 40, cut.entries[1].image_sequence)]
    for fmt, name in (("fcp7xml", "x.xml"), ("fcpxml", "x.fcpxml"), ("edl", "x.edl")):
        back = read_cut(to_string(rebuilt, fmt).encode(), name, edl_rate=25)
        assert [(e.start, e.duration) for e in back.entries] == [(0, 250), (250, 40)], fmt
        assert back.entries[0].media_path == "/Volumes/Stills/title card.png", fmt
    fcp7 = to_string(rebuilt, "fcp7xml")
    assert "file://localhost/renders/shot%2010/shot10.1001.exr" in fcp7  # the first frame


def test_one_frame_longer_than_media_is_kept_with_a_warning():
    """Premiere rounds clip lengths where Promptcut floors them: a clip one frame longer
    than its media is an editor's rounding, kept; two frames is a mistake, refused."""
    media = {"media_path": "/m/take.mp4", "media_fps": 16, "media_frames": 17}  # 25.5 -> 25
    warnings: list[str] = []
    build_timeline(Cut(fps=24, entries=[Entry(**media, duration=26)]), warnings=warnings)
    assert warnings == ["entries[0]: the clip runs one frame past its media (25 frames at "
                        "24.0 fps), as an editor's rounding does; kept."]
    with pytest.raises(TimelineError) as err:
        build_timeline(Cut(fps=24, entries=[Entry(**media, duration=27)]), warnings=[])
    assert err.value.field == "entries[0].duration"


def otio_with(extra: str) -> bytes:
    return (b'{"OTIO_SCHEMA": "Timeline.1", "name": "t", "metadata": {"x": %s}, '
            b'"global_start_time": null, "tracks": {"OTIO_SCHEMA": "Stack.1", "name": "", '
            b'"metadata": {}, "source_range": null, "effects": [], "markers": [], "enabled": '
            b'true, "children": [{"OTIO_SCHEMA": "Track.1", "kind": "Video", "name": "", '
            b'"metadata": {}, "source_range": null, "effects": [], "markers": [], "enabled": '
            b'true, "children": [{"OTIO_SCHEMA": "Clip.2", "name": "", "metadata": {"y": %s},'
            b' "source_range": {"OTIO_SCHEMA": "TimeRange.1", "start_time": {"OTIO_SCHEMA": '
            b'"RationalTime.1", "rate": 24, "value": 0}, "duration": {"OTIO_SCHEMA": '
            b'"RationalTime.1", "rate": 24, "value": 12}}, "effects": [], "markers": [], '
            b'"enabled": true, "media_references": {"DEFAULT_MEDIA": {"OTIO_SCHEMA": '
            b'"MissingReference.1", "name": "", "metadata": {}, "available_range": null, '
            b'"available_image_bounds": null}}, "active_media_reference_key": '
            b'"DEFAULT_MEDIA"}]}]}}') % (extra.encode(), extra.encode())


@pytest.mark.parametrize("value", ["Infinity", "NaN", "-Infinity", "1" + "0" * 40])
def test_reads_what_opentimelineio_reads(value):
    """OTIO reads Inf, NaN and integers beyond 64 bits in metadata; so does the import."""
    data = otio_with(value)
    assert otio.adapters.read_from_string(data.decode(), adapter_name="otio_json")
    assert [(e.kind, e.duration) for e in read_cut(data, "x.otio").entries] == [("clip", 12)]


REFUSED = {
    "fcp7 clip without start": (
        b'<xmeml version="4"><sequence><name>s</name><rate><timebase>25</timebase></rate>'
        b'<media><video><track><clipitem id="c1"><name>c</name><end>10</end><in>0</in>'
        b"<out>10</out></clipitem></track></video></media></sequence></xmeml>", "x.xml",
        "lacks an element (<start>)"),
    "newer timeline schema": (b'{"OTIO_SCHEMA": "Timeline.99", "name": "t"}', "x.otio",
                              "newer OpenTimelineIO (Timeline.99)"),
    "newer clip schema": (otio_with("1").replace(b'"Clip.2"', b'"Clip.9"'), "x.otio",
                          "newer OpenTimelineIO (Clip.9); this Promptcut reads up to Clip.2"),
    "unknown schema": (otio_with("1").replace(b'"Clip.2"', b'"Weird.1"'), "x.otio",
                       "does not know (Weird.1)"),
    "truncated json": (otio_with("1")[:-30], "x.otio", "not complete JSON"),
    "fcpxml without a frame rate": (
        b'<fcpxml version="1.8"><resources><format id="r1"/></resources><project name="p">'
        b'<sequence format="r1"><spine/></sequence></project></fcpxml>', "x.fcpxml",
        "gives no frameDuration"),
    "fcpxml time that is no time": (FCP_EXPORT.replace(b'duration="1001/300s"',
                                                       b'duration="1e99999s"'), "x.fcpxml",
                                    "not a number of seconds"),
    "a time beyond any timeline": (otio_with("1").replace(b'"value": 12', b'"value": 1e300'),
                                   "x.otio", "beyond any real timeline"),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_refusals_are_sentences(case):
    """Never an exception's text ("AttributeError: 'NoneType' object has no attribute
    'find'"): what is wrong, and what to do."""
    data, name, fragment = REFUSED[case]
    with pytest.raises(TimelineError) as err:
        read_cut(data, name)
    message = err.value.message
    assert err.value.field == "file" and fragment in message, message
    assert not any(word in message for word in (
        "Error:", "NoneType", "Traceback", "object has no attribute")), message
    assert message.rstrip().endswith(".") and message[0].isupper()


def test_plain_otio_is_laid_out_as_opentimelineio_lays_it_out():
    """A plain .otio is read from its JSON without OTIO's objects (for speed); the cut is
    the same as through OTIO's own reader and layout."""
    cut = Cut(fps=29.97, entries=[
        Entry(media_path="/m/a.mp4", media_fps=30, media_frames=90, duration=20,
              markers=[]), Entry(kind="gap", duration=7),
        Entry(media_path="/m/b.mp4", media_fps=16, media_frames=40, source_in=3),
        Entry(media_path="/m/s.wav", media_fps=48000, media_frames=96000, track="A1")])
    text = to_string(build_timeline(cut), "otio")
    fast = read_cut(text.encode(), "x.otio")
    slow = cut_from_timeline(otio.adapters.read_from_string(text, adapter_name="otio_json"))
    assert fast.to_dict() == slow.to_dict()


def test_edl_with_one_event_and_100000_marker_lines_is_refused_quickly():
    """Issue 8: every line counts toward the cap, markers and comments too (it was read for
    18 s and kept 100 MB)."""
    head = b"TITLE: x\n001  AX V C 00:00:00:00 00:00:01:00 00:00:00:00 00:00:01:00\n"
    data = head + b"* LOC: 00:00:00:10 RED     M\n" * 100_000
    started = time.monotonic()
    with pytest.raises(TimelineError) as err:
        read_cut(data, "x.edl")
    assert time.monotonic() - started < 1.0
    assert "100003 lines" in err.value.message and "at most 40000" in err.value.message
