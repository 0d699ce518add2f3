"""A frame of a take as the start image of another take ("continue from the last frame").

One place for what POST /jobs's `init_image: {"take_id", "frame"}` and a chain's next link
both need: the take exists, the frame lies within it, its video can be read (a missing or
damaged file is a 409 naming the field, never a 500), and the frame is stored by content
hash like any start image.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bridge.errors import Conflict, InvalidRequest, NotFound
from bridge.library import images, media, store
from bridge.library.media_read import MediaUnreadable
from bridge.request import InitImage


def from_take(conn: sqlite3.Connection, images_dir: Path, take_id: str, frame: str | float,
              field: str = "init_image") -> InitImage:
    take = store.get_take(conn, take_id)
    if take is None:
        raise NotFound(f"There is no take '{take_id}'.", field=f"{field}.take_id")
    if not isinstance(frame, str) and frame > take.duration_s:
        raise InvalidRequest(f"'{field}.frame' must be 'first', 'last' or seconds within "
                             f"the take (at most {take.duration_s:g}).",
                             field=f"{field}.frame", code="out_of_range")
    try:
        pixels = media.read_frame(take.media_path, frame)
    except MediaUnreadable as exc:
        state = "is missing" if exc.missing else "is damaged and cannot be read"
        raise Conflict(f"The video of take '{take_id}' {state}; pick another take, or "
                       "restore its file.", field=f"{field}.take_id",
                       code="take_media_missing" if exc.missing else "take_media_damaged"
                       ) from None
    sha = images.save_array(images_dir, pixels)
    return InitImage(sha256=sha, source="take_frame", take_id=take_id, frame=str(frame))
