"""LTX-2's camera moves through Lightricks' camera-control LoRAs, on the worker.

bridge.looks.moves chooses this route when the job is queued and names the adapter's repo
in the request (`CameraShot.lora`). Here the adapter is loaded into the warm pipeline once
(from the Hugging Face cache: `load_lora_weights` with the repo and its file, as diffusers'
LTX-2 documentation loads it), kept beside the shelf's LoRAs, and made active at weight 1
together with them; a take without a camera move switches it off again without reloading
anything.
"""

from __future__ import annotations

import logging
from typing import Any

from bridge.errors import GenerationFailed
from bridge.generators.adapters import Adapters, adapter_name
from bridge.looks.moves import LTX2_CAMERA_LORAS
from bridge.looks.records import CameraShot

log = logging.getLogger("promptcut.generator")


def camera_adapter(camera: CameraShot | None) -> tuple[str, str, str] | None:
    """(adapter name, repo, file) of the camera LoRA a request asks for, or None."""
    if camera is None or camera.route != "camera_lora" or not camera.lora:
        return None
    for name, (repo, weight_name) in LTX2_CAMERA_LORAS.items():
        if repo == camera.lora:
            return f"camera_{name}", repo, weight_name
    raise GenerationFailed(f"No camera LoRA is known as {camera.lora!r}.",
                           code="lora_incompatible")


def apply(pipe: Any, state: Adapters, camera: CameraShot | None, recorded: list[dict]
          ) -> list[dict]:
    """Add the request's camera LoRA to the adapters already active (the shelf's, which
    `adapters.apply` just set: `recorded`); the record's list with the camera's added."""
    wanted = camera_adapter(camera)
    if wanted is None:
        return recorded
    name, repo, weight_name = wanted
    if repo not in state.loaded:
        try:
            pipe.load_lora_weights(repo, weight_name=weight_name, adapter_name=name)
        except (ValueError, KeyError, RuntimeError, OSError) as exc:
            raise GenerationFailed(
                f"The camera LoRA {repo} could not be loaded ({exc}); download it with "
                "`promptcut models download` or the hub's client, then try again.",
                code="model_unavailable") from exc
        state.loaded[repo] = name
        state.loads += 1
        log.info("loaded camera LoRA %s as %s", repo, name)
    if not state.enabled:
        pipe.enable_lora()
        state.enabled = True
    names = [adapter_name(r["sha256"]) for r in recorded] + [name]
    pipe.set_adapters(names, [float(r["weight"]) for r in recorded] + [1.0])
    return [*recorded, {"camera_lora": repo, "file": weight_name, "weight": 1.0}]
