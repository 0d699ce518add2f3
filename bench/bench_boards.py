"""Benchmark: analysing a 4-minute song, and assembling a 55-shot board from 700 takes.

Run: `.venv/bin/python bench/bench_boards.py [--minutes 4] [--repeats 7]`. Prints the song
analysis time as a ratio to the song's length (decode + librosa beats + downbeats + peaks,
cache bypassed; librosa's one-time numba compile is warmed first and reported apart), and
the median time to lay out and assemble a 55-shot board (2 bars a shot, on the song's
beats) whose shots hold 700 takes in a real SQLite library, and to build its OTIO timeline.
Not a test: figures depend on the machine.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bridge.boards import song as song_mod
from bridge.boards import songs
from bridge.boards import store as boards_store
from bridge.boards.records import Duration
from bridge.boards.service import BoardService
from bridge.config import Settings
from bridge.library import store
from bridge.library.db import Database
from otio_export import TimelineError, build_timeline
from otio_export.assemble import frames_covered
from tests import drums

SHOTS, TAKES = 55, 700


def timed(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def fake_take(i: int, shot, folder: Path) -> tuple[dict, dict, dict]:
    take_id, job_id, batch_id = f"t{i:06d}", f"j{i:06d}", f"b{i // 12:05d}"
    request = {"prompt": f"shot {i}", "model": "tiny", "seed": i}
    take = {"id": take_id, "job_id": job_id, "batch_id": batch_id, "created_at": 1000.0 + i,
            "prompt": f"shot {i} of a fox", "model": "tiny", "seed": i, "width": 704,
            "height": 480, "num_frames": 121, "fps": 24.0, "duration_s": 121 / 24,
            "folder": "bench", "stem": f"take_{i}", "record": {"request": request},
            "filmstrip": {"columns": 4, "rows": 4, "frames": 16, "tile_width": 160,
                          "tile_height": 90}, "shot_id": shot.id, "board_id": shot.board_id}
    job = {"id": job_id, "idx": i % 12, "created_at": take["created_at"], "request": request}
    batch = {"id": batch_id, "created_at": take["created_at"], "takes": 12,
             "request": request}
    return take, job, batch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=4.0)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        seconds = args.minutes * 60
        path = drums.write(folder / "song.mp3", drums.pattern(120.0, seconds)[0])
        warm = time.perf_counter()
        song_mod.analyse(song_mod.decode(drums.write(folder / "warm.wav",
                                                     drums.pattern(120.0, 4.0)[0])), "warm")
        warm = time.perf_counter() - warm
        started = time.perf_counter()
        analysis = song_mod.analyse(song_mod.decode(path), song_mod.file_sha256(path))
        took = time.perf_counter() - started
        print(f"warm-up (imports, numba cache): {warm:.2f} s")
        print(f"song analysis: {took:.2f} s for a {seconds:.0f} s song = "
              f"{took / seconds:.4f} x real time ({analysis.tempo} BPM, "
              f"{len(analysis.beats)} beats)")

        settings = Settings(data_dir=folder / "library")
        settings.ensure_dirs()
        database = Database(settings.db_path)
        conn = database.conn()
        store.set_media_root(conn, settings.media_dir)
        boards = BoardService(settings, database)
        song = songs.import_song(conn, settings, path.read_bytes(), path.name)
        board = boards.create({"name": "Bench", "fps": 30000 / 1001, "song_id": song["id"],
                               "default_duration": Duration(2, "bars")},
                              [{"prompt": f"shot {i}"} for i in range(SHOTS)]).board
        for i in range(TAKES):
            store.insert_recovered_take(conn, *fake_take(i, board.shots[i % SHOTS], folder))
        for shot in board.shots:
            shot.selected_take_id = boards_store.shot_take_ids(conn, shot.id)[-1]
            boards_store.update_shot(conn, shot)
        board = boards.get(board.id)
        cut = boards.cut(board)
        assert sum(1 for e in cut.entries if e.take_id) == SHOTS
        fresh = timed(lambda: boards.cut(boards.get(board.id)), args.repeats)
        print(f"assemble {SHOTS} shots from {TAKES} takes (load board, lay out, picks, cut): "
              f"median {fresh * 1000:.1f} ms")
        # The Board view's answer (GET /boards/<id>), and the part of it that counts each
        # pick's cover as the cut lays it (the short-pick warning), side by side.
        view = timed(lambda: boards.view(boards.laid(boards.get(board.id))), args.repeats)
        picks = {t: store.get_take(conn, t) for t in (s.selected_take_id for s in board.shots)}
        cover = timed(lambda: [boards.pick_short(board, p, picks[p.shot.selected_take_id])
                               for p in boards.layout(board)], args.repeats)
        chains = timed(lambda: [frames_covered(boards.pick_chain(p.shot), p.end - p.start,
                                               board.fps) for p in boards.layout(board)],
                       args.repeats)
        print(f"board view of {SHOTS} shots: median {view * 1000:.1f} ms, of which the picks' "
              f"cover {cover * 1000:.1f} ms ({cover / view:.2f} of it; reading every "
              f"pick's chain instead: {chains * 1000:.1f} ms)")
        try:
            build = timed(lambda: build_timeline(boards.cut(board)),
                          args.repeats)
            print(f"  ... and build the OTIO timeline: median {build * 1000:.1f} ms")
        except TimelineError as err:
            print(f"  ... OTIO timeline not built here: {err.message}")


if __name__ == "__main__":
    main()
