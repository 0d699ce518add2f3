"""What a failing disk means to a person: OS and SQLite storage errors as one sentence.

A full disk, a read-only one, a folder Promptcut may not write, or a move between two disks
is not a bug in Promptcut and not the caller's fault either; the app answers it with 507
(Insufficient Storage), and a database another program holds locked longer than the busy
timeout with 503 and Retry-After, each with a sentence that says which disk and what to
do, wherever in the library the write failed (a take's files, the database, an upload, a
timeline). One place, so that every route answers these the same way.
"""

from __future__ import annotations

import errno
import shutil
import sqlite3
from pathlib import Path

from bridge.errors import PromptcutError

SQLITE_BUSY, SQLITE_LOCKED = 5, 6  # result codes; sqlite3 names them only from 3.11
SQLITE_READONLY, SQLITE_FULL = 8, 13
BUSY_RETRY_S = 5  # what a 503 for a locked library asks the caller to wait

# errno -> (code, what went wrong, what to do); {where} is the folder, {free} its free space.
_OS = {
    errno.ENOSPC: ("disk_full", "The disk holding the library is full",
                   "free space on {where} ({free} free now) and try again"),
    errno.EROFS: ("disk_read_only", "The disk holding the library is read-only",
                  "make {where} writable, or start Promptcut with another --data-dir"),
    errno.EACCES: ("disk_not_writable", "Promptcut may not write to the library",
                   "check the permissions of {where}"),
    errno.EXDEV: ("cross_device", "Promptcut could not move a file between two disks",
                  "keep the library's folders ({where}) on one disk"),
}
_OS[errno.EPERM] = _OS[errno.EACCES]
if hasattr(errno, "EDQUOT"):  # a quota is full: to the editor, the same as a full disk
    _OS[errno.EDQUOT] = _OS[errno.ENOSPC]


def storage_error(exc: BaseException, library: Path) -> PromptcutError | None:
    """The 507 for a storage failure, or None when `exc` is something else (a bug)."""
    if isinstance(exc, OSError) and exc.errno in _OS:
        where = _folder_of(exc.filename, library)
        return _error(*_OS[exc.errno], where)
    if isinstance(exc, sqlite3.Error):
        code = getattr(exc, "sqlite_errorcode", None)
        text = str(exc).lower()
        if code == SQLITE_FULL or (code is None and "disk is full" in text):
            return _error(*_OS[errno.ENOSPC], library)
        if code == SQLITE_READONLY or (code is None and "readonly database" in text):
            return _error(*_OS[errno.EROFS], library)
        if (code is not None and code & 0xFF in (SQLITE_BUSY, SQLITE_LOCKED)) or (
                code is None and "database is locked" in text):
            return PromptcutError(
                f"The library database is locked by another program (a backup or sync tool, "
                f"a database browser, a second Promptcut): nothing was changed. Close that "
                f"program or wait, then try again ({library}).", code="library_locked",
                status=503, details={"path": str(library), "retry_after_s": BUSY_RETRY_S})
    return None


def _error(code: str, what: str, todo: str, where: Path) -> PromptcutError:
    message = f"{what}: {todo.format(where=where, free=_free(where))}."
    return PromptcutError(message, code=code, status=507, details={"path": str(where)})


def _folder_of(filename: object, library: Path) -> Path:
    """The nearest existing folder of the file that failed, else the library."""
    if isinstance(filename, str | bytes) and filename:
        path = Path(filename.decode(errors="replace") if isinstance(filename, bytes)
                    else filename)
        for candidate in (path, *path.parents):
            if candidate.is_dir():
                return candidate
    return library


def _free(where: Path) -> str:
    try:
        free = float(shutil.disk_usage(where).free)
    except OSError:
        return "unknown"
    units = ("bytes", "KB", "MB", "GB", "TB")
    i = 0
    while free >= 1000 and i < len(units) - 1:
        free /= 1000
        i += 1
    return f"{free:.0f} bytes" if i == 0 else f"{free:.1f} {units[i]}"
