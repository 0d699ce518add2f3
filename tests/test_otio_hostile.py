"""Malformed, truncated and hostile files: a TimelineError naming the file, fast, never a
crash, a hang or a fetch."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from otio_export import Cut, Entry, TimelineError, check_media_roots, read_cut

PREMIERE_XML = (Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "premiere"
                / "premiere_example.xml")

LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE xmeml [
 <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
 <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
 <!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
]>
<xmeml version="4"><sequence><name>&f;</name></sequence></xmeml>"""

EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE xmeml [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<xmeml version="4"><sequence><name>&x;</name></sequence></xmeml>"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE xmeml SYSTEM "http://127.0.0.1:9/evil.dtd">
<xmeml version="4"><sequence><name>x</name></sequence></xmeml>"""


def sequence(clip: str, rate: str = "<rate><timebase>30</timebase><ntsc>FALSE</ntsc></rate>"
             ) -> bytes:
    return (f'<?xml version="1.0"?><xmeml version="4"><sequence id="sequence-1">'
            f"<name>s</name>{rate}<media><video><track>{clip}</track></video></media>"
            f"</sequence></xmeml>").encode()


def clipitem(start: str = "0", end: str = "10", in_: str = "0", out: str = "10") -> str:
    return (f'<clipitem id="clipitem-1"><name>c</name><start>{start}</start><end>{end}</end>'
            f"<in>{in_}</in><out>{out}</out><file id=\"file-1\"><name>c.mov</name>"
            "<pathurl>file://localhost/c.mov</pathurl></file></clipitem>")


def deep_xml(levels: int) -> bytes:
    return (b"<xmeml>" + b"<a>" * levels + b"</a>" * levels + b"</xmeml>")


HOSTILE = {
    "billion laughs": (LAUGHS, "x.xml"),
    "external entity": (EXTERNAL, "x.xml"),
    "deep xml": (deep_xml(100_000), "x.xml"),
    "truncated xml": (None, "premiere_example.xml"),
    "empty": (b"   \n", "x.xml"),
    "not xml": (b"\x00\x01\x02binary", "x.xml"),
    "wrong root": (b"<html><body/></html>", "x.xml"),
    "zero timebase": (sequence(clipitem(), "<rate><timebase>0</timebase></rate>"), "x.xml"),
    "huge start": (sequence(clipitem(start="1" + "0" * 30, end="-1")), "x.xml"),
    "huge float": (sequence(clipitem(end="1e400")), "x.xml"),
    "nan start": (sequence(clipitem(start="nan")), "x.xml"),
    "text end": (sequence(clipitem(end="ten")), "x.xml"),
    "self nested": (sequence('<clipitem id="clipitem-1"><name>n</name><start>0</start>'
                             '<end>5</end><in>0</in><out>5</out><sequence id="sequence-1"/>'
                             "</clipitem>"), "x.xml"),
    "latin-1": ("<?xml version='1.0'?><xmeml><sequence><name>é</name></sequence></xmeml>"
                .encode("latin-1"), "x.xml"),
    "deep json": (b"[" * 100_000 + b"]" * 100_000, "x.otio"),
    "json depth 65": (json.dumps(json.loads("[" * 65 + "]" * 65)).encode(), "x.otio"),
    "truncated json": (b'{"OTIO_SCHEMA": "Timeline.1", "name": "x", "tracks": {', "x.otio"),
    "json not otio": (b'{"hello": "world"}', "x.otio"),
    "escaped quotes without end": (b'{"a": "' + b'\\"' * 3_000_000, "x.otio"),
    "zip that is not an otioz": (b"PK\x03\x04" + b"\0" * 100, "x.otioz"),
    "json wrong schema": (b'{"OTIO_SCHEMA": "Timeline.99", "name": 5}', "x.otio"),
    "otio huge time": (None, "x.otio"),
    "otio clip without range or media": (
        b'{"OTIO_SCHEMA": "Timeline.1", "name": "t", "tracks": {"OTIO_SCHEMA": "Stack.1",'
        b' "children": [{"OTIO_SCHEMA": "Track.1", "kind": "Video", "children": [{'
        b'"OTIO_SCHEMA": "Clip.2", "name": "c", "source_range": null, "media_references": {},'
        b' "active_media_reference_key": "DEFAULT_MEDIA"}]}]}}', "x.otio"),
    "otio unknown schema in a track": (
        b'{"OTIO_SCHEMA": "Timeline.1", "name": "t", "tracks": {"OTIO_SCHEMA": "Stack.1",'
        b' "children": [{"OTIO_SCHEMA": "Track.1", "kind": "Video", "children": [{'
        b'"OTIO_SCHEMA": "Weird.1", "name": "x"}]}]}}', "x.otio"),
    "unknown suffix": (b"PK\x03\x04", "x.zip"),
    "edl of marker lines": (b"001  AX V C 00:00:00:00 00:00:01:00 00:00:00:00 00:00:01:00\n"
                            + b"* LOC: 00:00:00:10 RED     M\n" * 100_000, "x.edl"),
    "too many xml clips": (sequence(clipitem() * 10_001), "x.xml"),
    "too many otio clips": (b'{"OTIO_SCHEMA": "Timeline.1", "x": ['
                            + b", ".join([b'{"OTIO_SCHEMA": "Gap.1"}'] * 10_001) + b"]}",
                            "x.otio"),
    "too many edl events": (b"".join(b"%03d  AX V C 00:00:00:00 00:00:00:01 00:00:00:00 "
                                     b"00:00:00:01\n" % i for i in range(10_001)), "x.edl"),
}


def huge_time_otio() -> bytes:
    import opentimelineio as otio
    clip = otio.schema.Clip(name="c", source_range=otio.opentime.TimeRange(
        otio.opentime.RationalTime(0, 24), otio.opentime.RationalTime(1e15, 24)))
    tl = otio.schema.Timeline(tracks=[otio.schema.Track(children=[clip])])
    return tl.to_json_string().encode()


@pytest.mark.timeout(30)
@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_file_is_a_clear_error(case):
    data, name = HOSTILE[case]
    if case == "truncated xml":
        if not PREMIERE_XML.is_file():
            pytest.skip("the real Premiere export is not in ../shared")
        data = PREMIERE_XML.read_bytes()[:20_000]
    if case == "otio huge time":
        data = huge_time_otio()
    started = time.monotonic()
    with pytest.raises(TimelineError) as err:
        read_cut(data, name)
    assert time.monotonic() - started < 5
    assert err.value.field == "file"
    assert err.value.message and len(err.value.message) <= 600


def test_external_dtd_is_never_fetched():
    """Expat does not load external DTDs; the file reads as the sequence it holds."""
    started = time.monotonic()
    assert read_cut(EXTERNAL_DTD, "x.xml").name == "x"
    assert time.monotonic() - started < 5


def test_oversized_file_is_refused_before_parsing():
    with pytest.raises(TimelineError) as err:
        read_cut(b"<xmeml>" + b" " * (17 * 1024 * 1024) + b"</xmeml>", "big.xml")
    assert "at most" in err.value.message


def test_media_outside_the_library_is_refused(tmp_path):
    library = tmp_path / "media"
    (library / "b1").mkdir(parents=True)
    inside = library / "b1" / "take.mp4"
    inside.write_bytes(b"x")
    (tmp_path / "secret.txt").write_text("s")
    (library / "link.mp4").symlink_to(tmp_path / "secret.txt")
    ok = Cut(entries=[Entry(media_path=str(inside), duration=5)])
    check_media_roots(ok, [library])
    for bad in (str(tmp_path / "secret.txt"), str(library / ".." / "secret.txt"),
                str(library / "link.mp4"), "/etc/passwd", "relative/take.mp4",
                "C:\\Windows\\win.ini"):
        cut = Cut(entries=[Entry(kind="gap", duration=3), Entry(media_path=bad, duration=5)])
        with pytest.raises(TimelineError) as err:
            check_media_roots(cut, [library])
        assert err.value.field == "entries[1].media_path", bad


def test_compound_clips_that_multiply_when_opened_are_bounded():
    """Compound clips of ten uses of compound clips of ten uses ... (a 'billion laughs' of
    FCPXML): opened, the items would multiply past every limit; refused fast, naming the
    way around (compound=placeholder), which reads it."""
    import time

    from otio_export import TimelineError, read_cut

    media = []
    for level in range(4):  # level L lasts 10^(L+1) s: ten uses of level L-1, each whole
        step = 10**level
        inner = "".join(
            f'<ref-clip ref="m{level - 1}" offset="{i * step}s" name="c" duration="{step}s"/>'
            if level else f'<asset-clip ref="a1" offset="{i}s" name="x" duration="1s"/>'
            for i in range(10))
        media.append(f'<media id="m{level}" name="m{level}"><sequence format="f1" '
                     f'duration="{10 * step}s"><spine>{inner}</spine></sequence></media>')
    text = (f'<?xml version="1.0"?><fcpxml version="1.10"><resources><format id="f1" '
            f'frameDuration="1/25s" width="64" height="64"/><asset id="a1" name="a" '
            f'src="file:///m/a.mov" start="0s" duration="100s" hasVideo="1" format="f1"/>'
            f'{"".join(media)}</resources><library><event name="e"><project name="p">'
            f'<sequence format="f1" duration="10s"><spine>'
            + "".join(f'<ref-clip ref="m3" offset="{i * 10**4}s" name="top" '
                      f'duration="{10**4}s"/>' for i in range(10))
            + "</spine></sequence></project></event></library></fcpxml>").encode()
    started = time.monotonic()
    with pytest.raises(TimelineError) as err:
        read_cut(text, "laughs.fcpxml")
    assert "compound=placeholder" in err.value.message and err.value.field == "file"
    assert time.monotonic() - started < 10
