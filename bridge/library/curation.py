"""An editor's decisions about takes (rating, pick, tags, notes, shot), kept in two places.

The database row answers queries; the sidecar record beside the media is what the library
is rebuilt from, so every change is written there first, then to the row.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import defaultdict
from pathlib import Path
from typing import Any

from bridge.errors import NotFound
from bridge.library import sidecar, store
from bridge.library.records import Take

# One writer per take at a time: two PATCHes at once must not interleave their reads and
# writes of the same record (the second would undo the first in the sidecar).
_LOCKS: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)
_GUARD = threading.Lock()


def _lock(take_id: str) -> threading.Lock:
    with _GUARD:
        return _LOCKS[take_id]


def update(conn: sqlite3.Connection, take: Take, changes: dict[str, Any]) -> Take:
    with _lock(take.id):
        current = store.get_take(conn, take.id) or take  # what another writer just saved
        values = {**current.to_json(), **changes}
        sidecar.write_curation(Path(current.sidecar_path), current.record, values)
        store.update_take(conn, take.id, changes)
        fresh = store.get_take(conn, take.id)
    if fresh is None:
        raise NotFound(f"There is no take '{take.id}'.", field="take_id")
    return fresh
