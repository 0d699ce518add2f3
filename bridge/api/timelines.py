"""Timelines: build a cut from takes (or a cut list) in every editor format, download or
delete the files, list the formats, and read an editor's file back into a cut list.
Handlers parse and call bridge.library.timelines; nothing here knows about OTIO files."""

from __future__ import annotations

from flask import Blueprint, request, send_file

from bridge.api.common import services
from bridge.api.contract import Link, Payload, Reply, route
from bridge.api.schemas.timelines import FormatList, ImportForm, TimelineIn, TimelineOut
from bridge.errors import InvalidRequest
from bridge.library import timelines
from bridge.library.records import Timeline
from otio_export import FORMATS, Cut, TimelineError

bp = Blueprint("timelines", __name__)
MIMES = tuple(dict.fromkeys(f.mime for f in FORMATS.values()))


@route(bp, "GET", "/timelines/formats", summary="The timeline formats and what each carries",
       replies={200: FormatList})
def list_formats() -> FormatList:
    return FormatList(formats=list(FORMATS.values()))


@route(bp, "POST", "/timelines", summary="Write a cut in editor formats",
       description="All or nothing: when one format fails, no file of any is kept.",
       body=TimelineIn, errors=(507,), replies={201: Reply(TimelineOut, "Written", links=(
           Link("DeleteTimeline", "timelines_delete_timeline",
                {"timeline_id": "$response.body#/id"}),))})
def create_timeline(body: TimelineIn):
    s = services()
    conn = s.db()
    options = timelines.options_from(s.settings, include_disabled=body.include_disabled,
                                     drop_frame=body.drop_frame)
    cut = _cut(conn, body)
    external = timelines.complete_cut(conn, s.settings, cut)
    meta = timelines.create(conn, s.settings, cut, _formats(body.formats), options, external)
    return public(meta), 201


@route(bp, "GET", "/timelines/<timeline_id>/<fmt>", summary="Download one format's file",
       replies={200: Reply(None, "The file, with its format's MIME type (GET "
                           "/timelines/formats)", MIMES)})
def download(timeline_id: str, fmt: str):
    path, filename = timelines.file_of(services().settings, timeline_id, fmt)
    return send_file(path, mimetype=FORMATS[fmt].mime, as_attachment=True,
                     download_name=filename)


@route(bp, "DELETE", "/timelines/<timeline_id>", summary="Delete a stored timeline",
       description="Removes exactly the files the timeline's description lists.",
       replies={204: Reply(None, "Deleted")})
def delete_timeline(timeline_id: str):
    timelines.delete(services().settings, timeline_id)
    return "", 204


@route(bp, "POST", "/timelines/import", summary="Read an editor's timeline file",
       body=Payload({"multipart/form-data": ImportForm}),
       replies={200: Reply(Cut, "The cut list, takes matched")})
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
    if not 1 <= edl_fps <= 240:
        raise InvalidRequest("'fps' must be between 1 and 240.", field="fps")
    s = services()
    cut = timelines.import_file(s.db(), s.settings, upload.read(), upload.filename or "",
                                edl_fps)
    return cut.to_dict()


def _cut(conn, body: TimelineIn) -> Cut:
    if (body.takes is None) == (body.cut is None):
        raise InvalidRequest("Send either 'takes' (a list of take ids) or 'cut' (a cut list).",
                             field="takes", code="required")
    if body.takes is not None:
        return timelines.cut_from_takes(conn, body.takes, name=body.name or "Promptcut cut",
                                        fps=body.fps)
    try:
        cut = Cut.from_dict(body.cut)
    except TimelineError as err:
        raise timelines.invalid(err, "cut") from None
    cut.name = body.name or cut.name
    cut.fps = body.fps or cut.fps
    return cut


def _formats(value: list[str] | str | None) -> list[str] | None:
    """A list of names, or one comma-separated string; the names are checked by
    otio_export against the format record."""
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",") if v.strip()]
        if not value:
            raise InvalidRequest(f"'formats' must name formats: {', '.join(FORMATS)}.",
                                 field="formats")
    return value


def public(meta: Timeline) -> dict:
    """The stored description with a download URL per format."""
    base = f"/api/v1/timelines/{meta.id}"
    data = meta.to_json()
    return {**data, "url": base,
            "formats": {fmt: {**info, "url": f"{base}/{fmt}"}
                        for fmt, info in data["formats"].items()}}
