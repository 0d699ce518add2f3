"""Timelines as a service: cuts built from takes, written to every format, stored by id;
editor files read back into cut lists with their takes matched.

The glue between the take library (bridge.library.store, bridge.library.media) and
otio_export, shared by the HTTP handlers and the `promptcut export` command. Files live under
`settings.timelines_dir/<timeline_id>/`, with `timeline.json` written last (its presence means
the timeline is complete).
"""

from __future__ import annotations

import json
import re
import secrets
import sqlite3
import time
from pathlib import Path
from typing import Any

from bridge.config import Settings
from bridge.errors import InvalidRequest, NotFound
from bridge.library import store
from otio_export import (
    FORMATS,
    Cut,
    Entry,
    Lookup,
    TimelineError,
    check_formats,
    check_media_roots,
    entry_from_take,
    export_cut,
    read_cut,
)
from otio_export.rates import SEQUENCE_RATES

DEFAULT_FORMATS = ("otio", "fcp7xml")
MAX_TAKES = 5000
_ID = re.compile(r"^tl_[0-9a-f]{16}$")


def invalid(err: TimelineError, prefix: str = "") -> InvalidRequest:
    """An otio_export error as the bridge's 400, its field under `prefix` (cut.entries[3]...)."""
    field = f"{prefix}.{err.field}" if prefix and err.field else (err.field or prefix or None)
    return InvalidRequest(err.message, field=field, code="invalid_timeline")


def cut_from_takes(conn: sqlite3.Connection, take_ids: list[str], *, name: str,
                   fps: float | None) -> Cut:
    """Takes in the order given, each to its end, at `fps` (default: the first take's rate
    when a sequence can run at it, else 24)."""
    takes = []
    for i, take_id in enumerate(take_ids):
        take = store.get_take(conn, take_id) if isinstance(take_id, str) else None
        if take is None:
            raise InvalidRequest(f"There is no take {take_id!r}.", field=f"takes[{i}]",
                                 code="unknown_take")
        takes.append(take.to_json())  # otio_export takes plain dicts
    return Cut(name=name, fps=fps or _default_fps(takes),
               width=takes[0]["width"] if takes else 1920,
               height=takes[0]["height"] if takes else 1080,
               entries=[entry_from_take(t) for t in takes])


def picked_takes(conn: sqlite3.Connection, batch_id: str | None) -> list[str]:
    """Ids of every picked take (of one batch, or all), oldest first."""
    ids: list[str] = []
    cursor = None
    while True:
        page, cursor = store.list_takes(conn, batch_id=batch_id, status="picked",
                                        sort="created", limit=500, cursor=cursor)
        ids += [t["id"] for t in page]
        if not cursor or len(ids) >= MAX_TAKES:
            return ids[:MAX_TAKES]


def complete_cut(conn: sqlite3.Connection, settings: Settings, cut: Cut) -> Cut:
    """Fill entries from the library (a `take_id` brings its media, rate, length and record)
    and refuse media outside it: a cut sent over HTTP must not reach other files."""
    for i, entry in enumerate(cut.entries):
        take = None
        if entry.kind == "clip" and entry.take_id:
            take = store.get_take(conn, entry.take_id)
            if take is None:
                raise InvalidRequest(f"There is no take {entry.take_id!r}.",
                                     field=f"cut.entries[{i}].take_id", code="unknown_take")
        elif entry.kind == "clip" and entry.media_path:
            take = store.find_take_by_media_path(conn, entry.media_path)
        if take is not None:
            _fill_from_take(entry, take.to_json())
        else:
            entry.take = None  # a take record comes from the library, never from the caller
    try:
        check_media_roots(cut, [settings.media_dir])
    except TimelineError as err:
        raise invalid(err, "cut") from None
    for i, entry in enumerate(cut.entries):  # only now: every path is inside the library
        if entry.kind == "clip" and entry.media_path and not (
                entry.media_fps and entry.media_frames):
            _fill_from_probe(entry, f"cut.entries[{i}].media_path")
    return cut


def _fill_from_probe(entry: Entry, field: str) -> None:
    """Rate and length of a library file that is not a take (read from the file itself)."""
    from bridge.library.media import probe

    try:
        info = probe(Path(entry.media_path or ""))
    except (OSError, ValueError) as err:
        raise InvalidRequest(f"Cannot read the media: {err}"[:300], field=field) from None
    if info.fps > 0 and info.frames > 0:
        entry.media_fps, entry.media_frames = info.fps, info.frames


def create(conn: sqlite3.Connection, settings: Settings, cut: Cut,
           formats: list[str] | None = None) -> dict[str, Any]:
    """Write the cut in each format under a new timeline id; the timeline's JSON description."""
    try:
        names = check_formats(list(formats or DEFAULT_FORMATS))
    except TimelineError as err:
        raise invalid(err) from None
    timeline_id = f"tl_{secrets.token_hex(8)}"
    folder = settings.timelines_dir / timeline_id
    try:
        files = export_cut(cut, names, folder)
        meta = {
            "id": timeline_id, "name": cut.name, "fps": cut.fps, "created_at": time.time(),
            "formats": {fmt: {"filename": path.name, "bytes": path.stat().st_size}
                        for fmt, path in files.items()},
            "cut": cut.to_dict(),
        }
        partial = folder / ".timeline.json.partial"
        partial.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        partial.replace(folder / "timeline.json")
    except TimelineError as err:
        _remove_folder(folder)
        raise invalid(err, "cut" if err.field and err.field.startswith("entries") else "") \
            from None
    except OSError:  # a full disk: the app answers 507; the half-written folder is ours
        _remove_folder(folder)
        raise
    return meta


def load(settings: Settings, timeline_id: str) -> dict[str, Any]:
    if not _ID.match(timeline_id):
        raise NotFound(f"There is no timeline {timeline_id!r}.", field="timeline_id")
    path = settings.timelines_dir / timeline_id / "timeline.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise NotFound(f"There is no timeline {timeline_id!r}.", field="timeline_id") from None


def file_of(settings: Settings, timeline_id: str, fmt: str) -> tuple[Path, str]:
    """The stored file of one format and the name to download it as."""
    meta = load(settings, timeline_id)
    entry = meta["formats"].get(fmt)
    if fmt not in FORMATS or entry is None:
        raise NotFound(f"Timeline {timeline_id} has no {fmt!r} file; it has "
                       f"{', '.join(meta['formats'])}.", field="format")
    return settings.timelines_dir / timeline_id / entry["filename"], entry["filename"]


def import_file(conn: sqlite3.Connection, settings: Settings, data: bytes, filename: str,
                edl_fps: float = 24.0) -> Cut:
    """An editor's file as a cut list, each clip's take id filled where it is one of ours."""
    try:
        return read_cut(data, filename, make_lookup(conn, settings), edl_rate=edl_fps)
    except TimelineError as err:
        raise invalid(err) from None


def make_lookup(conn: sqlite3.Connection, settings: Settings) -> Lookup:
    """Match by path in the library, then by the record embedded in the MP4. Only files
    inside the media folder are ever opened: an imported timeline names arbitrary paths."""
    from bridge.library.media import probe

    root = settings.media_dir.resolve()

    def lookup(path: str | None, hint: str | None) -> dict[str, Any] | None:
        if not path:
            return None
        take = store.find_take_by_media_path(conn, path)
        if take is not None:
            return take.to_json()
        try:
            real = Path(path).resolve()
            if not real.is_relative_to(root) or not real.is_file():
                return None
            record = probe(real).record or {}
        except (OSError, ValueError, RuntimeError):
            return None
        take_id = record.get("take_id")
        found = store.get_take(conn, take_id) if isinstance(take_id, str) else None
        return found.to_json() if found else None

    return lookup


def _fill_from_take(entry: Entry, take: dict[str, Any]) -> None:
    fresh = entry_from_take(take)
    entry.take_id, entry.take, entry.media_path = take["id"], take, take["media_path"]
    entry.media_fps, entry.media_frames = take["fps"], take["num_frames"]
    entry.name = entry.name or fresh.name


def _default_fps(takes: list[dict[str, Any]]) -> float:
    if takes:
        for label in SEQUENCE_RATES:
            if abs(float(label) - float(takes[0]["fps"] or 0)) < 0.01:
                return float(label)
    return 24.0


def _remove_folder(folder: Path) -> None:
    if folder.is_dir():
        for child in folder.iterdir():
            child.unlink(missing_ok=True)
        folder.rmdir()
