"""Songs: upload an audio file, read its tempo, beats, downbeats and waveform peaks."""

from __future__ import annotations

from flask import Blueprint, request

from bridge.api.common import services
from bridge.api.contract import Payload, route
from bridge.api.schemas.board_answers import SongOut
from bridge.boards import songs
from bridge.errors import InvalidRequest

bp = Blueprint("songs", __name__)


def song_out(song: dict) -> SongOut:
    out = songs.song_json(song)
    out["url"] = services().signed(song["path"])
    return SongOut.model_validate(out)


@route(bp, "POST", "/songs", summary="Upload and analyse a song (WAV, MP3, AAC/M4A, FLAC)",
       body=Payload({"multipart/form-data": dict}, description="the audio as field 'file'"),
       replies={201: SongOut}, errors=(507,))
def upload():
    upload = request.files.get("file")
    if upload is None:
        raise InvalidRequest("Send the song as multipart field 'file'.", field="file",
                             code="required")
    s = services()
    song = songs.import_song(s.db(), s.settings, upload.read(), upload.filename or "")
    return song_out(song), 201


@route(bp, "GET", "/songs/<song_id>", summary="A song's analysis", replies={200: SongOut})
def get_song(song_id: str):
    return song_out(songs.get(services().db(), song_id))
