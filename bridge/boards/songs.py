"""Songs as a service: an uploaded audio file kept in the media library by content hash,
analysed once (bridge.boards.song), and described for the API and the board layout.

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
import time
from pathlib import Path
from typing import Any

from bridge.boards import store as boards_store
from bridge.boards.durations import Grid
from bridge.boards.grid import effective_grid, grid_json
from bridge.boards.records import GridAdjust
from bridge.boards.song import AUDIO_SUFFIXES, Analysis, SongError, cached_analysis
from bridge.config import Settings
from bridge.errors import InvalidRequest, NotFound

MAX_SONG_BYTES = 512 * 1024 * 1024


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
                filename: str) -> dict[str, Any]:
    """Keep and analyse an uploaded song; the same bytes again give the same song."""
    name = _safe_name(filename or "song")
    if not name.lower().endswith(AUDIO_SUFFIXES):
        raise InvalidRequest(f"'{name}' is not a song file; send WAV, MP3, AAC/M4A or FLAC.",
                             field="file", code="unsupported_media_type")
    if not data:
        raise InvalidRequest("The song file is empty.", field="file")
    sha = hashlib.sha256(data).hexdigest()
    existing = boards_store.song_by_sha(conn, sha)
    if existing is not None and (settings.media_dir / existing["path"]).is_file():
        return existing
    folder = songs_dir(settings) / sha[:16]
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / name
    created = not final.exists()
    if created:
        partial = folder / f".{secrets.token_hex(4)}.partial{final.suffix}"
        try:
            partial.write_bytes(data)
            os.replace(partial, final)
        finally:
            partial.unlink(missing_ok=True)
    try:
        analysis = cached_analysis(final, cache_dir(settings), sha, settings.models_dir)
    except SongError as err:
        if created:  # only the file this attempt wrote
            final.unlink(missing_ok=True)
        raise InvalidRequest(str(err), field="file", code="unreadable_audio") from None
    song = {"id": existing["id"] if existing else f"sg_{sha[:16]}", "sha256": sha,
            "created_at": time.time(), "filename": name,
            "path": final.relative_to(settings.media_dir).as_posix(),
            "duration_s": analysis.duration_s, "sample_rate": analysis.sample_rate,
            "samples": analysis.samples, "analysis": analysis.to_dict()}
    boards_store.insert_song(conn, song)
    return boards_store.song_by_sha(conn, sha) or song


def get(conn: sqlite3.Connection, song_id: str, field: str = "song_id") -> dict[str, Any]:
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
           "peaks": list(analysis.peaks)}
    grid = grid_of(song, adjust or GridAdjust())
    if adjust is not None and grid is not None:
        out.update(grid_json(grid))
    return out
