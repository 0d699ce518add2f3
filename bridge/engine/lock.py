"""One worker per library: an OS file lock on the data dir, held for the process's life.

Two workers on one library would each recover the other's running jobs at start-up. An OS
lock (not a PID file) is released by the kernel when the process dies, even by kill -9, so a
crash never leaves the library locked. `filelock` provides it on every platform (flock on
POSIX, msvcrt on Windows).
"""

from __future__ import annotations

from pathlib import Path

from filelock import FileLock, Timeout

from bridge.errors import CannotStart


class LibraryBusy(CannotStart):
    pass


class LibraryLock:
    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / "worker.lock"
        # thread_local=False: taken at start on one thread, released at stop on another.
        self._lock = FileLock(self.path, thread_local=False)

    def acquire(self) -> None:
        """Take the lock or raise LibraryBusy with a sentence saying what to do."""
        if self._lock.is_locked:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._lock.acquire(timeout=0)
        except Timeout:
            raise LibraryBusy(
                f"Another Promptcut is already working on the library in {self.path.parent}. "
                "Use that one (its panel, or stop it first), or pick another --data-dir."
            ) from None

    def release(self) -> None:
        if self._lock.is_locked:
            self._lock.release(force=True)
