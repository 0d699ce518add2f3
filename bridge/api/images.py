"""Upload an init image; the answer's sha256 goes into a job's `init_image`."""

from flask import Blueprint, request

from bridge.api.common import services
from bridge.errors import InvalidRequest
from bridge.library.images import save_upload

bp = Blueprint("images", __name__)


@bp.post("/images")
def upload_image():
    file = request.files.get("file")
    data = file.read() if file else request.get_data()
    if not data:
        raise InvalidRequest("Send an image as multipart field 'file' or as the raw body.",
                             field="file", code="required")
    digest = save_upload(services().settings.images_dir, data)
    return {"sha256": digest}, 201
