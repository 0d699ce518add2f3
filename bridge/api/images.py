"""Upload an image (a start image, a keyframe, a reference); the answer's sha256 goes into a
job's `init_image`, `keyframes` or `references`. GET gives it back, for the panel's thumbnails."""

import re

from flask import Blueprint, request, send_file

from bridge.api.common import services
from bridge.api.contract import Payload, Reply, route
from bridge.api.schemas.misc import ImageOut, ImageUpload
from bridge.errors import InvalidRequest, NotFound
from bridge.library.images import find_image, save_upload

bp = Blueprint("images", __name__)


@route(bp, "POST", "/images", summary="Upload an init image",
       body=Payload({"multipart/form-data": ImageUpload, "image/*": bytes},
                    description="multipart field `file`, or the image as the raw body"),
       replies={201: Reply(ImageOut, "Stored (or already stored) under its sha256")},
       errors=(507,))
def upload_image():
    file = request.files.get("file")
    data = file.read() if file else request.get_data()
    if not data:
        raise InvalidRequest("Send an image as multipart field 'file' or as the raw body.",
                             field="file", code="required")
    return ImageOut(sha256=save_upload(services().settings.images_dir, data)), 201


@route(bp, "GET", "/images/<sha256>", summary="An uploaded image",
       description="The image stored under its sha256, as uploaded (PNG, JPEG or WebP).",
       replies={200: Reply(None, "The image", ("image/*",)),
                304: Reply(None, "Not modified", "")}, errors=(400, 404))
def get_image(sha256: str):
    if not re.fullmatch(r"[0-9a-f]{64}", sha256):
        raise InvalidRequest("An image is named by its sha256: 64 lowercase hex digits.",
                             field="sha256", code="invalid")
    path = find_image(services().settings.images_dir, sha256)
    if path is None:
        raise NotFound("No uploaded image has that sha256; upload it with POST /images.",
                       field="sha256")
    # Stored by content: the same name always holds the same bytes.
    return send_file(path, conditional=True, max_age=31536000)
