"""Upload an init image; the answer's sha256 goes into a job's `init_image`."""

from flask import Blueprint, request

from bridge.api.common import services
from bridge.api.contract import Payload, Reply, route
from bridge.api.schemas.misc import ImageOut, ImageUpload
from bridge.errors import InvalidRequest
from bridge.library.images import save_upload

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
