"""Take files, with HTTP Range support so a <video> element can seek.

Only files whose real path lies under the media root are served: `..`, percent-encoded
traversal, absolute paths and symlinks that point out are all answered 404 alike.
"""

from __future__ import annotations

from flask import Blueprint, send_file

from bridge.api.common import services
from bridge.api.contract import Reply, route
from bridge.api.schemas.common import Query
from bridge.errors import NotFound
from bridge.security import resolve_under

bp = Blueprint("media", __name__)

FILES = ("video/*", "image/*", "application/json", "application/octet-stream")


class Signature(Query):
    """A signed URL's parameters (or send the token instead)."""

    exp: str | None = None
    sig: str | None = None


@route(bp, "GET", "/media/<path:path>", summary="A take's file (Range supported)",
       query=Signature, security=({"bearer": []}, {"signed_url": []}),
       replies={200: Reply(None, "The file", FILES), 206: Reply(None, "Part of it", FILES),
                304: Reply(None, "Not modified", ""), 416: Reply(None, "Bad range", "")})
def media_file(path: str, query: Signature):
    target = resolve_under(services().settings.media_dir, path)
    if target is None:
        raise NotFound("No such media file.", field="path")
    resp = send_file(target, conditional=True, max_age=3600)
    resp.headers["Accept-Ranges"] = "bytes"
    return resp
