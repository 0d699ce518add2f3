"""/workers: every executor, where it runs, what it holds and does; downloads on a node.

One row per executor of the worker: the local devices, the actors of a Ray cluster (nodes
that join appear, nodes that die show as `lost` until their slot retires), and the cloud
providers that have a key. A Ray node uses its own Hugging Face cache, so the model manager
asks a node to download a preset there (POST /workers/<id>/download).
"""

from __future__ import annotations

import logging
import threading

from flask import Blueprint

from bridge.api.common import services
from bridge.api.contract import Reply, route
from bridge.api.schemas.scale import DownloadIn, DownloadOut, WorkerList, WorkerOut
from bridge.engine.events import EventKind
from bridge.errors import InvalidRequest, NotFound

log = logging.getLogger("promptcut.workers")
bp = Blueprint("workers", __name__)


def worker_out(slot) -> WorkerOut:
    ex = slot.executor
    info = ex.info
    lost = getattr(ex, "lost", None)
    if lost or slot.retired.is_set():
        state, reason = "lost", lost or "its executor is gone"
    elif slot.state != "ok":
        state, reason = slot.state, slot.reason
    elif slot.job_id:
        state, reason = ("stopping" if slot.stopping else "busy"), None
    else:
        state, reason = "idle", None
    details = dict(getattr(ex, "details", None) or {})
    return WorkerOut(id=info.id, kind=info.kind, node=info.node, device=info.device,
                     memory_gb=info.memory_gb, warm_model=ex.warm_model(), job_id=slot.job_id,
                     state=state, reason=reason, details=details)


@route(bp, "GET", "/workers", summary="Every executor: where, device, warm model, job, state",
       replies={200: WorkerList})
def list_workers():
    return WorkerList(workers=[worker_out(s) for s in list(services().worker.slots)])


@route(bp, "POST", "/workers/<worker_id>/download",
       summary="Download a preset's weights on that worker's machine (Ray nodes)",
       body=DownloadIn, replies={202: Reply(DownloadOut, "Started")})
def download(worker_id: str, body: DownloadIn):
    s = services()
    slot = next((x for x in s.worker.slots if x.executor.info.id == worker_id), None)
    if slot is None:
        raise NotFound(f"There is no worker '{worker_id}'.", field="worker_id")
    fetch = getattr(slot.executor, "download", None)
    if fetch is None:
        raise InvalidRequest(f"'{worker_id}' shares this machine's model folder; use POST "
                             "/models/<name>/download.", field="worker_id",
                             code="not_downloadable")
    if body.model not in s.generator.presets():
        raise InvalidRequest(f"Unknown model '{body.model}'.", field="model",
                             code="unknown_model")

    def run() -> None:
        try:
            outcome = fetch(body.model)
        except Exception as exc:  # a thread must report, never die silently
            outcome = {"status": "failed", "message": str(exc)}
        s.events.publish(EventKind.MODEL_UPDATED, name=body.model,
                         data={"worker": worker_id, **outcome})

    threading.Thread(target=run, name=f"download-{worker_id}", daemon=True).start()
    return DownloadOut(worker=worker_id, model=body.model, started=True), 202
