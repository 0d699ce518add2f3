"""Songs: upload an audio file, read its tempo, beats, bars, meter, tempo map and waveform.

The analysis runs outside the request (bridge.boards.songs): the upload answers 201 with
the song when its analysis ends within `wait` seconds (default 60), else 202 with its
state; `GET /songs/<id>` answers 202 while it runs and 200 once it is ready.
"""

from __future__ import annotations

from flask import Blueprint, request

from bridge.api.common import services
from bridge.api.contract import Payload, route
from bridge.api.schemas.board_answers import SongOut, SongPending
from bridge.api.schemas.boards import SongUpload
from bridge.boards import songs
from bridge.errors import InvalidRequest

bp = Blueprint("songs", __name__)
DEFAULT_WAIT_S, MAX_WAIT_S = 60.0, 600.0


def song_out(song: dict) -> SongOut:
    out = songs.song_json(song)
    out["url"] = services().signed(song["path"])
    return SongOut.model_validate(out)


def _wait() -> float:
    raw = request.values.get("wait", "")
    if raw == "":
        return DEFAULT_WAIT_S
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 <= value <= MAX_WAIT_S:
        raise InvalidRequest(f"wait is seconds from 0 to {MAX_WAIT_S:.0f}.", field="wait")
    return value


@route(bp, "POST", "/songs",
       summary="Upload and analyse a song (WAV, MP3, AAC/M4A, FLAC; at most 20 minutes)",
       description="`analyser`: librosa by default (ISC licence, commercial use allowed); "
       "madmom is opt-in, and its models are licensed CC BY-NC-SA 4.0: non-commercial use "
       "only.",
       body=Payload({"multipart/form-data": SongUpload}),
       replies={201: SongOut, 202: SongPending}, errors=(507,))
def upload():
    upload = request.files.get("file")
    if upload is None:
        raise InvalidRequest("Send the song as multipart field 'file'.", field="file",
                             code="required")
    s = services()
    wait = _wait()
    try:
        song = songs.import_song(s.db(), s.settings, upload.read(), upload.filename or "",
                                 wait=wait, analyser=request.values.get("analyser", "librosa"))
    except songs.StillAnalysing as pending:
        return SongPending.model_validate(pending.job.to_json()), 202
    return song_out(song), 201


@route(bp, "GET", "/songs/<song_id>", summary="A song's analysis (202 while it runs)",
       replies={200: SongOut, 202: SongPending})
def get_song(song_id: str):
    try:
        return song_out(songs.get(services().db(), song_id, pending_ok=True))
    except songs.StillAnalysing as pending:
        return SongPending.model_validate(pending.job.to_json()), 202
