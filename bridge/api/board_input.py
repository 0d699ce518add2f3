"""Validated board and shot bodies (bridge.api.schemas.boards) as the plain field dicts the
library's board services take: only the fields the caller sent, generation fields as JSON."""

from __future__ import annotations

import contextlib
from typing import Any

from pydantic import BaseModel

from bridge.api.contract import validate
from bridge.api.schemas.boards import BoardFields, GridIn, ShotFields
from bridge.boards.records import DEFAULT_TAKES, GridAdjust


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", exclude_unset=True)
    return value


def shot_fields(body: ShotFields) -> dict[str, Any]:
    """The shot fields present in the body (PATCH sends only some)."""
    out: dict[str, Any] = {}
    for name in body.model_fields_set - {"shots", "shot_list", "shot_list_format", "at_frame"}:
        value = getattr(body, name)
        if name in ("label", "prompt", "negative_prompt", "notes"):
            value = (value or "").strip() if name != "notes" else (value or "")
        elif name == "takes_target":
            value = value or DEFAULT_TAKES
        elif name == "overrides":
            value = _plain(value) or {}
        elif name == "model":
            value = value or None
        out[name] = _plain(value)
    return out


def board_fields(body: BoardFields, current: GridAdjust | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in body.model_fields_set & set(BoardFields.model_fields):
        value = getattr(body, name)
        if name == "grid":
            value = grid(value, current or GridAdjust())
        elif name == "defaults":
            value = _plain(value) or {}
        elif name == "name":
            value = (value or "").strip() or "Untitled board"
        if value is not None or name == "song_id":
            out[name] = value
    return out


def grid(value: GridIn | None, current: GridAdjust) -> GridAdjust:
    """The board's grid with the sent corrections applied (the rest kept); `null` clears
    every correction, back to the detected grid."""
    if value is None:
        return GridAdjust()
    return GridAdjust.from_dict({**current.to_dict(), **value.model_dump(
        include=value.model_fields_set)})


def form_fields(form: dict[str, str]) -> dict[str, Any]:
    """Multipart form fields (all text) as the JSON a BoardCreate would hold."""
    out: dict[str, Any] = dict(form)
    for name in ("fps", "bars_per_shot"):
        if name in out:
            with contextlib.suppress(ValueError):  # left as text: validation names it
                out[name] = float(out[name])
    for name in ("width", "height"):
        if name in out and out[name].isdigit():
            out[name] = int(out[name])
    return out


def validated(model: type[BaseModel], data: dict[str, Any]) -> Any:
    return validate(model, data)
