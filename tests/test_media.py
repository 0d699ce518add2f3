"""Takes on disk, with real PyAV/libx264: exact rates and counts, faststart, the record in the
MP4 and the sidecar, poster and filmstrip, frame reads, and nothing left behind on failure."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from bridge.library import media
from bridge.library.media import fps_fraction, probe, read_frame
from bridge.library.take_files import write_take
from tests.take_media import RATES, RECORD, files_in, ramp, top_level_boxes


@pytest.mark.parametrize("fps", RATES)
def test_rates_counts_and_format_are_exact(tmp_path: Path, fps: float) -> None:
    frames = ramp(13, 48, 64)
    take = write_take(frames, fps, RECORD, tmp_path, "take")
    info = probe(take.video)
    rate = fps_fraction(fps)
    assert (info.width, info.height, info.frames) == (64, 48, 13)
    assert (info.codec, info.pix_fmt) == ("h264", "yuv420p")
    assert info.fps == pytest.approx(float(rate), rel=1e-9)
    assert info.duration_s == pytest.approx(13 / rate, abs=1e-6)
    with av.open(str(take.video)) as c:
        stream = c.streams.video[0]
        assert stream.average_rate == rate
        times = [frame.time for frame in c.decode(stream)]
    assert len(times) == 13
    # Constant frame rate: frame i starts at exactly i / rate.
    assert times == pytest.approx([i / float(rate) for i in range(13)], abs=1e-4)


@pytest.mark.parametrize(
    ("fps", "expected"),
    [
        (23.976, Fraction(24000, 1001)),
        (23.98, Fraction(24000, 1001)),
        (24000 / 1001, Fraction(24000, 1001)),
        (29.97, Fraction(30000, 1001)),
        (59.94, Fraction(60000, 1001)),
        (24, Fraction(24)),
        (12.5, Fraction(25, 2)),
        (8, Fraction(8)),
        (16.0, Fraction(16)),
        (Fraction(30000, 1001), Fraction(30000, 1001)),
    ],
)
def test_fps_fraction(fps: float, expected: Fraction) -> None:
    assert fps_fraction(fps) == expected


@pytest.mark.parametrize(("height", "width"), [(33, 45), (47, 64), (48, 63), (1, 1)])
def test_odd_sizes_are_padded_to_even(tmp_path: Path, height: int, width: int) -> None:
    frames = ramp(5, height, width)
    take = write_take(frames, 24, RECORD, tmp_path, "odd")
    info = probe(take.video)
    assert (info.width, info.height, info.frames) == (width + width % 2, height + height % 2, 5)
    first = read_frame(take.video, "first")
    # The padding repeats the last row/column; the picture itself is where it was.
    assert np.abs(first[:height, :width].astype(int) - frames[0]).mean() < 6
    with Image.open(take.poster) as poster:
        assert poster.size == (info.width, info.height)


def test_moov_comes_before_mdat(tmp_path: Path) -> None:
    take = write_take(ramp(25, 64, 96), 24, RECORD, tmp_path, "fast")
    boxes = top_level_boxes(take.video)
    assert boxes[0] == "ftyp"
    assert boxes.index("moov") < boxes.index("mdat")


def test_record_round_trips_through_probe_and_sidecar(tmp_path: Path) -> None:
    take = write_take(ramp(9, 32, 32), 16, RECORD, tmp_path, "rec")
    assert probe(take.video).record == RECORD
    text = take.sidecar.read_bytes().decode("utf-8")
    assert json.loads(text) == RECORD
    assert '\n  "prompt": "a heron' in text  # indent 2
    assert "«Ünïcödé» 🎬" in text  # readable UTF-8, not \u escapes


def test_a_foreign_comment_is_not_a_record(tmp_path: Path) -> None:
    path = tmp_path / "other.mp4"
    with av.open(str(path), "w", format="mp4") as out:
        out.metadata["comment"] = "shot on a phone"
        stream = out.add_stream("libx264", rate=24)
        stream.width, stream.height, stream.pix_fmt = 32, 32, "yuv420p"
        frame = av.VideoFrame.from_ndarray(np.zeros((32, 32, 3), np.uint8), format="rgb24")
        out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    assert probe(path).record is None


def test_poster_and_filmstrip(tmp_path: Path) -> None:
    frames = ramp(97, 240, 320)
    take = write_take(frames, 24, RECORD, tmp_path, "strip")
    assert take.grid == media.FilmstripGrid(
        columns=4, rows=4, frames=16, tile_width=160, tile_height=120
    )
    with Image.open(take.poster) as poster:
        assert poster.size == (320, 240)
        # The middle frame: its red channel is the frame's own level.
        assert np.asarray(poster)[..., 0].mean() == pytest.approx(frames[48, ..., 0].mean(), abs=4)
    with Image.open(take.filmstrip) as strip:
        assert strip.size == (4 * 160, 4 * 120)
        sprite = np.asarray(strip.convert("RGB"))
    for n in range(16):
        index = round(n * 96 / 15)
        row, col = divmod(n, 4)
        tile = sprite[row * 120 : (row + 1) * 120, col * 160 : (col + 1) * 160, 0]
        assert tile.mean() == pytest.approx(frames[index, ..., 0].mean(), abs=4)


@pytest.mark.parametrize(
    ("count", "height", "width", "grid"),
    [
        (5, 64, 64, (3, 2, 5, 64, 64)),  # small: tiles not upscaled
        (1, 48, 64, (1, 1, 1, 64, 48)),
        (17, 768, 512, (4, 4, 16, 160, 240)),  # portrait keeps its aspect
        (9, 90, 1280, (3, 3, 9, 160, 11)),
    ],
)
def test_filmstrip_grid_geometry(
    tmp_path: Path, count: int, height: int, width: int, grid: tuple[int, ...]
) -> None:
    take = write_take(ramp(count, height, width), 24, RECORD, tmp_path, "g")
    assert take.grid == media.FilmstripGrid(*grid)
    with Image.open(take.filmstrip) as strip:
        assert strip.size == (grid[0] * grid[3], grid[1] * grid[4])


def test_read_frame_first_last_and_seconds(tmp_path: Path) -> None:
    frames = ramp(49, 64, 96)
    take = write_take(frames, 24, RECORD, tmp_path, "read")

    def diff(a: np.ndarray, b: np.ndarray) -> float:
        return float(np.abs(a.astype(int) - b.astype(int)).mean())

    cases = {
        "first": 0,
        "last": 48,
        0.0: 0,
        1.0: 24,
        1.0 + 1 / 48: 24,
        0.5: 12,
        49 / 24: 48,
        49 / 23.976: 48,  # a duration computed from a float rate, a hair past the end
    }
    for at, index in cases.items():
        got = read_frame(take.video, at)
        assert got.shape == (64, 96, 3) and got.dtype == np.uint8
        assert diff(got, frames[index]) < 3, at
        neighbour = index - 1 if index else 1
        assert diff(got, frames[neighbour]) > diff(got, frames[index]) + 2, at


def test_spaces_and_non_ascii_paths(tmp_path: Path) -> None:
    folder = tmp_path / "Médias du projet" / "prise 北京 🎬"
    take = write_take(ramp(7, 32, 48), 29.97, RECORD, folder, "Prise №1 – héron")
    assert take.video == folder / "Prise №1 – héron.mp4"
    assert files_in(folder) == sorted(
        f"Prise №1 – héron{s}" for s in (".mp4", ".jpg", ".strip.jpg", ".json")
    )
    info = probe(take.video)
    assert (info.frames, info.record) == (7, RECORD)
    assert read_frame(take.video, "last").shape == (32, 48, 3)
    assert "moov" in top_level_boxes(take.video)


def test_takes_encode_concurrently(tmp_path: Path) -> None:
    def one(i: int) -> media.TakeFiles:
        return write_take(ramp(17, 64, 64), 24, {**RECORD, "seed": i}, tmp_path, f"t{i}")

    with ThreadPoolExecutor(4) as pool:
        takes = list(pool.map(one, range(6)))
    for i, take in enumerate(takes):
        info = probe(take.video)
        assert (info.frames, info.record["seed"]) == (17, i)
