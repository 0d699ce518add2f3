"""Take files, with HTTP Range support so a <video> element can seek.

Only files whose real path lies under the media root are served: `..`, percent-encoded
traversal, absolute paths and symlinks that point out are all answered 404 alike.
"""

from __future__ import annotations

from flask import Blueprint, send_file

from bridge.api.common import services
from bridge.errors import NotFound
from bridge.security import resolve_under

bp = Blueprint("media", __name__)


@bp.get("/media/<path:relative>")
def media_file(relative: str):
    target = resolve_under(services().settings.media_dir, relative)
    if target is None:
        raise NotFound("No such media file.", field="path")
    resp = send_file(target, conditional=True, max_age=3600)
    resp.headers["Accept-Ranges"] = "bytes"
    return resp
