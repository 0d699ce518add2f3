"""Timelines: build a cut from takes (or a cut list) in every editor format, download the
files, and read an editor's file back into a cut list. Handlers parse and call
bridge.library.timelines; nothing here knows about OTIO."""

from __future__ import annotations

from flask import Blueprint, request, send_file

from bridge.api.common import services
from bridge.api.contract import Payload, Reply, route
from bridge.api.schemas.timelines import ImportForm, TimelineIn, TimelineOut
from bridge.errors import InvalidRequest
from bridge.library import timelines
from otio_export import Cut, TimelineError

bp = Blueprint("timelines", __name__)

MIME = {"otio": "application/json", "otioz": "application/zip",
        "fcp7xml": "application/xml", "edl": "text/plain", "fcpxml": "application/xml"}


@route(bp, "POST", "/timelines", summary="Build a cut in editor formats", body=TimelineIn,
       replies={201: Reply(TimelineOut, "Written in every format asked for")}, errors=(507,))
def create_timeline(body: TimelineIn):
    s = services()
    conn = s.db()
    name, fps = body.name, body.fps
    formats = _formats(body.formats)
    takes, cut_data = body.takes, body.cut
    if (takes is None) == (cut_data is None):
        raise InvalidRequest("Send either 'takes' (a list of take ids) or 'cut' (a cut list).",
                             field="takes", code="required")
    if takes is not None:
        cut = timelines.cut_from_takes(conn, takes, name=name or "Promptcut cut", fps=fps)
    else:
        try:
            cut = Cut.from_dict(cut_data)
        except TimelineError as err:
            raise timelines.invalid(err, "cut") from None
        cut.name = name or cut.name
        cut.fps = fps or cut.fps
    timelines.complete_cut(conn, s.settings, cut)
    meta = timelines.create(conn, s.settings, cut, formats)
    return _public(meta), 201


@route(bp, "GET", "/timelines/<timeline_id>/<fmt>", summary="One written file",
       replies={200: Reply(None, "The file", tuple(dict.fromkeys(MIME.values())))})
def download(timeline_id: str, fmt: str):
    path, filename = timelines.file_of(services().settings, timeline_id, fmt)
    return send_file(path, mimetype=MIME.get(fmt, "application/octet-stream"),
                     as_attachment=True, download_name=filename)


@route(bp, "POST", "/timelines/import", summary="Read an editor's file into a cut list",
       body=Payload({"multipart/form-data": ImportForm}), replies={200: Reply(Cut)})
def import_timeline():
    upload = request.files.get("file")
    if upload is None:
        raise InvalidRequest("Send the timeline file as multipart field 'file'.", field="file",
                             code="required")
    fps = request.form.get("fps")
    try:
        edl_fps = float(fps) if fps else 24.0
    except ValueError:
        raise InvalidRequest("'fps' must be a number.", field="fps") from None
    data = upload.read()
    s = services()
    cut = timelines.import_file(s.db(), s.settings, data, upload.filename or "", edl_fps)
    return cut.to_dict()


def _formats(value: list[str] | str | None) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",") if v.strip()]
    if not value or len(value) > 10:
        raise InvalidRequest("'formats' must list formats: otio, otioz, fcp7xml, edl, fcpxml.",
                             field="formats")
    return value


def _public(meta: dict) -> dict:
    """The stored description with a download URL per format."""
    base = f"/api/v1/timelines/{meta['id']}"
    return {**meta, "formats": {fmt: {**info, "url": f"{base}/{fmt}"}
                                for fmt, info in meta["formats"].items()}}
