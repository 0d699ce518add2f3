"""The take library: browse, rate, pick, tag, delete (to trash), restore."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from flask import Blueprint
from pydantic import TypeAdapter, ValidationError

from bridge.api.common import services
from bridge.api.contract import Link, Reply, route
from bridge.api.schemas.takes import (
    TAKE_OUT_EXCLUDED,
    TakeList,
    TakeOut,
    TakePage,
    TakePatch,
    TakeQuery,
    TakeRecordOut,
)
from bridge.boards import service as board_service
from bridge.engine.events import EventKind
from bridge.errors import Conflict, InvalidRequest, NotFound
from bridge.library import curation, store, trash
from bridge.library.records import Take
from bridge.request import SCHEMA_VERSION as REQUEST_VERSION

bp = Blueprint("takes", __name__)
log = logging.getLogger("promptcut.takes")

# What every record holds, from the take's own row where a record lacks it (a take brought
# back from its files by recovery, a record of an early version, a hand-edited sidecar).
_CORE = ("take_id", "created_at", "width", "height", "num_frames", "fps")
_RECORD = TypeAdapter(TakeRecordOut)


def take_json(take: Take) -> TakeOut:  # type: ignore[valid-type]
    s = services()
    base = f"{take.folder}/{take.stem}"
    out = take.model_dump(mode="json", exclude=set(TAKE_OUT_EXCLUDED))
    for key, suffix in (("media_url", ".mp4"), ("poster_url", ".jpg"),
                        ("filmstrip_url", ".strip.jpg")):
        rel = base + suffix
        url = s.signed(rel)
        # Sign the decoded path (what the server sees); send it percent-encoded.
        out[key] = url.replace(rel, quote(rel, safe="/"), 1)
    out["record"] = _with_core(take, out.get("record") or {})
    try:
        return TakeOut.model_validate(out)
    except ValidationError:
        out["record"] = _readable_record(take, out["record"])
        return TakeOut.model_validate(out)


def _with_core(take: Take, record: dict[str, Any]) -> dict[str, Any]:
    """Keys every record holds, from the take's row where the record lacks them."""
    if all(k in record for k in _CORE) and isinstance(record.get("request"), dict):
        return record
    out = {"schema_version": 1, "take_id": take.id, "created_at": take.created_at,
           "width": take.width, "height": take.height, "num_frames": take.num_frames,
           "fps": take.fps, **record}
    request = out.get("request") if isinstance(out.get("request"), dict) else {}
    out["request"] = {**_request_of(take), **request}
    return out


def _request_of(take: Take) -> dict[str, Any]:
    """What the take's row says of its request (its record's may be missing)."""
    return {"schema_version": REQUEST_VERSION, "prompt": take.prompt, "model": take.model,
            "seed": take.seed, "width": take.width, "height": take.height,
            "num_frames": take.num_frames, "fps": take.fps}


def _readable_record(take: Take, record: dict[str, Any]) -> dict[str, Any]:
    """The record as its answer type reads it. The record on disk stays as it was read (a
    newer version's keys survive there); the answer never fails on it: a key that does not
    read as its type is left out of the answer and logged, so one odd record cannot turn a
    page of takes into a 500."""
    out = dict(record)
    for _ in range(4):  # each pass drops what the one before found unreadable
        try:
            _RECORD.validate_python(out)
            break
        except ValidationError as err:
            bad = {e["loc"][0] for e in err.errors() if e["loc"]}
            log.warning("take %s: record keys %s do not read as their type; answered "
                        "without them", take.id, sorted(map(str, bad)))
            if "request" in bad:
                out["request"] = _request_of(take)
            out = {k: v for k, v in out.items() if k not in bad or k in (*_CORE, "request")}
    return out


def _get(take_id: str) -> Take:
    take = store.get_take(services().db(), take_id)
    if take is None:
        raise NotFound(f"There is no take '{take_id}'.", field="take_id")
    return take


@route(bp, "GET", "/takes", summary="A page of takes", query=TakeQuery,
       replies={200: Reply(TakePage, links=tuple(
           Link(name, f"takes_{op}", {"take_id": "$response.body#/takes/0/id"})
           for name, op in (("GetTake", "get_take"), ("RateTake", "patch_take"))))})
def list_takes(query: TakeQuery):
    filters = {"batch_id": query.batch_id, "q": query.q, "min_rating": query.min_rating,
               "status": query.status and query.status.value,
               "parent_take_id": query.parent_take_id, "shot_id": query.shot_id,
               "board_id": query.board_id}
    try:
        takes, next_cursor = store.list_takes(services().db(), sort=query.sort,
                                              limit=query.limit, cursor=query.cursor, **filters)
    except store.BadCursor:
        raise InvalidRequest("'cursor' is not a cursor this bridge gave out.",
                             field="cursor") from None
    return TakePage(takes=[take_json(t) for t in takes], next_cursor=next_cursor,
                    total=store.count_matching(services().db(), **filters))


@route(bp, "GET", "/takes/<take_id>", summary="One take", replies={200: TakeOut})
def get_take(take_id: str):
    return take_json(_get(take_id))


@route(bp, "GET", "/takes/<take_id>/chain",
       summary="The take and the takes it continues from, oldest first",
       replies={200: TakeList})
def get_chain(take_id: str):
    """The order an endless-zoom style sequence is assembled in."""
    _get(take_id)
    return TakeList(takes=[take_json(t) for t in store.take_chain(services().db(), take_id)])


@route(bp, "PATCH", "/takes/<take_id>", summary="Rate, pick, tag or annotate a take",
       body=TakePatch, replies={200: TakeOut}, errors=(507,))
def patch_take(take_id: str, body: TakePatch):
    changes = body.changes()
    take = curation.update(services().db(), _get(take_id), changes)
    # A take of a shot marked picked becomes that shot's pick.
    board_service.of(services()).on_take_picked(take)
    services().events.publish(EventKind.TAKE_UPDATED, take_id=take_id,
                              batch_id=take.batch_id, data=changes)
    return take_json(take)


@route(bp, "DELETE", "/takes/<take_id>", summary="Move a take to the trash",
       description="In one journaled step; POST /takes/{take_id}/restore undoes it.",
       replies={204: Reply(None, "Moved to the trash")}, errors=(507,))
def delete_take(take_id: str):
    take = _get(take_id)
    s = services()
    trash.delete(s.db(), s.settings, take)
    s.events.publish(EventKind.TAKE_DELETED, take_id=take_id, batch_id=take.batch_id)
    return "", 204


@route(bp, "POST", "/takes/<take_id>/restore", summary="Bring a take back from the trash",
       replies={200: TakeOut}, errors=(409, 507))
def restore_take(take_id: str):
    s = services()
    take = store.get_take(s.db(), take_id, include_deleted=True)
    if take is None:
        raise NotFound(f"There is no take '{take_id}'.", field="take_id")
    if take.deleted_at is None:
        raise Conflict(f"Take '{take_id}' is not in the trash.", field="take_id",
                       code="illegal_transition")
    trash.restore(s.db(), s.settings, take)
    s.events.publish(EventKind.TAKE_UPDATED, take_id=take_id, batch_id=take.batch_id,
                     data={"restored": True})
    return take_json(_get(take_id))
