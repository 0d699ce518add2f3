"""Stored timelines: one folder per timeline under `settings.timelines_dir`, written all at
once, deleted only when Promptcut wrote it, pruned by the retention settings.

A timeline folder is `tl_<16 hex>/` holding the files of each format and `timeline.json`,
which lists them. It is written as `.tl_<id>.partial/` and renamed into place only when every
format and the description are complete, so a failed write leaves nothing behind and a
reader never sees half a timeline. Deleting renames the folder to `.tl_<id>.deleting/` first
(one atomic step), then removes exactly the files its `timeline.json` names; a folder without
that file is never touched, and neither is any file it does not name.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import secrets
import time
from pathlib import Path

from bridge.config import Settings
from bridge.errors import NotFound
from bridge.library.records import Timeline, TimelineFile, TimelineOptions
from otio_export import Cut, WriteOptions, export_cut

log = logging.getLogger("promptcut.timelines")
ID = re.compile(r"^tl_[0-9a-f]{16}$")
_DELETING = re.compile(r"^\.(tl_[0-9a-f]{16})\.deleting$")
DESCRIPTION = "timeline.json"


def create(settings: Settings, cut: Cut, formats: list[str],
           options: WriteOptions) -> Timeline:
    """Write the cut in every format under a new id, all or nothing; its description."""
    timeline_id = f"tl_{secrets.token_hex(8)}"
    root = settings.timelines_dir
    root.mkdir(parents=True, exist_ok=True)
    staging = root / f".{timeline_id}.partial"
    staging.mkdir()
    written: list[Path] = []
    try:
        result = export_cut(cut, formats, staging, options=options)
        written += result.files.values()
        meta = Timeline(
            id=timeline_id, name=cut.name, fps=cut.fps, created_at=time.time(),
            formats={fmt: TimelineFile(filename=path.name, bytes=path.stat().st_size)
                     for fmt, path in result.files.items()},
            warnings=result.warnings,
            options=TimelineOptions(include_disabled=options.include_disabled,
                                    drop_frame=options.drop_frame),
            cut=cut.to_dict())
        partial = staging / f".{DESCRIPTION}.partial"
        written.append(partial)
        with open(partial, "w", encoding="utf-8") as handle:
            json.dump(meta.to_json(), handle, ensure_ascii=False)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, staging / DESCRIPTION)
        written.append(staging / DESCRIPTION)
        os.replace(staging, root / timeline_id)
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)  # only what this attempt wrote
        _rmdir(staging)
        raise
    prune(settings, keep=timeline_id)
    return meta


def load(settings: Settings, timeline_id: str) -> Timeline:
    if not ID.match(timeline_id):
        raise NotFound(f"There is no timeline {timeline_id!r}.", field="timeline_id")
    meta = _description(settings.timelines_dir / timeline_id)
    if meta is None:
        raise NotFound(f"There is no timeline {timeline_id!r}.", field="timeline_id")
    return meta


def delete(settings: Settings, timeline_id: str) -> Timeline:
    """Remove a stored timeline: the files its description names, then the description."""
    meta = load(settings, timeline_id)
    folder = settings.timelines_dir / timeline_id
    doomed = settings.timelines_dir / f".{timeline_id}.deleting"
    os.replace(folder, doomed)
    _finish_delete(doomed, meta)
    return meta


def prune(settings: Settings, keep: str | None = None) -> list[str]:
    """Apply the retention settings (`timelines_keep` newest, `timelines_max_age_days`): a
    timeline goes when either limit says so. Deletes finished earlier are completed. Only
    folders with a description written by Promptcut count; `keep` is never pruned."""
    root = settings.timelines_dir
    if not root.is_dir():
        return []
    stored: list[tuple[float, str]] = []
    for child in root.iterdir():
        half_deleted = _DELETING.match(child.name)
        if half_deleted:
            meta = _description(child)
            if meta is not None:
                _finish_delete(child, meta)
            continue
        if ID.match(child.name) and (meta := _description(child)) is not None:
            stored.append((meta.created_at, child.name))
    stored.sort(reverse=True)
    now = time.time()
    max_age = settings.timelines_max_age_days
    gone = []
    for rank, (created, timeline_id) in enumerate(stored):
        too_many = settings.timelines_keep is not None and rank >= settings.timelines_keep
        too_old = max_age is not None and now - created > max_age * 86400
        if timeline_id != keep and (too_many or too_old):
            try:
                delete(settings, timeline_id)
                gone.append(timeline_id)
            except (OSError, NotFound) as err:
                log.warning("could not prune timeline %s: %s", timeline_id, err)
    return gone


def _description(folder: Path) -> Timeline | None:
    """The folder's description, or None when it holds none Promptcut could have written."""
    try:
        return Timeline.model_validate_json((folder / DESCRIPTION).read_bytes())
    except (OSError, ValueError):  # pydantic's ValidationError is a ValueError
        return None


def _finish_delete(folder: Path, meta: Timeline) -> None:
    for info in meta.formats.values():
        name = info.filename
        if name and Path(name).name == name and name != DESCRIPTION:
            (folder / name).unlink(missing_ok=True)
    (folder / DESCRIPTION).unlink(missing_ok=True)
    _rmdir(folder)


def _rmdir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        folder.rmdir()  # only when empty: a file nobody listed stays where it is
