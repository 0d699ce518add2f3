"""Writing a take is all or nothing (real PyAV/libx264): a failure at any step leaves no file
of that take, an existing take is never replaced, a delivered MP4 is kept as is, and bad
input is a ValueError before anything is written."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from bridge.library import media, take_files
from bridge.library.media import probe, read_frame
from bridge.library.take_files import write_take
from tests.take_media import RECORD, files_in, ramp


def test_a_failure_while_encoding_leaves_nothing(tmp_path: Path, monkeypatch) -> None:
    real, calls = media.even_frame, []

    def fails_partway(frame: np.ndarray) -> np.ndarray:
        calls.append(1)
        if len(calls) == 5:
            raise RuntimeError("encoder died")
        return real(frame)

    monkeypatch.setattr(media, "even_frame", fails_partway)
    with pytest.raises(RuntimeError, match="encoder died"):
        write_take(ramp(9, 32, 32), 24, RECORD, tmp_path, "boom")
    assert files_in(tmp_path) == []


def test_a_failure_after_the_video_leaves_nothing(tmp_path: Path, monkeypatch) -> None:
    def broken(frames: np.ndarray, path: Path) -> None:
        path.write_bytes(b"half a sprite")
        raise OSError("disk full")

    monkeypatch.setattr(media, "write_filmstrip", broken)
    with pytest.raises(OSError, match="disk full"):
        write_take(ramp(9, 32, 32), 24, RECORD, tmp_path, "boom")
    assert files_in(tmp_path) == []


def test_a_failure_between_renames_leaves_nothing_of_that_take(tmp_path: Path, monkeypatch):
    write_take(ramp(9, 32, 32), 24, RECORD, tmp_path, "keep")
    real, calls = take_files.os.replace, []

    def third_fails(src: Path, dst: Path) -> None:
        calls.append(dst)
        if len(calls) == 3:
            raise PermissionError("file is open in Premiere")
        real(src, dst)

    monkeypatch.setattr(take_files.os, "replace", third_fails)
    with pytest.raises(PermissionError):
        write_take(ramp(9, 32, 32), 24, RECORD, tmp_path, "again")
    assert files_in(tmp_path) == ["keep.jpg", "keep.json", "keep.mp4", "keep.strip.jpg"]


def test_an_existing_take_is_never_replaced(tmp_path: Path) -> None:
    first = write_take(ramp(5, 32, 32), 24, RECORD, tmp_path, "same")
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    with pytest.raises(FileExistsError):
        write_take(ramp(9, 16, 16), 24, {"other": 1}, tmp_path, "same")
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
    assert probe(first.video).frames == 5


def test_a_delivered_mp4_is_stored_as_is(tmp_path: Path) -> None:
    made = write_take(ramp(17, 32, 48), 16, RECORD, tmp_path / "made", "src")
    delivered = tmp_path / "staging" / "provider.mp4"
    delivered.parent.mkdir()
    delivered.write_bytes(made.video.read_bytes())
    original = delivered.read_bytes()
    take = take_files.store_encoded(delivered, {"take_id": "t1"}, tmp_path / "lib", "t1")
    assert take.video.read_bytes() == original and not delivered.exists()
    assert Image.open(take.poster).size == (48, 32)
    assert take.grid == media.filmstrip_grid(48, 32, 17)
    assert json.loads(take.sidecar.read_text("utf-8")) == {"take_id": "t1"}


def test_a_record_that_is_not_json_writes_nothing(tmp_path: Path) -> None:
    for record in ({"when": object()}, {"x": float("nan")}, {"s": {1, 2}}):
        with pytest.raises(ValueError, match="JSON"):
            write_take(ramp(3, 16, 16), 24, record, tmp_path / "t", "bad")
    assert files_in(tmp_path) == []


@pytest.mark.parametrize(
    ("frames", "fps", "record", "stem", "message"),
    [
        (np.zeros((3, 8, 8, 3), np.float32), 24, {}, "s", "uint8"),
        (np.zeros((8, 8, 3), np.uint8), 24, {}, "s", "shape"),
        (np.zeros((3, 8, 8, 4), np.uint8), 24, {}, "s", "shape"),
        (np.zeros((0, 8, 8, 3), np.uint8), 24, {}, "s", "empty"),
        ([[[[0, 0, 0]]]], 24, {}, "s", "numpy"),
        (None, 24, {}, "s", "numpy"),
        (np.zeros((3, 8, 8, 3), np.uint8), 0, {}, "s", "fps"),
        (np.zeros((3, 8, 8, 3), np.uint8), -24, {}, "s", "fps"),
        (np.zeros((3, 8, 8, 3), np.uint8), float("nan"), {}, "s", "fps"),
        (np.zeros((3, 8, 8, 3), np.uint8), float("inf"), {}, "s", "fps"),
        (np.zeros((3, 8, 8, 3), np.uint8), "24", {}, "s", "fps"),
        (np.zeros((3, 8, 8, 3), np.uint8), True, {}, "s", "fps"),
        (np.zeros((3, 8, 8, 3), np.uint8), 24, [1], "s", "record"),
        (np.zeros((3, 8, 8, 3), np.uint8), 24, {}, "", "stem"),
        (np.zeros((3, 8, 8, 3), np.uint8), 24, {}, "a/b", "stem"),
        (np.zeros((3, 8, 8, 3), np.uint8), 24, {}, "a\\b", "stem"),
        (np.zeros((3, 8, 8, 3), np.uint8), 24, {}, ".hidden", "stem"),
        (np.zeros((3, 8, 8, 3), np.uint8), 24, {}, "x:y", "stem"),
        (np.zeros((3, 8, 8, 3), np.uint8), 24, {}, "trailing.", "stem"),
        (np.zeros((3, 8, 8, 3), np.uint8), 24, {}, "con", "reserved"),
        (np.zeros((3, 8, 8, 3), np.uint8), 24, {}, "x" * 300, "too long"),
    ],
)
def test_bad_inputs_raise_value_error(tmp_path, frames, fps, record, stem, message) -> None:
    with pytest.raises(ValueError, match=message):
        write_take(frames, fps, record, tmp_path, stem)
    assert files_in(tmp_path) == []


def test_bad_reads_raise_value_error(tmp_path: Path) -> None:
    take = write_take(ramp(5, 16, 16), 24, RECORD, tmp_path, "r")
    for at in ("middle", -0.1, 0.3, float("nan"), None, True):
        with pytest.raises(ValueError):
            read_frame(take.video, at)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        probe(take.sidecar)


def test_a_take_whose_record_does_not_fit_its_type_is_answered_not_a_500(server):
    """Takes brought back from their files by recovery may hold a record of an early
    version (no size, no schema version) or a key that does not read as its type: the page
    of takes still answers, the missing keys from the take's row, the odd key left out."""
    import uuid

    from bridge.config import Settings
    from bridge.library import store
    from bridge.library.db import Database
    from tests.test_panel_support import STRIP

    conn = Database(Settings(data_dir=server.data_dir).db_path).conn()
    tag = uuid.uuid4().hex[:8]
    records = {f"tk{tag}0": {"request": {"prompt": "old é", "model": "tiny", "seed": 3}},
               f"tk{tag}1": {"timings": "not a mapping", "encode_s": 1.5}}
    for i, (take_id, record) in enumerate(records.items()):
        take = {"id": take_id, "job_id": f"jb{tag}{i}", "batch_id": f"bt{tag}",
                "created_at": 50.0 + i, "prompt": f"odd {tag}", "model": "tiny", "seed": i,
                "width": 64, "height": 36, "num_frames": 9, "fps": 24.0, "duration_s": 0.375,
                "record": record, "folder": "odd records", "stem": take_id,
                "filmstrip": STRIP}
        # The job and batch rows recovery writes hold a whole request (the take's own, or
        # the row's); only the take records are odd here.
        request = {"schema_version": 1, "prompt": f"odd {tag}", "model": "tiny", "seed": i}
        store.insert_recovered_take(conn, take, {"id": take["job_id"], "idx": 0,
                                                 "created_at": 50.0, "request": request},
                                    {"id": f"bt{tag}", "created_at": 50.0, "takes": 2,
                                     "request": request})
    conn.close()
    page = server.api("GET", "/takes", params={"q": f"odd {tag}"})
    assert page.status_code == 200, page.text
    got = {t["id"]: t["record"] for t in page.json()["takes"]}
    assert set(got) == set(records)
    old, odd = got[f"tk{tag}0"], got[f"tk{tag}1"]
    assert (old["width"], old["num_frames"], old["request"]["prompt"]) == (64, 9, "old é")
    assert "timings" not in odd and odd["encode_s"] == 1.5
    assert odd["request"]["prompt"] == f"odd {tag}"
    one = server.api("GET", f"/takes/tk{tag}1")
    assert one.status_code == 200 and "timings" not in one.json()["record"]
    assert server.api("GET", "/jobs").status_code == 200  # the library stays whole
