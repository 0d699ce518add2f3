"""Camera moves a director picks per shot, drawn as keyframes from one still.

A model that takes keyframes (first and last frame, or any frame) can be steered into a
camera move without a camera LoRA: the start and end keyframes are two crops of the same
still, placed so that going from one to the other is the move. The geometry is exact and
shared: `crop_box` says which rectangle of the still each keyframe shows, and
`keyframe_image` cuts and scales it.

- push in: from the whole still to its centre, `1 + amount` times closer;
- pull out: the same two frames in the other order (the still is the end; a model can't
  be asked to invent what lies outside the still, so the start is the close-up);
- pan / tilt: a crop `1 + amount` times closer slides from one side of the still to the
  other (left to right for `pan_right`: the camera turns right, the scene moves left);
- truck: drawn as a pan (a still has no depth, so there is no parallax to draw; the shot
  records that it was drawn this way);
- static: the still at both ends;
- infinite zoom: a chain of push-ins, each link starting from the last frame of the one
  before (`zoom_chain` plans the links).

Where a model has camera LoRAs (LTX-2's dolly and jib adapters), those are the better route;
the shot records which route made its take (`route`).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

import numpy as np

MAX_AMOUNT = 3.0  # 4x closer at most: past that a still has too few pixels to show


class Move(str, enum.Enum):
    STATIC = "static"
    PUSH_IN = "push_in"
    PULL_OUT = "pull_out"
    PAN_LEFT = "pan_left"
    PAN_RIGHT = "pan_right"
    TILT_UP = "tilt_up"
    TILT_DOWN = "tilt_down"
    TRUCK_LEFT = "truck_left"
    TRUCK_RIGHT = "truck_right"
    INFINITE_ZOOM = "infinite_zoom"


# Camera LoRAs that exist for a move (LTX-2's published camera-control adapters).
LORA_MOVES = {Move.PUSH_IN: "dolly-in", Move.PULL_OUT: "dolly-out",
              Move.TRUCK_LEFT: "dolly-left", Move.TRUCK_RIGHT: "dolly-right",
              Move.TILT_UP: "jib-up", Move.TILT_DOWN: "jib-down", Move.STATIC: "static"}


@dataclass(frozen=True)
class CameraMove:
    """A move and how far it goes: the zoom factor is `1 + amount`; for pans and tilts the
    crop is that much closer and slides across the whole still."""

    move: Move
    amount: float = 0.25

    def __post_init__(self) -> None:
        if not 0 <= self.amount <= MAX_AMOUNT:
            raise ValueError(f"amount must be between 0 and {MAX_AMOUNT:g}")


@dataclass(frozen=True)
class Box:
    """A rectangle of the still in pixels: left, top, right, bottom (floats, exact)."""

    left: float
    top: float
    right: float
    bottom: float

    def as_tuple(self) -> tuple[float, float, float, float]:
        return (self.left, self.top, self.right, self.bottom)


def _centre(width: int, height: int, zoom: float) -> Box:
    w, h = width / zoom, height / zoom
    x, y = (width - w) / 2, (height - h) / 2
    return Box(x, y, x + w, y + h)


def crop_box(move: CameraMove, width: int, height: int, end: bool) -> Box:
    """The rectangle of a `width` x `height` still that the start (end=False) or the end
    keyframe of `move` shows."""
    zoom = 1.0 + move.amount
    whole = Box(0.0, 0.0, float(width), float(height))
    m = move.move
    if m is Move.STATIC:
        return whole
    if m in (Move.PUSH_IN, Move.INFINITE_ZOOM):
        return _centre(width, height, zoom) if end else whole
    if m is Move.PULL_OUT:
        return whole if end else _centre(width, height, zoom)
    w, h = width / zoom, height / zoom
    spare_x, spare_y = width - w, height - h
    mid_x, mid_y = spare_x / 2, spare_y / 2
    horizontal = {Move.PAN_RIGHT: (0.0, spare_x), Move.TRUCK_RIGHT: (0.0, spare_x),
                  Move.PAN_LEFT: (spare_x, 0.0), Move.TRUCK_LEFT: (spare_x, 0.0)}
    if m in horizontal:
        x = horizontal[m][1 if end else 0]
        return Box(x, mid_y, x + w, mid_y + h)
    vertical = {Move.TILT_DOWN: (0.0, spare_y), Move.TILT_UP: (spare_y, 0.0)}
    y = vertical[m][1 if end else 0]
    return Box(mid_x, y, mid_x + w, y + h)


def keyframe_image(still: Any, box: Box) -> Any:
    """The part of `still` (a PIL image) inside `box`, scaled back to the still's size."""
    from PIL import Image

    return still.resize(still.size, Image.Resampling.BICUBIC, box=box.as_tuple())


def keyframes_for(still: Any, move: CameraMove) -> tuple[Any, Any]:
    """(start, end) keyframe images for `move` drawn from one still."""
    w, h = still.size
    return (keyframe_image(still, crop_box(move, w, h, end=False)),
            keyframe_image(still, crop_box(move, w, h, end=True)))


def zoom_chain(links: int, amount: float) -> list[dict[str, Any]]:
    """The plan of an infinite zoom: each link a push-in whose start is the last frame of
    the link before (the first link starts from the still). Total zoom = (1+amount)^links."""
    if links < 1:
        raise ValueError("an infinite zoom needs at least one link")
    move = CameraMove(Move.PUSH_IN, amount)
    return [{"link": i, "move": move.move.value, "amount": amount,
             "start": "still" if i == 0 else "last_frame_of_previous",
             "total_zoom": float((1 + amount) ** (i + 1))} for i in range(links)]


def coordinates_image(width: int, height: int) -> np.ndarray:
    """A test still whose red channel is x and green channel is y (0-255 across), so that a
    keyframe's pixels say exactly where in the still they came from."""
    xs = np.linspace(0, 255, width, dtype=np.float32)[None, :].repeat(height, 0)
    ys = np.linspace(0, 255, height, dtype=np.float32)[:, None].repeat(width, 1)
    return np.stack([xs, ys, np.full_like(xs, 128)], axis=-1).round().astype(np.uint8)
