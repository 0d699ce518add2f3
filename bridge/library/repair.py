"""Rebuilding the library from the take records beside the media.

`restore_unknown` runs at every start: a take whose record sits beside its media but that
the database does not know (an empty database, a backup copied without its WAL, an older
database restored) is put back into the library, never deleted. `reconcile` runs then too
and brings the takes the database does know up to what is on disk, by one rule:

- Deleted or not: where the files are is the truth (a database restored from a backup
  cannot move files). A take listed live whose record is only in trash/<id>/ is deleted;
  a take marked deleted whose record is back beside its media (and not in the trash) is
  live again.
- An editor's decisions (rating, pick, tags, notes, shot): every change stamps the row and
  the record with the same `updated_at` (bridge.library.curation); the side with the larger
  stamp wins, and a side without a stamp counts as older than any stamp. Equal stamps
  (the usual case) change nothing. Files that are neither a
known take's nor beside a record are left alone and reported. `rebuild` is
`promptcut library repair`: it keeps the damaged database file beside the new one and
restores every take (and the deleted ones in trash/, still deleted).
"""

from __future__ import annotations

import logging
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

from bridge.config import Settings
from bridge.library import sidecar, store
from bridge.library.db import Database
from bridge.library.media import SUFFIXES

log = logging.getLogger("promptcut.repair")


@dataclass
class Report:
    restored: list[str] = field(default_factory=list)  # take ids put back
    unknown: list[Path] = field(default_factory=list)  # files left alone
    kept_database: Path | None = None  # where `rebuild` put the damaged file

    def lines(self) -> list[str]:
        out = [f"restored {len(self.restored)} take(s) from their records"]
        if self.kept_database:
            out.append(f"the old database is kept as {self.kept_database}")
        if self.unknown:
            out.append(f"{len(self.unknown)} file(s) belong to no take and were left alone:")
            out += [f"  {p}" for p in self.unknown[:50]]
        return out


def restore_unknown(conn: sqlite3.Connection, settings: Settings) -> Report:
    report = Report()
    known = store.known_take_ids(conn)
    known_files = _known_files(conn, settings)
    for folder, deleted in _take_folders(settings):
        for path in sorted(folder.glob("*.json")):
            stem = path.name[: -len(".json")]
            if path.name.startswith(".") or path in known_files or not (
                    folder / f"{stem}.mp4").is_file():
                continue
            record = sidecar.read(path)
            if record is None or record["take_id"] in known:
                continue
            _restore(conn, record, stem, deleted)
            known.add(record["take_id"])
            report.restored.append(record["take_id"])
            known_files.update(folder / f"{stem}{s}" for s in SUFFIXES)
    for folder, _deleted in _take_folders(settings):
        report.unknown += [p for p in sorted(folder.iterdir())
                           if p.is_file() and p not in known_files]
    if report.restored:
        log.warning("restored %d take(s) the database did not know, from their records",
                    len(report.restored))
    for path in report.unknown:
        log.warning("left alone: %s belongs to no take", path)
    return report


def reconcile(conn: sqlite3.Connection, settings: Settings) -> list[str]:
    """Bring known takes up to their records on disk (rule in the module docstring);
    returns the ids of the takes changed."""
    changed = []
    for take in store.all_takes(conn):
        here = Path(take.sidecar_path)
        trashed = settings.trash_dir / take.id / here.name
        in_media, in_trash = here.is_file(), trashed.is_file()
        fixes = []
        if take.deleted_at is None and in_trash and not in_media:
            store.set_take_deleted(conn, take.id, True)
            fixes.append("deleted (its files are in the trash)")
        elif take.deleted_at is not None and in_media and not in_trash:
            store.set_take_deleted(conn, take.id, False)
            fixes.append("live again (its files are back in media/)")
        record = sidecar.read(here if in_media else trashed) if (in_media or in_trash) else None
        lib = (record or {}).get("library") or {}
        stamp = lib.get("updated_at")
        if isinstance(stamp, int | float) and stamp > (take.updated_at or 0):
            store.set_curation(conn, take.id, {
                "rating": int(lib.get("rating") or 0), "status": lib.get("status") or "new",
                "tags": list(lib.get("tags") or []), "notes": lib.get("notes") or "",
                "shot_id": lib.get("shot_id"), "board_id": lib.get("board_id"),
                "updated_at": stamp})
            fixes.append("rating, status, tags and notes taken from its newer record")
        if fixes:
            changed.append(take.id)
            log.warning("take %s: %s", take.id, "; ".join(fixes))
    return changed


def rebuild(settings: Settings) -> Report:
    """Keep the current database file aside and make a new one from the records."""
    kept = None
    db_path = settings.db_path
    if db_path.exists():
        stamp = time.strftime("%Y%m%d-%H%M%S")
        kept = db_path.with_name(f"{db_path.name}.damaged-{stamp}")
        for suffix in ("", "-wal", "-shm"):
            src = Path(f"{db_path}{suffix}")
            if src.exists():
                src.replace(Path(f"{kept}{suffix}"))
    database = Database(db_path)
    try:
        conn = database.conn()
        store.set_media_root(conn, settings.media_dir)
        report = restore_unknown(conn, settings)
    finally:
        database.close()
    report.kept_database = kept
    return report


def _restore(conn: sqlite3.Connection, record: dict, stem: str, deleted: bool) -> None:
    folder = record.get("batch_id") or stem
    row = sidecar.take_row(record, folder, stem)
    if deleted:
        row["deleted_at"] = time.time()
    job = {"id": row["job_id"], "idx": 0, "created_at": row["created_at"],
           "request": record["request"]}
    batch = {"id": row["batch_id"], "created_at": row["created_at"], "takes": 1,
             "request": record["request"]}
    store.insert_recovered_take(conn, row, job, batch)


def _take_folders(settings: Settings) -> list[tuple[Path, bool]]:
    """Every folder takes live in: media/<batch>/ and trash/<take id>/ (deleted)."""
    out = []
    for base, deleted in ((settings.media_dir, False), (settings.trash_dir, True)):
        if base.is_dir():
            out += [(d, deleted) for d in sorted(base.iterdir())
                    if d.is_dir() and d != settings.images_dir]
    return out


def _known_files(conn: sqlite3.Connection, settings: Settings) -> set[Path]:
    """The files of every take the database knows, where they are and, for deleted takes,
    where the trash keeps them."""
    out: set[Path] = set()
    for take in store.all_takes(conn):
        paths = take.files
        out.update(paths)
        if take.deleted_at is not None:
            out.update(settings.trash_dir / take.id / p.name for p in paths)
    return out
