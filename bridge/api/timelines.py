"""Timelines: build a cut from takes (or a cut list) in every editor format, download or
delete the files, list the formats, and read an editor's file back into a cut list.
Handlers parse and call bridge.library.timelines; nothing here knows about OTIO files."""

from __future__ import annotations

from flask import Blueprint, request, send_file

from bridge.api.common import get_bool, get_float, get_str, json_body, services
from bridge.errors import InvalidRequest
from bridge.library import timelines
from otio_export import FORMATS, Cut, TimelineError, formats_json

bp = Blueprint("timelines", __name__)


@bp.get("/timelines/formats")
def list_formats():
    """Every timeline format: name, label, extension, MIME type and what it carries."""
    return {"formats": formats_json()}


@bp.post("/timelines")
def create_timeline():
    body = json_body()
    s = services()
    conn = s.db()
    name = get_str(body, "name", default=None, max_len=200)
    fps = get_float(body, "fps", lo=1, hi=240)
    formats = _formats(body.get("formats"))
    options = timelines.options_from(
        s.settings, include_disabled=get_bool(body, "include_disabled"),
        drop_frame=_optional_bool(body, "drop_frame"))
    cut = _cut(conn, body, name, fps)
    external = timelines.complete_cut(conn, s.settings, cut)
    meta = timelines.create(conn, s.settings, cut, formats, options, external)
    return _public(meta), 201


@bp.get("/timelines/<timeline_id>/<fmt>")
def download(timeline_id: str, fmt: str):
    path, filename = timelines.file_of(services().settings, timeline_id, fmt)
    return send_file(path, mimetype=FORMATS[fmt].mime, as_attachment=True,
                     download_name=filename)


@bp.delete("/timelines/<timeline_id>")
def delete_timeline(timeline_id: str):
    timelines.delete(services().settings, timeline_id)
    return "", 204


@bp.post("/timelines/import")
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
    data = upload.read()
    s = services()
    cut = timelines.import_file(s.db(), s.settings, data, upload.filename or "", edl_fps)
    return cut.to_dict()


def _cut(conn, body: dict, name: str | None, fps: float | None) -> Cut:
    takes, cut_data = body.get("takes"), body.get("cut")
    if (takes is None) == (cut_data is None):
        raise InvalidRequest("Send either 'takes' (a list of take ids) or 'cut' (a cut list).",
                             field="takes", code="required")
    if takes is not None:
        if not isinstance(takes, list) or not takes or len(takes) > timelines.MAX_TAKES:
            raise InvalidRequest(f"'takes' must list 1 to {timelines.MAX_TAKES} take ids.",
                                 field="takes")
        return timelines.cut_from_takes(conn, takes, name=name or "Promptcut cut", fps=fps)
    try:
        cut = Cut.from_dict(cut_data)
    except TimelineError as err:
        raise timelines.invalid(err, "cut") from None
    cut.name = name or cut.name
    cut.fps = fps or cut.fps
    return cut


def _optional_bool(body: dict, name: str) -> bool | None:
    if body.get(name) is None:
        return None
    return get_bool(body, name)


def _formats(value) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",") if v.strip()]
    if not isinstance(value, list) or not value or len(value) > 10 or not all(
            isinstance(v, str) for v in value):
        raise InvalidRequest(f"'formats' must list formats: {', '.join(FORMATS)}.",
                             field="formats")
    return value


def _public(meta: dict) -> dict:
    """The stored description with a download URL per format."""
    base = f"/api/v1/timelines/{meta['id']}"
    return {**meta, "url": base,
            "formats": {fmt: {**info, "url": f"{base}/{fmt}"}
                        for fmt, info in meta["formats"].items()}}
