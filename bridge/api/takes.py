"""The take library: browse, rate, pick, tag, delete (to trash)."""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, request

from bridge.api.common import get_int, get_str, json_body, query_int, services
from bridge.engine.events import EventKind
from bridge.errors import Conflict, InvalidRequest, NotFound
from bridge.library import curation, store, trash
from bridge.library.records import Take

bp = Blueprint("takes", __name__)

TAKE_STATUSES = ("new", "picked", "rejected")
MAX_TAGS = 50


def take_json(take: Take) -> dict:
    s = services()
    base = f"{take.folder}/{take.stem}"
    out = take.model_dump(mode="json", exclude={"poster_path", "filmstrip_path",
                                                "sidecar_path", "deleted_at"})
    for key, suffix in (("media_url", ".mp4"), ("poster_url", ".jpg"),
                        ("filmstrip_url", ".strip.jpg")):
        rel = base + suffix
        url = s.signed(rel)
        # Sign the decoded path (what the server sees); send it percent-encoded.
        out[key] = url.replace(rel, quote(rel, safe="/"), 1)
    return out


def _get(take_id: str) -> dict:
    take = store.get_take(services().db(), take_id)
    if take is None:
        raise NotFound(f"There is no take '{take_id}'.", field="take_id")
    return take


@bp.get("/takes")
def list_takes():
    args = request.args
    sort = args.get("sort", "-created")
    if sort not in store.TAKE_SORTS:
        raise InvalidRequest("'sort' must be one of: " + ", ".join(store.TAKE_SORTS) + ".",
                             field="sort")
    status = args.get("status") or None
    if status is not None and status not in TAKE_STATUSES:
        raise InvalidRequest("'status' must be one of: " + ", ".join(TAKE_STATUSES) + ".",
                             field="status")
    q = args.get("q") or None
    if q is not None and len(q) > 500:
        raise InvalidRequest("'q' is longer than 500 characters.", field="q")
    cursor = args.get("cursor") or None
    try:
        takes, next_cursor = store.list_takes(
            services().db(), batch_id=args.get("batch_id") or None, q=q,
            min_rating=query_int("min_rating", lo=0, hi=5), status=status, sort=sort,
            limit=query_int("limit", default=100, lo=1, hi=500), cursor=cursor,
            parent_take_id=args.get("parent_take_id") or None,
            shot_id=args.get("shot_id") or None, board_id=args.get("board_id") or None)
    except ValueError:
        raise InvalidRequest("'cursor' is not a cursor this bridge gave out.",
                             field="cursor") from None
    return {"takes": [take_json(t) for t in takes], "next_cursor": next_cursor}


@bp.get("/takes/<take_id>")
def get_take(take_id: str):
    return take_json(_get(take_id))


@bp.get("/takes/<take_id>/chain")
def get_chain(take_id: str):
    """The take and the takes it continues from, oldest first (for assembling in order)."""
    _get(take_id)
    return {"takes": [take_json(t) for t in store.take_chain(services().db(), take_id)]}


@bp.patch("/takes/<take_id>")
def patch_take(take_id: str):
    _get(take_id)
    data = json_body()
    unknown = sorted(set(data) - {"rating", "status", "tags", "notes"})
    if unknown:
        raise InvalidRequest(f"'{unknown[0]}' cannot be changed.", field=unknown[0],
                             code="unknown_field")
    if not data:
        raise InvalidRequest("Send at least one of rating, status, tags, notes.", field="body")
    changes: dict = {}
    if "rating" in data:
        changes["rating"] = get_int(data, "rating", required=True, lo=0, hi=5)
    if "status" in data:
        changes["status"] = get_str(data, "status", required=True, choices=TAKE_STATUSES)
    if "notes" in data:
        changes["notes"] = get_str(data, "notes", default="", max_len=10_000)
    if "tags" in data:
        tags = data["tags"]
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            raise InvalidRequest("'tags' must be a list of strings.", field="tags",
                                 code="wrong_type")
        if len(tags) > MAX_TAGS or any(len(t) > 100 or not t.strip() for t in tags):
            raise InvalidRequest(f"'tags' takes up to {MAX_TAGS} non-empty tags of up to 100 "
                                 "characters.", field="tags")
        changes["tags"] = list(dict.fromkeys(t.strip() for t in tags))
    take = curation.update(services().db(), _get(take_id), changes)
    services().events.publish(EventKind.TAKE_UPDATED, take_id=take_id,
                              batch_id=take.batch_id, data=changes)
    return take_json(take)


@bp.delete("/takes/<take_id>")
def delete_take(take_id: str):
    """To the trash, in one journaled step; POST /takes/<id>/restore undoes it."""
    take = _get(take_id)
    s = services()
    trash.delete(s.db(), s.settings, take)
    s.events.publish(EventKind.TAKE_DELETED, take_id=take_id, batch_id=take.batch_id)
    return "", 204


@bp.post("/takes/<take_id>/restore")
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
