"""The one route without a token: lets the panel and a second `promptcut serve` find us."""

from flask import Blueprint

from bridge import __version__
from bridge.api.contract import route
from bridge.api.schemas.misc import Health

bp = Blueprint("health", __name__)


@route(bp, "GET", "/health", summary="Is the bridge up", public=True, replies={200: Health})
def health():
    return Health(status="ok", app="promptcut", version=__version__)
