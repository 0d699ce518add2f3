"""One worker per library: an OS file lock on the data dir, held for the process's life.

Two workers on one library would each "recover" the other's running jobs at start-up and
delete the files those jobs are writing. An OS lock (not a PID file) is released by the
kernel when the process dies, even by kill -9, so a crash never leaves the library locked.
The standard library has no portable lock, hence the two small branches below.
"""

from __future__ import annotations

import os
from pathlib import Path

from bridge.errors import CannotStart

if os.name == "nt":
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False
        return True


class LibraryBusy(CannotStart):
    pass


class LibraryLock:
    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / "worker.lock"
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock or raise LibraryBusy with a sentence saying what to do."""
        if self._fd is not None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        if not _try_lock(fd):
            os.close(fd)
            raise LibraryBusy(
                f"Another Promptcut is already working on the library in {self.path.parent}. "
                "Use that one (its panel, or stop it first), or pick another --data-dir.")
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor releases the lock on every platform
            self._fd = None
