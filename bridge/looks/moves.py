"""A shot's camera move turned into what its model can obey, when the job is queued.

Two honest routes, and the take's record says which one made it (`CameraShot.route`):
- **camera_lora**: the model has a camera adapter for the move (LTX-2's dolly and jib
  LoRAs, bridge.generators.camera_loras loads them on the worker);
- **keyframes**: the model takes a first and a last frame, or frames anywhere; the move is
  drawn from the start image (bridge.looks.camera: the end frame is the start moved) and
  pinned at frame 0 and the last frame. The drawn frames are stored by content, so the same
  still and move always give the same two images, and a re-roll that sends its record back
  replaces them instead of adding a second pair.
A model with neither is refused with a 4xx naming the field and the model.

An infinite zoom is a chain of push-ins: one take is one link, drawn from its start; each
next link (bridge.boards.chains) starts from the last frame of the one before and pushes in
again (`next_link`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bridge.conditions import Keyframe
from bridge.errors import InvalidRequest, NotFound
from bridge.library import images
from bridge.looks.camera import LORA_MOVES, CameraMove, Move, keyframes_for
from bridge.looks.records import CameraShot
from bridge.request import GenerationRequest, InitImage

# Lightricks' camera-control LoRAs for LTX-2, by the adapter name LORA_MOVES gives a move:
# (repo, file), as diffusers' LTX-2 docs load them.
LTX2_CAMERA_LORAS = {
    name: ("Lightricks/LTX-2-19b-LoRA-Camera-Control-" + name.title(),
           f"ltx-2-19b-lora-camera-control-{name}.safetensors")
    for name in sorted(set(LORA_MOVES.values()))}
KEYFRAME_LEVELS = ("first_last", "any_frames")


def route_for(preset: Any, move: Move) -> str | None:
    """camera_lora where the model has an adapter for the move, keyframes where it takes
    an end frame, None where it can do neither."""
    if getattr(preset, "family", None) == "ltx2" and move in LORA_MOVES:
        return "camera_lora"
    if getattr(preset, "conditioning", "none") in KEYFRAME_LEVELS:
        return "keyframes"
    return None


def apply(request: GenerationRequest, preset: Any, images_dir: Path) -> GenerationRequest:
    """The request with its camera move routed (and drawn, on the keyframes route)."""
    camera = request.camera
    if camera is None:
        return request
    move = Move(camera.move)
    route = route_for(preset, move)
    label = getattr(preset, "label", request.model)
    if route is None:
        can = ("keyframes or camera LoRAs" if getattr(preset, "family", "") != "ltx2"
               else "keyframes, and has no camera LoRA for " + move.value)
        raise InvalidRequest(
            f"{label} cannot take the camera move '{move.value}' (model '{request.model}' "
            f"takes no {can}); pick a model with first and last or any-frame keyframes "
            "(GET /models), or LTX-2 for its dolly and jib moves.", field="camera.move",
            code="unsupported", details={"model": request.model, "move": move.value})
    if route == "camera_lora":
        repo, _ = LTX2_CAMERA_LORAS[LORA_MOVES[move]]
        shot = CameraShot(move.value, camera.amount, "camera_lora", None, repo, camera.link)
        return request.replace(camera=shot)
    still = camera.still or (request.init_image.sha256 if request.init_image else None)
    if still is None:
        raise InvalidRequest(
            f"A camera move drawn as keyframes starts from a still: give the shot a start "
            f"image (init_image) for '{move.value}' on {label}.", field="init_image",
            code="required", details={"model": request.model})
    start, end = draw(images_dir, still, CameraMove(move, camera.amount))
    kept = tuple(k for k in request.keyframes if k.sha256 not in (start, end))
    pinned = (Keyframe(sha256=start, frame=0, place={"frame": 0}),
              Keyframe(sha256=end, frame=0, place={"frame": "last"}))
    return request.replace(
        init_image=None, keyframes=pinned + kept,
        camera=CameraShot(move.value, camera.amount, "keyframes", still, None, camera.link))


def draw(images_dir: Path, still: str, move: CameraMove) -> tuple[str, str]:
    """The start and end keyframes of `move` drawn from stored image `still`, stored."""
    import numpy as np
    from PIL import Image

    path = images.find_image(images_dir, still)
    if path is None:
        raise NotFound("The camera move's start image is no longer stored; upload it again.",
                       field="camera.still")
    with Image.open(path) as img:
        rgb = img.convert("RGB")
    a, b = keyframes_for(rgb, move)
    return images.save_array(images_dir, np.asarray(a)), images.save_array(images_dir,
                                                                            np.asarray(b))


def next_link(request: GenerationRequest, last_frame: InitImage, images_dir: Path,
              ) -> GenerationRequest:
    """The next push-in of an infinite zoom drawn as keyframes: it starts where the link
    before ended (`last_frame`, stored) and pushes in again from there. Any other move,
    or a camera LoRA, is left as it is (the LoRA moves the camera on every link)."""
    camera = request.camera
    if camera is None or camera.move != Move.INFINITE_ZOOM.value or camera.route != "keyframes":
        return request
    ours = set(draw(images_dir, camera.still, CameraMove(Move.INFINITE_ZOOM, camera.amount))) \
        if camera.still else set()
    others = tuple(k for k in request.keyframes if k.sha256 not in ours)
    _, end = draw(images_dir, last_frame.sha256,
                  CameraMove(Move.INFINITE_ZOOM, camera.amount))
    return request.replace(
        keyframes=(Keyframe(sha256=end, frame=0, place={"frame": "last"}), *others),
        camera=CameraShot(camera.move, camera.amount, "keyframes", last_frame.sha256, None,
                          camera.link + 1))
