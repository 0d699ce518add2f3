"""The one route without a token: lets the panel and a second `promptcut serve` find us,
and says whether the worker runs (ok), is waiting out a database failure (retrying), or has
stopped, with the reason, so a bridge that accepts jobs but runs none is never "ok"."""

from flask import Blueprint, current_app

from bridge import __version__

bp = Blueprint("health", __name__)


@bp.get("/health")
def health():
    state, reason = current_app.extensions["promptcut"].worker.state()
    return {"status": "ok", "app": "promptcut", "version": __version__,
            "worker": state, "worker_reason": reason}
