"""Delete to the trash and restore from it, each as one journaled step.

A delete marks the take deleted and journals its moves in one transaction, then moves the
files; a crash in between (kill -9, power cut) is finished at the next start by
`finish_pending`, so a take is never left half in `trash/` and half in `media/`. Moves across
filesystems (a trash folder on another drive) copy, flush and rename before the original
goes, so the file exists in full in one place or the other at every instant.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import shutil
import sqlite3
from pathlib import Path

from bridge import faults
from bridge.config import Settings
from bridge.errors import Conflict, NotFound
from bridge.library import curation, journal, store
from bridge.library.records import Take

log = logging.getLogger("promptcut.trash")

def trash_folder(settings: Settings, take_id: str) -> Path:
    return settings.trash_dir / take_id


def delete(conn: sqlite3.Connection, settings: Settings, take: Take) -> None:
    """Move a take's files to trash/<take id>/ and mark it deleted (under the take's lock,
    so no PATCH writes its record meanwhile)."""
    with curation.take_lock(take.id):
        if store.get_take(conn, take.id) is None:
            raise NotFound(f"There is no take '{take.id}'.", field="take_id")
        _delete(conn, settings, take)


def _delete(conn: sqlite3.Connection, settings: Settings, take: Take) -> None:
    folder = trash_folder(settings, take.id)
    pairs = [(path, folder / path.name) for path in take.files]
    pairs = [(src, dst) for src, dst in pairs if src.exists()]
    moves = journal.begin_moves(conn, settings.data_dir, take.id, "delete", pairs, True)
    _perform(moves)
    journal.end_moves(conn, moves.id)


def restore(conn: sqlite3.Connection, settings: Settings, take: Take) -> None:
    """Move a deleted take's files back where they were and unmark it (under the take's
    lock, like delete)."""
    with curation.take_lock(take.id):
        now = store.get_take(conn, take.id, include_deleted=True)
        if now is None or now.deleted_at is None:
            raise Conflict(f"Take '{take.id}' is not in the trash.", field="take_id",
                           code="illegal_transition")
        _restore(conn, settings, take)


def _restore(conn: sqlite3.Connection, settings: Settings, take: Take) -> None:
    folder = trash_folder(settings, take.id)
    pairs = [(folder / path.name, path) for path in take.files]
    pairs = [(src, dst) for src, dst in pairs if src.exists() or dst.exists()]
    clash = [dst for src, dst in pairs if src.exists() and dst.exists()]
    if clash:
        raise Conflict(f"Cannot restore take {take.id}: {clash[0].name} exists in its folder "
                       "already. Move that file away first.", field="take_id")
    moves = journal.begin_moves(conn, settings.data_dir, take.id, "restore", pairs, False)
    _perform(moves)
    journal.end_moves(conn, moves.id)


def finish_pending(conn: sqlite3.Connection, settings: Settings) -> int:
    """Complete the moves a crash interrupted; returns how many operations were finished."""
    pending = journal.pending_moves(conn, settings.data_dir)
    for moves in pending:
        log.info("finishing an interrupted %s of take %s", moves.op, moves.take_id)
        _perform(moves)
        journal.end_moves(conn, moves.id)
    return len(pending)


def _perform(moves: journal.Moves) -> None:
    for i, (src, dst) in enumerate(moves.pairs):
        move(src, dst)
        if i == 0:
            faults.point(f"trash.{moves.op}.after_first_move")


def move(src: Path, dst: Path) -> None:
    """Move one file so that it is never lost; idempotent, so a crashed move can be redone.

    Done already (dst there, src gone): nothing. Both there with the same size: a
    cross-device copy finished but the original was not yet removed (dst is renamed into
    place only once flushed), so the original goes now. Both there and different: refuse.
    """
    if not src.exists():
        return
    dst.parent.mkdir(parents=True, exist_ok=True)
    if dst.exists():
        if dst.stat().st_size != src.stat().st_size:
            raise Conflict(f"{dst} exists and differs from {src}; move one of them away.",
                           field="take_id")
        src.unlink()
        return
    try:
        os.replace(src, dst)
        return
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
    partial = dst.with_name(f".{dst.name}.moving")
    try:
        shutil.copyfile(src, partial)
        with open(partial, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(partial, dst)
    except BaseException:
        with contextlib.suppress(OSError):
            partial.unlink()  # our own partial copy; the original is untouched
        raise
    src.unlink()
