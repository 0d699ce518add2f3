"""/models: every preset with its state; download into the shared HF cache; free the space.

Downloads run in a background thread and report through `model.progress` events, so the
request returns at once (202) and a panel shows a progress bar from the event stream.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from typing import Any

from flask import Blueprint

from bridge.api.common import services
from bridge.api.contract import Reply, route
from bridge.api.schemas.models import DownloadOut, ModelList, RemovedOut
from bridge.errors import InvalidRequest, PromptcutError
from bridge.generators.base import DownloadProgress, ModelState
from bridge.generators.manager import ModelManager

log = logging.getLogger("promptcut.models")

bp = Blueprint("models", __name__)


def model_json(state: ModelState) -> dict[str, Any]:
    return dataclasses.asdict(state)


def _manager() -> ModelManager:
    """The generator's own manager when it has one (it shares the download state)."""
    svc = services()
    manager = getattr(svc.generator, "manager", None)
    if isinstance(manager, ModelManager):
        return manager
    if "models" not in svc.extras:
        from bridge.generators.presets import all_presets

        svc.extras["models"] = ModelManager(svc.settings,
                                            lambda: all_presets(svc.settings.data_dir))
    return svc.extras["models"]


@route(bp, "GET", "/models", summary="Every preset with its state", replies={200: ModelList})
def list_models():
    from bridge import providers

    cloud = providers.model_states(services().settings.data_dir)
    return {"models": [model_json(s) for s in [*_manager().states(), *cloud]]}


@route(bp, "POST", "/models/<name>/download",
       summary="Download a preset into the shared Hugging Face cache",
       description="Progress arrives as `model.progress` events, the end as `model.updated`.",
       replies={200: Reply(DownloadOut, "Already ready"),
                202: Reply(DownloadOut, "Started, or already downloading")},
       errors=(400, 507))
def download(name: str):
    manager = _manager()
    preset = manager.preset(name)  # 404 for an unknown name
    if preset.source == "local":
        raise InvalidRequest(f"'{name}' is a folder on this machine; there is nothing to "
                             "download.", field="name", code="not_downloadable")
    state = manager.state(preset)
    if state.state in ("ready", "downloading"):
        return {"model": model_json(state), "started": False}, 200 if state.state == "ready" \
            else 202
    events = services().events

    def run() -> None:
        def progress(rec: DownloadProgress) -> None:
            events.publish("model.progress", name=name, data=rec)

        error: dict[str, Any] | None = None
        try:
            manager.download(name, progress)
        except PromptcutError as exc:
            error = {"code": exc.code, "message": exc.message}
            log.warning("download of %s failed: %s", name, exc.message)
        except Exception as exc:  # a thread must report, never die silently
            error = {"code": "model_unavailable", "message": str(exc)}
            log.exception("download of %s failed", name)
        final = model_json(manager.state(manager.preset(name)))
        events.publish("model.updated", name=name, data={**final, "error": error})

    thread = threading.Thread(target=run, name=f"download-{name}", daemon=True)
    thread.start()
    return {"model": model_json(state), "started": True}, 202


@route(bp, "DELETE", "/models/<name>", summary="Free a preset's space in the cache",
       replies={200: RemovedOut}, errors=(409,))
def remove(name: str):
    manager = _manager()
    freed = manager.remove(name)
    state = model_json(manager.state(manager.preset(name)))
    services().events.publish("model.updated", name=name, data=state)
    return {"model": state, "freed_bytes": freed}
