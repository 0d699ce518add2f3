"""Timelines through the real bridge (HTTP on loopback, real SQLite, tiny-model takes) and
through `promptcut export` reading the same library without the server."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import defusedxml.ElementTree as SafeET
import opentimelineio as otio
import pytest
from pydantic import TypeAdapter

from bridge.api.schemas.timelines import TimelineOut
from otio_export import Cut, Entry, build_timeline, formats_json, path_to_url, to_string
from tests.otio_media import make_song
from tests.test_otio_readers import premiere_xml

ROOT = Path(__file__).resolve().parents[1]
PREMIERE_XML = ROOT / ".." / "shared" / "data" / "premiere" / "premiere_example.xml"
ALL = ["otio", "otioz", "fcp7xml", "edl", "fcpxml"]


@pytest.fixture(scope="module")
def api_takes(server) -> list[dict]:
    """Two 16 fps takes (Wan's rate) and one 8 fps take (CogVideoX's), in one batch each."""
    return (server.make_takes(2, prompt="timeline fox", fps=16, steps=2)
            + server.make_takes(1, prompt="timeline owl", fps=8, steps=2))


def post_timeline(server, **body):
    return server.api("POST", "/timelines", json=body)


def stored(server) -> list[str]:
    folder = server.data_dir / "timelines"
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def test_create_download_and_import_back(server, api_takes):
    ids = [t["id"] for t in api_takes]
    resp = post_timeline(server, takes=ids, fps=24, name="API cut été", formats=ALL)
    assert resp.status_code == 201, resp.text
    timeline = resp.json()
    TimelineOut.model_validate(timeline)  # the answer is what the document declares
    assert timeline["id"].startswith("tl_") and timeline["fps"] == 24
    assert timeline["url"] == f"/api/v1/timelines/{timeline['id']}"
    # 17 frames at 16 fps fill 25 frames of 24 fps; at 8 fps, 51.
    cut = timeline["cut"]
    assert [(e["start"], e["take_id"]) for e in cut["entries"]] == [
        (0, ids[0]), (25, ids[1]), (50, ids[2])]
    assert any(w.startswith("EDL (CMX3600) carries no frame rate") for w in
               timeline["warnings"])
    folder = server.data_dir / "timelines" / timeline["id"]
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["timeline.json"] + [f"API cut été{s}" for s in
                             (".otio", ".otioz", ".xml", ".edl", ".fcpxml")])
    mimes = {f["name"]: f["mime"] for f in formats_json()}
    files = {}
    for fmt, info in timeline["formats"].items():
        got = server.api("GET", info["url"].removeprefix("/api/v1"))
        assert got.status_code == 200, fmt
        assert got.headers["Content-Type"].split(";")[0] == mimes[fmt]
        assert len(got.content) == info["bytes"]
        files[fmt] = got.content
    tl = otio.adapters.read_from_string(files["otio"].decode(), adapter_name="otio_json")
    clips = list(tl.find_clips())
    assert [c.metadata["promptcut"]["take_id"] for c in clips] == ids
    assert [c.source_range.duration.value for c in clips] == [25, 25, 51]
    assert clips[0].metadata["promptcut"]["take"]["record"]["take_id"] == ids[0]
    urls = [e.findtext("file/pathurl") for e in SafeET.fromstring(files["fcp7xml"]).iter(
        "clipitem")]
    assert urls == [path_to_url(t["media_path"], premiere=True) for t in api_takes]
    with zipfile.ZipFile(io.BytesIO(files["otioz"])) as bundle:
        assert sum(n.startswith("media/") for n in bundle.namelist()) == 3

    for fmt, name in (("fcp7xml", "back.xml"), ("otio", "back.otio"), ("edl", "back.edl"),
                      ("fcpxml", "back.fcpxml"), ("otioz", "back.otioz")):
        back = server.api("POST", "/timelines/import", files={"file": (name, files[fmt])},
                          data={"fps": "24"})
        assert back.status_code == 200, (fmt, back.text)
        TypeAdapter(Cut).validate_python(back.json())
        entries = back.json()["entries"]
        assert [(e["start"], e["duration"]) for e in entries] == [
            (0, 25), (25, 25), (50, 51)], fmt
        if fmt != "otioz":  # a bundle's clips name media inside it, matched by nothing
            assert [e["take_id"] for e in entries] == ids, fmt
            assert entries[0]["take"]["prompt"] == "timeline fox"


def test_formats_route_is_the_format_record(server):
    resp = server.api("GET", "/timelines/formats")
    assert resp.status_code == 200
    formats = resp.json()["formats"]
    assert formats == json.loads(json.dumps(formats_json()))
    assert [f["name"] for f in formats] == ALL
    edl = next(f for f in formats if f["name"] == "edl")
    assert (edl["extension"], edl["mime"], edl["carries"]["audio"]) == (".edl", "text/plain",
                                                                         False)


def test_delete_a_timeline_removes_only_its_files(server, api_takes):
    made = post_timeline(server, takes=[api_takes[0]["id"]], formats=["otio", "edl"]).json()
    folder = server.data_dir / "timelines" / made["id"]
    assert server.api("DELETE", f"/timelines/{made['id']}").status_code == 204
    assert not folder.exists()
    gone = server.api("GET", f"/timelines/{made['id']}/otio")
    assert gone.status_code == 404 and gone.json()["error"]["field"] == "timeline_id"
    assert server.api("DELETE", f"/timelines/{made['id']}").status_code == 404
    kept = post_timeline(server, takes=[api_takes[0]["id"]], formats=["otio"]).json()
    folder = server.data_dir / "timelines" / kept["id"]
    (folder / "notes of mine.txt").write_text("not Promptcut's")
    assert server.api("DELETE", f"/timelines/{kept['id']}").status_code == 204
    assert [p.name for p in folder.parent.glob(f".{kept['id']}*/*")] == ["notes of mine.txt"]
    assert server.api("DELETE", "/timelines/..%2f..%2ftoken").status_code == 404


def test_fcpxml_at_2997_with_a_second_track_is_written(server, api_takes):
    """Issue 11: a 500 (the adapter re-read an empty frameDuration)."""
    one = api_takes[0]["id"]
    resp = post_timeline(server, fps=29.97, formats=["fcpxml", "fcp7xml"], cut={"entries": [
        {"take_id": one}, {"take_id": one, "track": "V2", "duration": 10}]})
    assert resp.status_code == 201, resp.text
    text = server.api("GET", f"/timelines/{resp.json()['id']}/fcpxml").text
    assert 'frameDuration="1001/30000s"' in text and 'tcFormat="DF"' in text


def test_a_failed_format_leaves_no_timeline(server, api_takes):
    """All or nothing: .otioz fails on media that is gone after .otio and FCP7 XML were
    written; the answer is a 400 and nothing is left under timelines/."""
    before = stored(server)
    gone = server.data_dir / "media" / "loose files" / "deleted take.mp4"
    resp = post_timeline(server, formats=["otio", "fcp7xml", "otioz"], cut={"entries": [
        {"take_id": api_takes[0]["id"]},
        {"media_path": str(gone), "media_fps": 24, "media_frames": 24}]})
    assert resp.status_code == 400, resp.text
    assert resp.json()["error"]["field"] == "formats" and "deleted take.mp4" in resp.text
    assert stored(server) == before


def test_an_imported_premiere_cut_posts_back(server, api_takes, tmp_path):
    """An editor imports their sequence to add generated shots: their own footage (outside
    the library) stays in the cut as paths that are written, never opened; a clip Premiere
    rounded up by a frame is kept with a warning; switched-off clips are left out."""
    imported = server.api("POST", "/timelines/import",
                          files={"file": ("Editor cut.xml", premiere_xml())})
    assert imported.status_code == 200, imported.text
    cut = imported.json()
    take = api_takes[0]  # 17 frames at 16 fps: 31 whole frames at 29.97, Premiere says 32
    cut["entries"].append({"take_id": take["id"], "duration": 32, "track": "V1"})
    resp = post_timeline(server, cut=cut, formats=["otio", "fcp7xml"])
    assert resp.status_code == 201, resp.text
    meta = resp.json()
    warnings = "\n".join(meta["warnings"])
    assert "runs one frame past its media" in warnings
    assert "3 clip(s) name media outside the library" in warnings
    assert "disabled clip(s) left out" in warnings
    otio_text = server.api("GET", f"/timelines/{meta['id']}/otio").text
    assert "file:///D:/Footage/shot%201.mov" in otio_text
    xml = server.api("GET", f"/timelines/{meta['id']}/fcp7xml").text
    assert "file://localhost/D%3a/Footage/shot%201.mov" in xml
    bundle = post_timeline(server, cut=cut, formats=["otioz"])
    assert bundle.status_code == 400
    assert bundle.json()["error"]["field"] == "cut.entries[0].media_path"
    if PREMIERE_XML.is_file():  # the real export in shared/: 15 clips, nested and generators
        real = server.api("POST", "/timelines/import", files={
            "file": ("premiere_example.xml", PREMIERE_XML.read_bytes())}).json()
        assert (real["name"], real["fps"]) == ("sc01_sh010_layerA", 30.0)
        assert sum(e["kind"] == "clip" for e in real["entries"]) == 15
        again = post_timeline(server, cut=real, formats=["otio", "fcp7xml", "fcpxml"])
        assert again.status_code == 201, again.text


def test_import_matches_by_embedded_record_only_inside_the_library(server, api_takes, tmp_path):
    media = server.data_dir / "media"
    renamed = media / "copies é" / "renamed take.mp4"
    renamed.parent.mkdir(exist_ok=True)
    shutil.copy(api_takes[0]["media_path"], renamed)
    outside = tmp_path / "outside.mp4"
    shutil.copy(api_takes[0]["media_path"], outside)
    cut = Cut(fps=25, entries=[Entry(media_path=str(renamed), duration=5),
                               Entry(media_path=str(outside), duration=5),
                               Entry(media_path="D:/elsewhere/other.mov", duration=5)])
    text = to_string(build_timeline(cut), "otio")
    resp = server.api("POST", "/timelines/import", files={"file": ("premiere.otio", text)})
    assert resp.status_code == 200, resp.text
    got = [(e["media_path"], e["take_id"]) for e in resp.json()["entries"]]
    assert got == [(str(renamed), api_takes[0]["id"]), (str(outside), None),
                   ("D:/elsewhere/other.mov", None)]


def test_cut_of_library_files_that_are_not_takes(server, api_takes):
    """Media inside the library but unknown to it: a video's rate and length come from the
    file, a song's sample rate and length too (PyAV)."""
    loose = server.data_dir / "media" / "loose files" / "b roll.mp4"
    loose.parent.mkdir(exist_ok=True)
    shutil.copy(api_takes[2]["media_path"], loose)  # 17 frames at 8 fps
    song = make_song(server.data_dir / "media" / "songs" / "the song é.wav")
    resp = post_timeline(server, formats=["otio", "fcp7xml"], cut={"fps": 25, "entries": [
        {"media_path": str(loose)}, {"media_path": str(song), "track": "A1"}]})
    assert resp.status_code == 201, resp.text
    video, audio = resp.json()["cut"]["entries"]
    assert (video["media_fps"], video["media_frames"], video["duration"]) == (8, 17, 53)
    assert (audio["media_fps"], audio["media_frames"], audio["duration"]) == (48000, 96000,
                                                                              50)
    assert video["take_id"] is None
    broken = loose.with_name("broken.mp4")
    broken.write_bytes(b"not a video")
    resp = post_timeline(server, cut={"entries": [{"media_path": str(broken)}]})
    assert resp.status_code == 400
    assert resp.json()["error"]["field"] == "cut.entries[0].media_path"


def test_bad_requests_are_4xx(server, api_takes):
    laughs = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">'
              b'<!ENTITY b "&a;&a;&a;&a;&a;&a;">]><xmeml>&b;</xmeml>')
    one = [api_takes[0]["id"]]
    cases = [
        (lambda: server.api("POST", "/timelines/import", files={"file": ("x.xml", laughs)}),
         400, "file"),
        (lambda: server.api("POST", "/timelines/import", files={"file": ("x.xml", b"<xm")}),
         400, "file"),
        (lambda: server.api("POST", "/timelines/import", data={"nofile": "1"}), 400, "file"),
        (lambda: server.api("POST", "/timelines/import", files={"file": ("x.edl", b"x")},
                            data={"fps": "0"}), 400, "fps"),
        (lambda: post_timeline(server, takes=["t_nope"]), 400, "takes[0]"),
        (lambda: post_timeline(server, takes=one, fps=15), 400, "fps"),
        (lambda: post_timeline(server, takes=one, formats=["avid"]), 400, "formats"),
        (lambda: post_timeline(server, takes=one, formats=" , "), 400, "formats"),
        (lambda: post_timeline(server, takes=one, cut={"entries": []}), 400, "takes"),
        (lambda: post_timeline(server), 400, "takes"),
        (lambda: post_timeline(server, takes="abc"), 400, "takes"),
        (lambda: post_timeline(server, takes=one, drop_frame="yes"), 400, "drop_frame"),
        (lambda: post_timeline(server, cut={"entries": [
            {"media_path": "/etc/passwd", "duration": 5}]}, formats=["otioz"]),
         400, "cut.entries[0].media_path"),
        (lambda: post_timeline(server, cut={"entries": [  # relative: written, never bundled
            {"media_path": "relative/take.mp4", "duration": 5}]}, formats=["otioz"]),
         400, "cut.entries[0].media_path"),
        (lambda: post_timeline(server, cut={"entries": [{"take_id": "t_nope"}]}),
         400, "cut.entries[0].take_id"),
        (lambda: post_timeline(server, cut={"entries": [{"kind": "gap"}]}),
         400, "cut.entries[0].duration"),
        (lambda: post_timeline(server, cut={"entries": [{"take_id": one[0]}], "bogus": 1}),
         400, "cut.bogus"),
        (lambda: post_timeline(server, cut={"entries": [
            {"take_id": one[0]}, {"take_id": one[0], "track": "V2"}]}, formats=["edl"]),
         400, "formats"),
        (lambda: server.api("GET", "/timelines/tl_0000000000000000/otio"), 404, "timeline_id"),
        (lambda: server.api("GET", "/timelines/..%2f..%2ftoken/otio"), 404, None),
    ]
    for i, (call, status, field) in enumerate(cases):
        resp = call()
        assert resp.status_code == status, (i, resp.text)
        if field:
            assert resp.json()["error"]["field"] == field, (i, resp.text)
    made = post_timeline(server, takes=one, formats=["otio"]).json()
    missing = server.api("GET", f"/timelines/{made['id']}/edl")
    assert missing.status_code == 404 and missing.json()["error"]["field"] == "format"


def test_cli_export_without_the_server(server, api_takes, tmp_path):
    def export(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "bridge", "export", "--data-dir",
                               str(server.data_dir), *args], capture_output=True, text=True,
                              cwd=ROOT, timeout=120)

    ids = [t["id"] for t in api_takes]
    out = tmp_path / "out é"
    done = export("--takes", ",".join(ids[::-1]), "--fps", "29.97", "--non-drop", "--format",
                  "otio,fcp7xml,edl,fcpxml", "--out", str(out), "--name", "CLI cut")
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "CLI cut.edl", "CLI cut.fcpxml", "CLI cut.otio", "CLI cut.xml"]
    assert "FCM: NON-DROP FRAME" in (out / "CLI cut.edl").read_text("utf-8")
    assert "warning: EDL (CMX3600) carries no frame rate" in done.stderr
    tl = otio.adapters.read_from_file(str(out / "CLI cut.otio"))
    # 8 fps: 17 / 8 * 29.97 = 63.7 -> 63 frames; 16 fps: 31.8 -> 31.
    assert [c.source_range.duration.value for c in tl.find_clips()] == [63, 31, 31]
    assert [c.metadata["promptcut"]["take_id"] for c in tl.find_clips()] == ids[::-1]

    batch = api_takes[0]["batch_id"]
    server.api("PATCH", f"/takes/{ids[1]}", json={"status": "picked"})
    picked = export("--picked", "--batch", batch, "--format", "edl", "--out", str(tmp_path))
    assert picked.returncode == 0, picked.stderr
    edl = (tmp_path / "Promptcut cut.edl").read_text("utf-8")
    assert edl.count("* FROM CLIP:") == 1 and Path(api_takes[1]["media_path"]).name in edl

    bad = export("--takes", "t_nope", "--out", str(tmp_path))
    assert bad.returncode == 2 and "t_nope" in bad.stderr


def test_final_cut_and_premiere_exports_import_and_post_back(server, api_takes):
    """Issue 22 through the API: the editor chooses how Final Cut's compound, multicam and
    sync clips come in (a bad choice is a 400 naming `compound`); an imported cut with
    speed changes, media timecode and placeholders is written back in every format."""
    from tests.test_otio_editors import FCPX, PREMIERE

    for choice, kinds in (("content", {"file", "missing"}), ("placeholder", {"file", "missing",
                                                                            "nested"})):
        resp = server.api("POST", "/timelines/import", files={"file": ("Edit.fcpxml", FCPX)},
                          data={"compound": choice})
        assert resp.status_code == 200, resp.text
        assert {e["media_kind"] for e in resp.json()["entries"] if e["kind"] == "clip"} == kinds
    bad = server.api("POST", "/timelines/import", files={"file": ("Edit.fcpxml", FCPX)},
                     data={"compound": "flatten"})
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "compound"
    cut = server.api("POST", "/timelines/import",
                     files={"file": ("Conform 25.xml", PREMIERE)}).json()
    assert [e["speed"] for e in cut["entries"] if e["track"] == "V1"] == [1.0, 0.4, 1.0]
    resp = post_timeline(server, cut=cut, formats=["otio", "fcp7xml", "edl", "fcpxml"])
    assert resp.status_code == 201, resp.text
    edl = server.api("GET", f"/timelines/{resp.json()['id']}/edl").text
    assert "M2   B002     010.0" in edl and "01:00:04:00 01:00:06:00" in edl
