"""The one route without a token: lets the panel and a second `promptcut serve` find us."""

from flask import Blueprint

from bridge import __version__

bp = Blueprint("health", __name__)


@bp.get("/health")
def health():
    return {"status": "ok", "app": "promptcut", "version": __version__}
