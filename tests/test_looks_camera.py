"""Camera moves drawn as keyframes: the geometry, checked on a still whose pixels say where
they came from (red = x, green = y)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from bridge.looks.camera import (
    Box,
    CameraMove,
    Move,
    coordinates_image,
    crop_box,
    keyframes_for,
    zoom_chain,
)

W, H = 640, 360


def test_push_in_goes_from_the_whole_still_to_its_centre_and_pull_out_is_the_reverse():
    push = CameraMove(Move.PUSH_IN, 1.0)  # twice as close
    assert crop_box(push, W, H, end=False) == Box(0, 0, W, H)
    assert crop_box(push, W, H, end=True) == Box(160, 90, 480, 270)
    pull = CameraMove(Move.PULL_OUT, 1.0)
    assert crop_box(pull, W, H, end=False) == crop_box(push, W, H, end=True)
    assert crop_box(pull, W, H, end=True) == crop_box(push, W, H, end=False)


@pytest.mark.parametrize("move, start, end", [
    (Move.PAN_RIGHT, Box(0, 36, 512, 324), Box(128, 36, 640, 324)),
    (Move.PAN_LEFT, Box(128, 36, 640, 324), Box(0, 36, 512, 324)),
    (Move.TRUCK_RIGHT, Box(0, 36, 512, 324), Box(128, 36, 640, 324)),
    (Move.TILT_DOWN, Box(64, 0, 576, 288), Box(64, 72, 576, 360)),
    (Move.TILT_UP, Box(64, 72, 576, 360), Box(64, 0, 576, 288)),
    (Move.STATIC, Box(0, 0, W, H), Box(0, 0, W, H)),
])
def test_pans_and_tilts_slide_a_closer_crop_across_the_still(move, start, end):
    m = CameraMove(move, 0.25)  # 1.25x closer: a 512 x 288 window
    assert crop_box(m, W, H, end=False) == start
    assert crop_box(m, W, H, end=True) == end


def test_keyframe_pixels_come_from_where_the_box_says():
    still = Image.fromarray(coordinates_image(W, H))
    start, end = keyframes_for(still, CameraMove(Move.PUSH_IN, 1.0))
    assert np.array_equal(np.asarray(start), np.asarray(still))
    e = np.asarray(end).astype(int)
    # The end frame's middle is the still's middle, and its corners the box's corners.
    src = np.asarray(still).astype(int)
    assert abs(e[H // 2, W // 2, 0] - src[H // 2, W // 2, 0]) <= 1
    assert abs(e[0, 0, 0] - src[90, 160, 0]) <= 1 and abs(e[0, 0, 1] - src[90, 160, 1]) <= 1
    assert abs(e[-1, -1, 0] - src[269, 479, 0]) <= 1
    pan_start, pan_end = keyframes_for(still, CameraMove(Move.PAN_RIGHT, 0.25))
    # Panning right, the left edge of the end frame is 128 px further right in the still.
    shift = np.asarray(pan_end)[H // 2, 0, 0].astype(int) - np.asarray(pan_start)[H // 2, 0, 0]
    assert abs(shift - round(128 * 255 / (W - 1))) <= 1


def test_an_infinite_zoom_is_a_chain_of_push_ins_each_from_the_last_frame():
    plan = zoom_chain(3, 1.0)
    assert [p["start"] for p in plan] == ["still", "last_frame_of_previous",
                                          "last_frame_of_previous"]
    assert [p["total_zoom"] for p in plan] == [2.0, 4.0, 8.0]
    with pytest.raises(ValueError):
        CameraMove(Move.PUSH_IN, 5.0)
