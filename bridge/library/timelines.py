"""Timelines as a service: cuts built from takes (or sent, or imported from an editor),
written to every format and stored by id; editor files read back with their takes matched.

The glue between the take library (bridge.library.store, bridge.library.media) and
otio_export, shared by the HTTP handlers, the `promptcut export` command and board
assembly. Storing, deleting and pruning timeline folders is `timeline_store`.
"""

from __future__ import annotations

import math
import sqlite3
from pathlib import Path
from typing import Any

from bridge.config import Settings
from bridge.errors import InvalidRequest, NotFound
from bridge.library import store, timeline_store
from bridge.library.records import Timeline
from otio_export import (
    FORMATS,
    Cut,
    Entry,
    Lookup,
    TimelineError,
    WriteOptions,
    check_formats,
    entry_from_take,
    external_media,
    read_cut,
)
from otio_export.importer import STILLS
from otio_export.rates import SEQUENCE_RATES

DEFAULT_FORMATS = ("otio", "fcp7xml")
MAX_TAKES = 5000


def invalid(err: TimelineError, prefix: str = "") -> InvalidRequest:
    """An otio_export error as the bridge's 400, its field under `prefix` (cut.entries[3]...)."""
    field = f"{prefix}.{err.field}" if prefix and err.field else (err.field or prefix or None)
    details = {"reason": err.detail} if getattr(err, "detail", None) else None
    return InvalidRequest(err.message, field=field, code="invalid_timeline", details=details)


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
        ids += [t.id for t in page]
        if not cursor or len(ids) >= MAX_TAKES:
            return ids[:MAX_TAKES]


def complete_cut(conn: sqlite3.Connection, settings: Settings, cut: Cut) -> list[int]:
    """Fill entries from the library (a `take_id` brings its media, rate, length and record)
    and read the rate and length of other library files from the files. Media outside the
    library (an editor's own footage in an imported cut) stays in the cut as a path that is
    written, never opened. Returns the indexes of those external clips."""
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
        outside = set(external_media(cut, [settings.media_dir]))
    except TimelineError as err:
        raise invalid(err, "cut") from None
    for i, entry in enumerate(cut.entries):  # only library files are ever opened
        if entry.kind != "clip" or not entry.media_path or i in outside:
            continue
        if entry.media_path.rsplit(".", 1)[-1].lower() in STILLS:
            entry.media_kind = "still"
        elif entry.media_kind == "file" and not (entry.media_fps and entry.media_frames):
            _fill_from_probe(entry, f"cut.entries[{i}].media_path")
    return sorted(outside)


def _fill_from_probe(entry: Entry, field: str) -> None:
    """Rate and length of a library file that is not a take (read from the file itself):
    frames of a video, samples of an audio file on an audio track."""
    from bridge.library.media import probe

    path = Path(entry.media_path or "")
    try:
        if entry.track.startswith("A"):
            entry.media_fps, entry.media_frames = _probe_audio(path)
            return
        info = probe(path)
    except (OSError, ValueError) as err:
        raise InvalidRequest(f"Cannot read the media: {err}"[:300], field=field) from None
    if info.fps > 0 and info.frames > 0:
        entry.media_fps, entry.media_frames = info.fps, info.frames


def _probe_audio(path: Path) -> tuple[int, int]:
    import av

    try:
        with av.open(str(path)) as container:
            if not container.streams.audio:
                raise ValueError(f"{path.name} has no audio stream")
            stream = container.streams.audio[0]
            rate = int(stream.rate or stream.codec_context.sample_rate or 0)
            if stream.duration is not None and stream.time_base is not None:
                seconds = float(stream.duration * stream.time_base)
            else:
                seconds = (container.duration or 0) / av.time_base
    except av.FFmpegError as err:
        raise ValueError(str(err)) from None
    if rate <= 0 or seconds <= 0:
        raise ValueError(f"{path.name} gives no sample rate or length")
    return rate, math.floor(seconds * rate)


def options_from(settings: Settings, include_disabled: bool = False,
                 drop_frame: bool | None = None) -> WriteOptions:
    return WriteOptions(include_disabled=include_disabled,
                        drop_frame=settings.drop_frame if drop_frame is None else drop_frame)


def create(conn: sqlite3.Connection, settings: Settings, cut: Cut,
           formats: list[str] | None = None, options: WriteOptions | None = None,
           external: list[int] | None = None) -> Timeline:
    """Write the cut in each format under a new timeline id, all or nothing; the timeline's
    JSON description, with `warnings` saying what each format could not carry."""
    try:
        names = check_formats(list(formats or DEFAULT_FORMATS))
    except TimelineError as err:
        raise invalid(err) from None
    if "otioz" in names:
        for i in external or []:
            raise InvalidRequest(
                ".otioz bundles media, and only files inside the library are bundled; this "
                "clip's media is outside it. Leave otioz out (other formats name the file).",
                field=f"cut.entries[{i}].media_path")
    try:
        meta = timeline_store.create(settings, cut, names, options or options_from(settings))
    except TimelineError as err:
        raise invalid(err, "cut" if err.field and err.field.startswith("entries") else "") \
            from None
    if external:
        meta = meta.model_copy(update={"warnings": [*meta.warnings, (
            f"{len(external)} clip(s) name media outside the library: their paths are "
            "written as they are, and not served.")]})
    return meta


def load(settings: Settings, timeline_id: str) -> Timeline:
    return timeline_store.load(settings, timeline_id)


def delete(settings: Settings, timeline_id: str) -> Timeline:
    return timeline_store.delete(settings, timeline_id)


def file_of(settings: Settings, timeline_id: str, fmt: str) -> tuple[Path, str]:
    """The stored file of one format and the name to download it as."""
    meta = load(settings, timeline_id)
    entry = meta.formats.get(fmt)
    if fmt not in FORMATS or entry is None:
        raise NotFound(f"Timeline {timeline_id} has no {fmt!r} file; it has "
                       f"{', '.join(meta.formats)}.", field="format")
    path = settings.timelines_dir / timeline_id / entry.filename
    if not path.is_file():
        raise NotFound(f"Timeline {timeline_id}'s {fmt} file is gone.", field="format")
    return path, entry.filename


def import_file(conn: sqlite3.Connection, settings: Settings, data: bytes, filename: str,
                edl_fps: float = 24.0, compound: str = "content") -> Cut:
    """An editor's file as a cut list, each clip's take id filled where it is one of ours.
    `compound`: Final Cut's compound, multicam and sync clips as "content" or "placeholder"."""
    try:
        return read_cut(data, filename, make_lookup(conn, settings), edl_rate=edl_fps,
                        compound=compound)
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
    entry.media_kind = "file"
    entry.name = entry.name or fresh.name


def _default_fps(takes: list[dict[str, Any]]) -> float:
    if takes:
        for label in SEQUENCE_RATES:
            if abs(float(label) - float(takes[0]["fps"] or 0)) < 0.01:
                return float(label)
    return 24.0
