"""The one route without a token: lets the panel and a second `promptcut serve` find us,
and says whether the worker runs (ok), is waiting out a database failure (retrying), or has
stopped, with the reason, so a bridge that accepts jobs but runs none is never "ok"."""

from flask import Blueprint

from bridge import __version__
from bridge.api.common import services
from bridge.api.contract import route
from bridge.api.schemas.misc import Health, SetAsideOut

bp = Blueprint("health", __name__)


@route(bp, "GET", "/health", summary="Is the bridge up, and does its worker run",
       public=True, replies={200: Health})
def health():
    s = services()
    state, reason = s.worker.state()
    boards = s.extras.get("boards")
    return Health(status="ok", app="promptcut", version=__version__, worker=state,
                  worker_reason=reason,
                  set_aside=[*(SetAsideOut(kind=a.kind, id=a.id, reason=a.reason)
                               for a in s.set_aside),
                             *(SetAsideOut(kind="board", id=item.split(":", 1)[0],
                                           reason=item) for item in
                               (boards.unreadable if boards else []))])
