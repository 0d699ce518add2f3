"""Songs: upload an audio file, read its tempo, beats, downbeats and waveform peaks."""

from __future__ import annotations

from flask import Blueprint, request

from bridge.api.common import services
from bridge.errors import InvalidRequest
from bridge.library import songs

bp = Blueprint("songs", __name__)


def _public(song: dict) -> dict:
    out = songs.song_json(song)
    out["url"] = services().signed(song["path"])
    return out


@bp.post("/songs")
def upload():
    upload = request.files.get("file")
    if upload is None:
        raise InvalidRequest("Send the song as multipart field 'file'.", field="file",
                             code="required")
    s = services()
    song = songs.import_song(s.db(), s.settings, upload.read(), upload.filename or "")
    return _public(song), 201


@bp.get("/songs/<song_id>")
def get_song(song_id: str):
    return _public(songs.get(services().db(), song_id))
