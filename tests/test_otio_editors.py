"""Interchange III (issue 22): real editors' files read as the file says, one test per point,
and shot names kept in EDL and FCPXML (issue 21).

Every fixture is written here by hand in its tool's dialect (Final Cut Pro's FCPXML 1.9+,
Premiere's xmeml, an Avid/Premiere CMX3600 list, a Kdenlive-style .otio); every expected
number is worked out in the comments from the fixture, not taken from the code under test.
"""

from __future__ import annotations

import json

import opentimelineio as otio
import pytest
from defusedxml import ElementTree as SafeET

from otio_export import (
    Cut,
    Entry,
    Marker,
    TimelineError,
    build_timeline,
    export_cut,
    read_cut,
    to_string,
)
from otio_export.assemble import BoardShot, assemble

# --- Final Cut Pro ------------------------------------------------------------------------
# A 60p project (r2) whose <resources> hold a 29.97 compound clip's sequence (r1) first; media
# named by <media-rep> only (FCPXML 1.9+); a title, an audition, a sync clip with a marker, a
# multicam clip, a compound clip and a gap holding a marker, on the primary storyline. The
# project starts at 3600s (01:00:00:00); at 60 fps one second is 60 frames.
FCPX = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE fcpxml>
<fcpxml version="1.11">
  <resources>
    <format id="r1" name="FFVideoFormat1080p2997" frameDuration="1001/30000s" width="1920"
            height="1080"/>
    <format id="r2" name="FFVideoFormat1080p60" frameDuration="1/60s" width="1280"
            height="720"/>
    <media id="r7" name="Compound 1">
      <sequence format="r1" duration="10s" tcStart="3600s">
        <spine>
          <asset-clip ref="r4" offset="3600s" name="Inner B" start="0s" duration="5s"/>
          <asset-clip ref="r6" offset="3605s" name="Inner Wide" start="10s" duration="5s"/>
        </spine>
      </sequence>
    </media>
    <asset id="r3" name="Interview" start="3600s" duration="600s" hasVideo="1" hasAudio="1"
           format="r2">
      <media-rep kind="original-media" src="file:///Volumes/Media/Interview%20A.mov"/>
    </asset>
    <asset id="r4" name="B roll" start="0s" duration="100s" hasVideo="1" format="r2">
      <media-rep kind="original-media" src="file:///Volumes/Media/B%20roll.mov"/>
    </asset>
    <asset id="r6" name="Wide" start="0s" duration="100s" hasVideo="1" format="r2">
      <media-rep kind="original-media" src="file:///Volumes/Media/Wide.mov"/>
    </asset>
    <effect id="r5" name="Basic Title"
            uid=".../Titles.localized/Bumper:Opener.localized/Basic Title.localized/x.moti"/>
    <media id="r8" name="Multicam A">
      <multicam format="r2" tcStart="0s">
        <mc-angle name="Cam A" angleID="a1">
          <asset-clip ref="r4" offset="0s" name="Cam A" duration="50s"/>
        </mc-angle>
        <mc-angle name="Cam B" angleID="b2">
          <asset-clip ref="r6" offset="0s" name="Cam B" start="20s" duration="50s"/>
        </mc-angle>
      </multicam>
    </media>
  </resources>
  <library>
    <event name="Day 1">
      <project name="Edit 60p">
        <sequence format="r2" duration="13s" tcStart="3600s" tcFormat="NDF">
          <spine>
            <asset-clip ref="r3" offset="3600s" name="Interview" start="3610s" duration="2s"/>
            <title ref="r5" offset="3602s" name="Lower third" start="3600s" duration="2s">
              <text><text-style ref="ts1">Ada, director</text-style></text>
            </title>
            <audition offset="3604s">
              <asset-clip ref="r4" offset="3604s" name="Pick" start="1s" duration="2s"/>
              <asset-clip ref="r6" offset="3604s" name="Alternate" start="0s" duration="30s"/>
            </audition>
            <sync-clip offset="3606s" name="Synced" start="10s" duration="2s">
              <asset-clip ref="r4" offset="10s" name="Synced video" start="40s" duration="5s"/>
              <asset-clip ref="r3" lane="-1" srcEnable="audio" offset="10s"
                          name="Synced audio" start="3600s" duration="5s"/>
              <marker start="11s" duration="1/60s" value="sync mark"/>
            </sync-clip>
            <mc-clip ref="r8" offset="3608s" name="Multicam A" start="1s" duration="2s">
              <mc-source angleID="b2" srcEnable="video"/>
              <mc-source angleID="a1" srcEnable="audio"/>
            </mc-clip>
            <ref-clip ref="r7" offset="3610s" name="Compound 1" start="3604s" duration="2s"/>
            <gap offset="3612s" name="Gap" start="3600s" duration="1s">
              <marker start="3600s" duration="1/60s" value="Shot 7: no take yet"/>
            </gap>
          </spine>
        </sequence>
      </project>
    </event>
  </library>
</fcpxml>"""


def v1(cut: Cut) -> list[tuple]:
    return [(e.kind, e.start, e.duration, e.source_in, e.media_kind, e.name, e.media_path,
             [(m.name, m.frame) for m in e.markers]) for e in cut.entries if e.track == "V1"]


def test_fcpxml_rate_and_drop_frame_come_from_the_project_sequence():
    """Point 1: the compound clip's 29.97 sequence comes first in <resources>; the project
    is 60p (and 1280x720), and is written back as 60p."""
    cut = read_cut(FCPX, "Edit.fcpxml")
    assert (cut.fps, cut.width, cut.height) == (60, 1280, 720)
    assert 'frameDuration="1/60s"' in to_string(build_timeline(cut), "fcpxml")
    # A 29.97 drop-frame project whose compound clip's sequence (first) is 25p.
    df = (FCPX.replace(b'<sequence format="r1" duration="10s"',
                       b'<sequence format="r9" duration="10s"')
          .replace(b'<format id="r1" ', b'<format id="r9" name="FFVideoFormat1080p25" '
                   b'frameDuration="1/25s" width="1920" height="1080"/><format id="r1" ')
          .replace(b'format="r2" duration="13s" tcStart="3600s" tcFormat="NDF"',
                   b'format="r1" duration="13s" tcStart="3600s" tcFormat="DF"'))
    dfcut = read_cut(df, "df.fcpxml")
    assert (dfcut.fps, dfcut.drop_frame) == (29.97, True)


def test_fcpxml_media_rep_paths_and_source_in_survive_a_round_trip():
    """Point 2: Interview's path is only in <media-rep>; it starts 10 s into media whose
    timecode starts at 3600 s: source_in 600, media start 216000 frames (3600 x 60)."""
    cut = read_cut(FCPX, "Edit.fcpxml")
    interview = cut.entries[0]
    assert (interview.media_path, interview.source_in, interview.media_start) == (
        "/Volumes/Media/Interview A.mov", 600, 216000)
    text = to_string(build_timeline(cut), "fcpxml")
    assert 'src="file:///Volumes/Media/Interview%20A.mov"' in text
    again = read_cut(text.encode(), "again.fcpxml").entries[0]
    assert (again.media_path, again.source_in, again.media_start, again.duration) == (
        "/Volumes/Media/Interview A.mov", 600, 216000, 120)


def test_fcpxml_titles_auditions_sync_and_multicam_clips_come_in():
    """Point 3, active content (the default): each item 2 s = 120 frames from 0."""
    cut = read_cut(FCPX, "Edit.fcpxml")
    assert v1(cut) == [
        ("clip", 0, 120, 600, "file", "Interview", "/Volumes/Media/Interview A.mov", []),
        ("clip", 120, 120, 0, "missing", "Lower third", None, []),  # the title
        # the audition's pick, 1 s in; its 30 s alternate left out (nothing moved)
        ("clip", 240, 120, 60, "file", "Pick", "/Volumes/Media/B roll.mov", []),
        # the sync clip's video: its range 10-12 s of the sync clip, whose video starts at
        # 10 s with media 40 s: 40 s = 2400 frames; its marker at 11 s is 1 s = 60 in
        ("clip", 360, 120, 2400, "file", "Synced video", "/Volumes/Media/B roll.mov",
         [("sync mark", 60)]),
        # the multicam's video angle b2 at 1 s: Cam B starts 20 s into Wide: 21 s = 1260
        ("clip", 480, 120, 1260, "file", "Cam B", "/Volumes/Media/Wide.mov", []),
        # the compound's 4-6 s (3604s-3606s of its timecode): Inner B 4-5 s, Inner Wide from
        # its 10 s + 0 (at 60 fps, 1 s = 60 frames)
        ("clip", 600, 60, 240, "file", "Inner B", "/Volumes/Media/B roll.mov", []),
        ("clip", 660, 60, 600, "file", "Inner Wide", "/Volumes/Media/Wide.mov", [])]
    audio = [(e.start, e.duration, e.name) for e in cut.entries if e.track == "A1"]
    assert audio[-1] == (360, 120, "Synced audio")  # cut to the sync clip's 2 s
    assert [(m.name, m.frame) for m in cut.markers] == [("Shot 7: no take yet", 720)]
    joined = " ".join(cut.warnings)
    for said in ("1 title(s) read as placeholder", "1 audition(s) read as their active pick; "
                 "1 alternate(s) left out", "1 sync clip(s)", "1 multicam clip(s)",
                 "1 compound clip(s) read as their contents"):
        assert said in joined


def test_fcpxml_compound_multicam_and_sync_clips_as_named_placeholders():
    """Points 3 and 12, the editor's other choice: one named placeholder each, markers
    kept; the file with a compound clip is read, not refused."""
    cut = read_cut(FCPX, "Edit.fcpxml", compound="placeholder")
    assert [(e.start, e.duration, e.media_kind, e.name, [(m.name, m.frame) for m in e.markers])
            for e in cut.entries if e.track == "V1"][3:] == [
        (360, 120, "missing", "Synced", [("sync mark", 60)]),
        (480, 120, "missing", "Multicam A", []),
        (600, 120, "nested", "Compound 1", [])]
    with pytest.raises(TimelineError) as err:
        read_cut(FCPX, "Edit.fcpxml", compound="flatten")
    assert err.value.field == "compound"


# --- Premiere (xmeml) ---------------------------------------------------------------------
RATE25 = "<rate><timebase>25</timebase><ntsc>FALSE</ntsc></rate>"


def tc(string: str, frame: int) -> str:
    return (f"<timecode>{RATE25}<string>{string}</string><frame>{frame}</frame>"
            "<displayformat>NDF</displayformat></timecode>")


def speed(percent: int) -> str:
    params = "".join(
        f'<parameter authoringApp="PremierePro"><parameterid>{pid}</parameterid>'
        f"<name>{pid}</name><value>{value}</value></parameter>"
        for pid, value in (("variablespeed", 0), ("speed", percent), ("reverse", "FALSE"),
                           ("frameblending", "FALSE")))
    return (f"<filter><effect><name>Time Remap</name><effectid>timeremap</effectid>"
            f"<effectcategory>motion</effectcategory><effecttype>motion</effecttype>"
            f"<mediatype>video</mediatype>{params}</effect></filter>")


# A 25 fps sequence: A001 (media timecode 01:00:00:00 = frame 90000) used from its frame 100
# for 50 frames, with three markers of its master clip (frames 120, 10 and 400: only 120 lies
# in 100-150); B002 at 40 % for 50 frames (20 media frames, in 20 out 40); a nested sequence
# with its marker; an 83-minute song (124500 frames at 25 = 4980 s = 239,040,000 samples).
PREMIERE = f"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE xmeml>
<xmeml version="4"><sequence id="sequence-1"><name>Conform 25</name><duration>150</duration>
{RATE25}{tc("00:00:00:00", 0)}<media><video>
<format><samplecharacteristics><width>1920</width><height>1080</height></samplecharacteristics>
</format><track>
<clipitem id="clipitem-1"><name>A001</name><enabled>TRUE</enabled><duration>5000</duration>
{RATE25}<start>0</start><end>50</end><in>100</in><out>150</out>
<file id="file-1"><name>A001.mov</name><pathurl>file://localhost/Volumes/Media/A001.mov</pathurl>
{RATE25}<duration>5000</duration>{tc("01:00:00:00", 90000)}<media><video/></media></file>
<marker><comment>rack focus</comment><name>focus</name><in>120</in><out>-1</out></marker>
<marker><comment></comment><name>master 1</name><in>10</in><out>-1</out></marker>
<marker><comment></comment><name>master 2</name><in>400</in><out>-1</out></marker>
</clipitem>
<clipitem id="clipitem-2"><name>B002</name><enabled>TRUE</enabled><duration>1000</duration>
{RATE25}<start>50</start><end>100</end><in>20</in><out>40</out>
<file id="file-2"><name>B002.mov</name><pathurl>file://localhost/Volumes/Media/B002.mov</pathurl>
{RATE25}<duration>1000</duration>{tc("00:00:00:00", 0)}<media><video/></media></file>
{speed(40)}</clipitem>
<clipitem id="clipitem-3"><name>Nest</name><enabled>TRUE</enabled><duration>100</duration>
{RATE25}<start>100</start><end>150</end><in>0</in><out>50</out>
<sequence id="sequence-2"><name>Nest</name><duration>100</duration>{RATE25}<media><video><track>
<clipitem id="clipitem-4"><name>A001</name><duration>5000</duration>{RATE25}<start>0</start>
<end>100</end><in>0</in><out>100</out><file id="file-1"/></clipitem>
</track></video></media></sequence>
<marker><comment>nested note</comment><name>nest mark</name><in>30</in><out>-1</out></marker>
</clipitem></track></video>
<audio><track><clipitem id="clipitem-5"><name>Score</name><enabled>TRUE</enabled>
<duration>124500</duration>{RATE25}<start>0</start><end>150</end><in>0</in><out>150</out>
<file id="file-5"><name>Score.wav</name><pathurl>file://localhost/Volumes/Media/Score.wav</pathurl>
{RATE25}<duration>124500</duration><media><audio><samplecharacteristics><depth>16</depth>
<samplerate>48000</samplerate></samplecharacteristics><channelcount>2</channelcount></audio>
</media></file></clipitem></track></audio></media></sequence></xmeml>""".encode()


@pytest.fixture(scope="module")
def premiere() -> Cut:
    return read_cut(PREMIERE, "Conform 25.xml")


def test_fcp7_clip_markers_count_from_the_media_start(premiere):
    """Point 4: `focus` at media frame 120 is frame 20 of the clip (in 100); the master
    clip's markers at 10 and 400 are outside 100-150: left out, counted, not piled on 0.
    The nested sequence's placeholder keeps its marker (30 frames in)."""
    a001, _, nest = [e for e in premiere.entries if e.track == "V1"]
    assert [(m.name, m.frame, m.note) for m in a001.markers] == [("focus", 20, "rack focus")]
    assert (nest.media_kind, [(m.name, m.frame, m.note) for m in nest.markers]) == (
        "nested", [("nest mark", 30, "nested note")])
    assert any(w.startswith("2 clip marker(s) lie outside") for w in premiere.warnings)
    written = to_string(build_timeline(premiere), "fcp7xml")
    again = read_cut(written.encode(), "again.xml")
    assert [(m.name, m.frame) for m in again.entries[0].markers] == [("focus", 20)]


def test_speed_comes_in_as_speed_and_goes_out_in_every_format(premiere):
    """Point 5: B002 at 40 % plays 20 media frames in 50; EDL M2 10 fps (40 % of 25), FCP7
    Time Remap 40 with out = in + 20, FCPXML a timeMap; each reads back at 0.4."""
    b002 = premiere.entries[1]
    assert (b002.duration, b002.source_in, b002.speed) == (50, 20, 0.4)
    timeline = build_timeline(Cut(fps=25, entries=[b002]))
    edl = to_string(timeline, "edl")
    # source 00:00:00:20 to 00:00:01:15 (20 + 20 frames), record 0-50 frames
    assert "00:00:00:20 00:00:01:15 00:00:00:00 00:00:02:00" in edl
    assert "M2   B002     010.0    00:00:00:20" in edl
    xml = SafeET.fromstring(to_string(timeline, "fcp7xml").split("<!DOCTYPE xmeml>")[1])
    item = next(xml.iter("clipitem"))
    assert (item.findtext("in"), item.findtext("out")) == ("20", "40")
    assert [p.findtext("value") for p in item.iter("parameter")
            if p.findtext("parameterid") == "speed"] == ["40"]
    assert "<timeMap>" in to_string(timeline, "fcpxml")
    for fmt, name in (("edl", "x.edl"), ("fcp7xml", "x.xml"), ("fcpxml", "x.fcpxml"),
                      ("otio", "x.otio")):
        back = read_cut(to_string(timeline, fmt).encode(), name, edl_rate=25)
        clip = next(e for e in back.entries if e.kind == "clip")
        assert (clip.duration, clip.source_in, clip.speed) == (50, 20, 0.4), fmt


def test_fcpxml_conform_rate_and_time_map_are_speeds():
    """Point 5, Final Cut: a 23.98 clip conformed in a 25 project plays 25/23.976 fast; a
    timeMap from 0 s to 4 s of the clip onto 0 s to 2 s of the media is half speed."""
    text = (FCPX.replace(b'<asset-clip ref="r3" offset="3600s" name="Interview" '
                         b'start="3610s" duration="2s"/>',
                         b'<asset-clip ref="r3" offset="3600s" name="Interview" start="0s" '
                         b'duration="2s"><timeMap><timept time="0s" value="3610s" '
                         b'interp="smooth2"/><timept time="4s" value="3612s" '
                         b'interp="smooth2"/></timeMap></asset-clip>')
            .replace(b'name="Pick" start="1s" duration="2s"/>',
                     b'name="Pick" start="1s" duration="2s"><conform-rate '
                     b'srcFrameRate="23.98"/></asset-clip>'))
    cut = read_cut(text, "retimed.fcpxml")
    interview, _, pick = [e for e in cut.entries if e.track == "V1"][:3]
    assert (interview.speed, interview.source_in) == (0.5, 600)
    assert pick.speed == pytest.approx(60 / (24000 / 1001))


def test_long_audio_is_limited_by_time_not_samples(premiere):
    """Point 6: 239,040,000 samples (83 minutes) came in over the 10^8 frame limit."""
    score = next(e for e in premiere.entries if e.track == "A1")
    assert (score.media_fps, score.media_frames) == (48000, 239_040_000)
    assert Cut.from_dict(json.loads(json.dumps(premiere.to_dict()))) == premiere
    otio_text = to_string(build_timeline(premiere), "otio")  # the song's samples, in .otio
    again = read_cut(otio_text.encode(), "again.otio")
    assert next(e.media_frames for e in again.entries if e.track == "A1") == 239_040_000
    with pytest.raises(TimelineError) as err:
        Cut.from_dict({"entries": [{"duration": 3, "media_fps": 48000,
                                    "media_frames": 10**13}]})
    assert err.value.field == "entries[0].media_frames"


def test_media_start_timecode_is_kept_and_written(premiere):
    """Point 7: A001's media starts at 01:00:00:00 (frame 90000); used from frame 100, its
    source timecode is 01:00:04:00 (100 = 4 s) in the EDL, and FCP7 XML says 01:00:00:00."""
    a001 = premiere.entries[0]
    assert (a001.media_start, a001.source_in) == (90000, 100)
    timeline = build_timeline(Cut(fps=25, entries=[a001]))
    assert "01:00:04:00 01:00:06:00 00:00:00:00 00:00:02:00" in to_string(timeline, "edl")
    xml = SafeET.fromstring(to_string(timeline, "fcp7xml").split("<!DOCTYPE xmeml>")[1])
    assert xml.find(".//file/timecode/string").text == "01:00:00:00"
    assert next(xml.iter("clipitem")).findtext("in") == "100"
    for fmt, name in (("fcp7xml", "x.xml"), ("fcpxml", "x.fcpxml"), ("otio", "x.otio")):
        back = read_cut(to_string(timeline, fmt).encode(), name).entries[0]
        assert (back.media_start, back.source_in) == (90000, 100), fmt


# --- EDL ----------------------------------------------------------------------------------
# A Premiere/Avid list at 25 fps whose sequence starts at 01:00:00:00 and whose first event
# comes 10 s in; locators at record timecode.
EDL = b"""TITLE: Sequence 01
FCM: NON-DROP FRAME

001  A001     V     C        01:00:04:00 01:00:06:00 01:00:10:00 01:00:12:00
* FROM CLIP NAME:  A001.mov
* LOC: 01:00:11:05 YELLOW  FOCUS PULL
002  B002     V     C        00:00:10:00 00:00:12:00 01:00:12:00 01:00:14:00
* FROM CLIP NAME:  B002.mov
* LOC: 01:00:12:00 RED     START OF B
* LOC: 01:00:20:00 BLUE    AFTER THE END
"""


def test_edl_locators_are_record_timecode():
    """Point 8: 01:00:11:05 is 1 s 5 f = 30 frames into A001 (record 01:00:10:00);
    01:00:12:00 is B002's first frame; 01:00:20:00 is past every event: a sequence marker at
    20 s = 500 frames, said in the warnings."""
    cut = read_cut(EDL, "Sequence 01.edl", edl_rate=25)
    assert [(e.kind, e.start, e.duration, [(m.name, m.frame) for m in e.markers])
            for e in cut.entries] == [
        ("gap", 0, 250, []), ("clip", 250, 50, [("FOCUS PULL", 30)]),
        ("clip", 300, 50, [("START OF B", 0)])]
    assert [(m.name, m.frame, m.color) for m in cut.markers] == [("AFTER THE END", 500, "BLUE")]
    assert any(w.startswith("1 locator(s) fall outside") for w in cut.warnings)


def test_edl_leading_gap_survives_a_round_trip():
    """Point 11: the list's first event 10 s after 01:00:00:00 is 250 frames of gap, and a
    cut starting with a gap keeps it through our own EDL."""
    cut = Cut(fps=25, entries=[Entry(kind="gap", duration=37),
                               Entry(media_path="/m/a.mov", media_fps=25, media_frames=100,
                                     duration=20)])
    back = read_cut(to_string(build_timeline(cut), "edl").encode(), "a.edl", edl_rate=25)
    assert [(e.kind, e.start, e.duration) for e in back.entries] == [
        ("gap", 0, 37), ("clip", 37, 20)]


def test_edl_refusals_are_sentences_with_the_adapter_text_in_details():
    """Point 13: an event whose source runs 102 frames and record 90, read at 29.97."""
    bad = (b"TITLE: x\nFCM: NON-DROP FRAME\n001  AX       V     C        00:00:00:00 "
           b"00:00:03:12 00:00:00:00 00:00:03:00\n* FROM CLIP NAME:  a.mov\n")
    with pytest.raises(TimelineError) as err:
        read_cut(bad, "x.edl", edl_rate=29.97)
    assert err.value.message == (
        "The EDL (CMX3600) file cannot be read. Event 'a.mov' runs 102 frames of its source "
        "but 90 frames on the record side, and no M2 line gives it a speed. Check the event, "
        "or whether the list is at another frame rate (give its fps on import).")
    assert "RationalTime" not in err.value.message and "RationalTime(102" in err.value.detail


# --- OTIO (Kdenlive) ----------------------------------------------------------------------
def kdenlive_otio(url: str) -> bytes:
    """What Kdenlive's OTIO export holds: guides as sequence markers and clip markers, their
    text in Marker.comment."""
    rate = 25.0
    clip = otio.schema.Clip(name="interview", media_reference=otio.schema.ExternalReference(
        target_url=url, available_range=otio.opentime.TimeRange(
            otio.opentime.RationalTime(0, rate), otio.opentime.RationalTime(500, rate))),
        source_range=otio.opentime.TimeRange(otio.opentime.RationalTime(10, rate),
                                             otio.opentime.RationalTime(40, rate)))
    clip.markers.append(otio.schema.Marker(
        name="Marker", comment="cut here on the breath", marked_range=otio.opentime.TimeRange(
            otio.opentime.RationalTime(15, rate), otio.opentime.RationalTime(0, rate))))
    timeline = otio.schema.Timeline(name="kdenlive", global_start_time=otio.opentime.RationalTime(
        0, rate))
    timeline.tracks.append(otio.schema.Track(name="V1", children=[clip]))
    timeline.tracks.markers.append(otio.schema.Marker(
        name="Guide", comment="chorus starts", marked_range=otio.opentime.TimeRange(
            otio.opentime.RationalTime(30, rate), otio.opentime.RationalTime(0, rate))))
    return otio.adapters.write_to_string(timeline, "otio_json").encode()


def test_otio_marker_comment_is_kept():
    """Point 9: the comment is the note, in and out (OTIO's own field and ours)."""
    cut = read_cut(kdenlive_otio("file:///home/ada/interview.mp4"), "k.otio")
    assert [(m.name, m.frame, m.note) for m in cut.entries[0].markers] == [
        ("Marker", 5, "cut here on the breath")]
    assert [(m.name, m.note) for m in cut.markers] == [("Guide", "chorus starts")]
    written = otio.adapters.read_from_string(to_string(build_timeline(cut), "otio"), "otio_json")
    assert written.tracks.markers[0].comment == "chorus starts"


def test_relative_media_paths_are_written_relative(tmp_path):
    """Point 10: a path relative to the imported file's folder is written relative, as it
    was read (docs/timelines.md), in every format, and reads back the same."""
    cut = read_cut(kdenlive_otio("clips/inter view.mp4"), "k.otio")
    assert cut.entries[0].media_path == "clips/inter view.mp4"
    result = export_cut(cut, ["otio", "fcp7xml", "edl", "fcpxml"], tmp_path)
    for fmt, path in result.files.items():
        back = read_cut(path.read_bytes(), path.name, edl_rate=25)
        clip = next(e for e in back.entries if e.kind == "clip")
        assert clip.media_path.endswith("clips/inter view.mp4"), fmt
    assert '"target_url": "clips/inter%20view.mp4"' in result.files["otio"].read_text()
    with pytest.raises(TimelineError) as err:
        export_cut(cut, ["otioz"], tmp_path / "z")
    assert "relative" in err.value.message


# --- Shot names (issue 21) ----------------------------------------------------------------
def test_shot_names_survive_in_edl_and_fcpxml():
    """A board's cut: shot 1 picked (frames 0-24), shot 2 without a take (24-48), shot 3
    picked (48-72) at 24 fps. The EDL has a locator with each shot's name on its event (a
    black event for shot 2); FCPXML a marker on each spine item; both read back."""
    take = {"id": "t1", "media_path": "/m/take.mp4", "fps": 24, "num_frames": 48}
    cut = assemble("Board", 24, 640, 360, [
        BoardShot("s1", "Opening", 0, 24, (take,)), BoardShot("s2", "Crowd", 24, 48),
        BoardShot("s3", "Finale", 48, 72, (take,))])
    timeline = build_timeline(cut)
    edl = to_string(timeline, "edl")
    assert "001  BL" not in edl and "BL       V     C" in edl
    for name, tc_ in (("OPENING", "00:00:00:00"), ("CROWD", "00:00:01:00"),
                      ("FINALE", "00:00:02:00")):
        assert f"* LOC: {tc_} BLUE    {name}" in edl
    back = read_cut(edl.encode(), "b.edl", edl_rate=24)
    names = {m.name for e in back.entries for m in e.markers}
    assert {"OPENING", "CROWD", "FINALE", "CROWD: NO TAKE YET"} <= names
    fcpx = to_string(timeline, "fcpxml")
    again = read_cut(fcpx.encode(), "b.fcpxml")
    names = {m.name for e in again.entries for m in e.markers} | {m.name for m in again.markers}
    assert {"Opening", "Crowd", "Finale", "Crowd: no take yet"} <= names
    crowd = next(m for m in again.markers if m.name == "Crowd")
    assert crowd.frame == 24


def test_what_edl_and_fcpxml_cannot_carry_is_said(tmp_path):
    cut = Cut(fps=24, entries=[Entry(media_path="/m/a.mov", media_fps=24, media_frames=48,
                                     duration=24)], markers=[Marker("Shot 1", 0), Marker("x", 5)])
    result = export_cut(cut, ["edl", "fcpxml"], tmp_path)
    assert "EDL (CMX3600) has no sequence markers: 2 written as markers on the events " \
           "(locators at their record timecode) under them." in result.warnings
    assert "FCPXML has no sequence markers: 2 written as markers on the clips and gaps of the " \
           "spine under them." in result.warnings


def test_what_a_constant_speed_cannot_hold_is_said():
    """Point 5: a reversed Time Remap and a three-point timeMap ramp are read at a constant
    forward speed, each said in a warning."""
    reverse = PREMIERE.replace(b"<name>reverse</name><value>FALSE</value>",
                               b"<name>reverse</name><value>TRUE</value>")
    cut = read_cut(reverse, "reverse.xml")
    assert cut.entries[1].speed == 0.4
    assert any(w.startswith("1 clip(s) play in reverse") for w in cut.warnings)
    ramp = FCPX.replace(b'name="Interview" start="3610s" duration="2s"/>',
                        b'name="Interview" start="0s" duration="2s"><timeMap>'
                        b'<timept time="0s" value="3610s"/><timept time="1s" value="3610.2s"/>'
                        b'<timept time="2s" value="3612s"/></timeMap></asset-clip>')
    cut = read_cut(ramp, "ramp.fcpxml")
    assert cut.entries[0].speed == 1.0  # (3612 - 3610) / 2: its average
    assert any(w.startswith("1 clip(s) change speed within the clip") for w in cut.warnings)


def test_fcpxml_compound_clip_holding_a_generator_is_read():
    """Point 12: a compound clip whose storyline holds a generator (a solid: a <clip> whose
    <video> names an <effect>) was refused ("export it again"). Compound 1 now runs 2 s of
    Inner B, then 1 s of the solid; its 3604s-3606s is Inner B from 4 s (1 s = 60 frames),
    then the solid."""
    solid = (b'<effect id="r9" name="Custom" uid=".../Generators.localized/Solids.localized/'
             b'Custom.localized/Custom.motn"/>')
    text = (FCPX.replace(b'<asset id="r3"', solid + b'\n    <asset id="r3"', 1)
            .replace(b'<asset-clip ref="r6" offset="3605s" name="Inner Wide" start="10s" '
                     b'duration="5s"/>',
                     b'<clip offset="3605s" name="Solid" duration="5s"><video ref="r9" '
                     b'offset="0s" duration="5s"/></clip>'))
    cut = read_cut(text, "solid.fcpxml")
    assert v1(cut)[-2:] == [
        ("clip", 600, 60, 240, "file", "Inner B", "/Volumes/Media/B roll.mov", []),
        ("clip", 660, 60, 0, "missing", "Solid", None, [])]
    assert any(w.startswith("1 generator(s)") for w in cut.warnings)
    nested = read_cut(text, "solid.fcpxml", compound="placeholder")
    assert [e.media_kind for e in nested.entries if e.track == "V1"][-1] == "nested"
