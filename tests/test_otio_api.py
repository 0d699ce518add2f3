"""Timelines through the real bridge (HTTP on loopback, real SQLite, tiny-model takes) and
through `promptcut export` reading the same library without the server."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import defusedxml.ElementTree as SafeET
import opentimelineio as otio
import pytest

from otio_export import Cut, Entry, build_timeline, path_to_url, to_string

ROOT = Path(__file__).resolve().parents[1]
PREMIERE_XML = ROOT / ".." / "shared" / "data" / "premiere" / "premiere_example.xml"


@pytest.fixture(scope="module")
def api_takes(server) -> list[dict]:
    """Two 16 fps takes (Wan's rate) and one 8 fps take (CogVideoX's), in one batch each."""
    return (server.make_takes(2, prompt="timeline fox", fps=16, steps=2)
            + server.make_takes(1, prompt="timeline owl", fps=8, steps=2))


def post_timeline(server, **body):
    return server.api("POST", "/timelines", json=body)


def test_create_download_and_import_back(server, api_takes):
    ids = [t["id"] for t in api_takes]
    resp = post_timeline(server, takes=ids, fps=24, name="API cut été",
                         formats=["otio", "otioz", "fcp7xml", "edl", "fcpxml"])
    assert resp.status_code == 201, resp.text
    timeline = resp.json()
    assert timeline["id"].startswith("tl_") and timeline["fps"] == 24
    # 17 frames at 16 fps fill 25 frames of 24 fps; at 8 fps, 51.
    cut = timeline["cut"]
    assert [(e["start"], e["take_id"]) for e in cut["entries"]] == [
        (0, ids[0]), (25, ids[1]), (50, ids[2])]
    stored = server.data_dir / "timelines" / timeline["id"]
    assert sorted(p.name for p in stored.iterdir()) == sorted(
        ["timeline.json"] + [f"API cut été{s}" for s in
                             (".otio", ".otioz", ".xml", ".edl", ".fcpxml")])
    files = {}
    for fmt, info in timeline["formats"].items():
        got = server.api("GET", info["url"].removeprefix("/api/v1"))
        assert got.status_code == 200, fmt
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

    for fmt, name in (("fcp7xml", "back.xml"), ("otio", "back.otio"), ("edl", "back.edl")):
        back = server.api("POST", "/timelines/import", files={"file": (name, files[fmt])},
                          data={"fps": "24"})
        assert back.status_code == 200, (fmt, back.text)
        entries = back.json()["entries"]
        assert [(e["start"], e["duration"], e["take_id"]) for e in entries] == [
            (0, 25, ids[0]), (25, 25, ids[1]), (50, 51, ids[2])], fmt
        assert entries[0]["take"]["prompt"] == "timeline fox"


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


def test_import_the_real_premiere_export(server):
    if not PREMIERE_XML.is_file():
        pytest.skip(f"the real Premiere export is not at {PREMIERE_XML}")
    resp = server.api("POST", "/timelines/import",
                      files={"file": ("premiere_example.xml", PREMIERE_XML.read_bytes())})
    assert resp.status_code == 200, resp.text
    cut = resp.json()
    assert (cut["name"], cut["fps"]) == ("sc01_sh010_layerA", 30.0)
    assert sum(e["kind"] == "clip" for e in cut["entries"]) == 15
    assert all(e["take_id"] is None for e in cut["entries"])


def test_cut_of_a_library_file_that_is_not_a_take(server, api_takes):
    """Media inside the library but unknown to it: its rate and length come from the file."""
    loose = server.data_dir / "media" / "loose files" / "b roll.mp4"
    loose.parent.mkdir(exist_ok=True)
    shutil.copy(api_takes[2]["media_path"], loose)  # 17 frames at 8 fps
    resp = post_timeline(server, cut={"fps": 25, "entries": [{"media_path": str(loose)}]},
                         formats=["otio"])
    assert resp.status_code == 201, resp.text
    entry = resp.json()["cut"]["entries"][0]
    assert (entry["media_fps"], entry["media_frames"], entry["duration"]) == (8, 17, 53)
    assert entry["take_id"] is None
    broken = loose.with_name("broken.mp4")
    broken.write_bytes(b"not a video")
    resp = post_timeline(server, cut={"entries": [{"media_path": str(broken)}]})
    assert resp.status_code == 400
    assert resp.json()["error"]["field"] == "cut.entries[0].media_path"


def test_bad_requests_are_4xx(server, api_takes, tmp_path):
    laughs = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">'
              b'<!ENTITY b "&a;&a;&a;&a;&a;&a;">]><xmeml>&b;</xmeml>')
    one = [api_takes[0]["id"]]
    cases = [
        (lambda: server.api("POST", "/timelines/import", files={"file": ("x.xml", laughs)}),
         400, "file"),
        (lambda: server.api("POST", "/timelines/import", files={"file": ("x.xml", b"<xm")}),
         400, "file"),
        (lambda: server.api("POST", "/timelines/import", data={"nofile": "1"}), 400, "file"),
        (lambda: post_timeline(server, takes=["t_nope"]), 400, "takes[0]"),
        (lambda: post_timeline(server, takes=one, fps=15), 400, "fps"),
        (lambda: post_timeline(server, takes=one, formats=["avid"]), 400, "formats"),
        (lambda: post_timeline(server, takes=one, cut={"entries": []}), 400, "takes"),
        (lambda: post_timeline(server), 400, "takes"),
        (lambda: post_timeline(server, takes="abc"), 400, "takes"),
        (lambda: post_timeline(server, cut={"entries": [
            {"media_path": "/etc/passwd", "duration": 5}]}, formats=["otioz"]),
         400, "cut.entries[0].media_path"),
        (lambda: post_timeline(server, cut={"entries": [{"take_id": "t_nope"}]}),
         400, "cut.entries[0].take_id"),
        (lambda: post_timeline(server, cut={"entries": [{"kind": "gap"}]}),
         400, "cut.entries[0].duration"),
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
    done = export("--takes", ",".join(ids[::-1]), "--fps", "25", "--format",
                  "otio,fcp7xml,edl,fcpxml", "--out", str(out), "--name", "CLI cut")
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "CLI cut.edl", "CLI cut.fcpxml", "CLI cut.otio", "CLI cut.xml"]
    tl = otio.adapters.read_from_file(str(out / "CLI cut.otio"))
    # 8 fps: 17 / 8 * 25 = 53.1 -> 53 frames; 16 fps: 26.6 -> 26.
    assert [c.source_range.duration.value for c in tl.find_clips()] == [53, 26, 26]
    assert [c.metadata["promptcut"]["take_id"] for c in tl.find_clips()] == ids[::-1]

    batch = api_takes[0]["batch_id"]
    server.api("PATCH", f"/takes/{ids[1]}", json={"status": "picked"})
    picked = export("--picked", "--batch", batch, "--format", "edl", "--out", str(tmp_path))
    assert picked.returncode == 0, picked.stderr
    edl = (tmp_path / "Promptcut cut.edl").read_text("utf-8")
    assert edl.count("* FROM CLIP:") == 1 and Path(api_takes[1]["media_path"]).name in edl

    bad = export("--takes", "t_nope", "--out", str(tmp_path))
    assert bad.returncode == 2 and "t_nope" in bad.stderr
