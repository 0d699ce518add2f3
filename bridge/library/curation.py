"""An editor's decisions about takes (rating, pick, tags, notes, shot), kept in two places.

The database row answers queries; the take's record beside the media (the sidecar) is what
the library is rebuilt from. One change, in this order, under the take's lock (the same lock
delete and restore hold, so a PATCH racing a DELETE can never write a record into media/
after the files went to the trash):

1. the new record is written beside the old one under a temporary name (a full disk fails
   here, and nothing has changed: 507);
2. the row changes in one transaction, stamped with a new `updated_at` (a database locked
   by another program fails here, and nothing has changed: 503; the temporary file goes);
3. the temporary record is renamed over the old one (a rename needs no free space).

So a refused change leaves both the row and the record as they were, and an accepted one
is in both. The record carries the same `updated_at` under `library`: at start-up the newer
of the two wins (bridge.library.repair.reconcile), which is how an older database restored
from a backup catches up with what the records say.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from bridge.errors import NotFound
from bridge.library import sidecar, store
from bridge.library.db import transaction
from bridge.library.records import Take

_LOCKS: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)
_GUARD = threading.Lock()


def take_lock(take_id: str) -> threading.Lock:
    """One writer per take at a time: a PATCH, a delete and a restore of one take never
    interleave (the second PATCH would undo the first in the record; a PATCH after a delete
    would put the record back into media/)."""
    with _GUARD:
        return _LOCKS[take_id]


def update(conn: sqlite3.Connection, take: Take, changes: dict[str, Any]) -> Take:
    with take_lock(take.id):
        current = store.get_take(conn, take.id)  # what another writer just saved
        if current is None:  # deleted meanwhile: its record is in the trash, leave it there
            raise NotFound(f"There is no take '{take.id}'.", field="take_id")
        stamp = max(time.time(), (current.updated_at or 0) + 0.001)
        values = {**current.to_json(), **changes, "updated_at": stamp}
        path = Path(current.sidecar_path)
        pending = sidecar.prepare_curation(path, current.record, values)
        try:
            with transaction(conn):
                store.update_take(conn, take.id, {**changes, "updated_at": stamp})
            sidecar.put_in_place(pending, path)
        finally:
            with contextlib.suppress(OSError):
                pending.unlink(missing_ok=True)  # our own temporary file, if still there
        fresh = store.get_take(conn, take.id)
    if fresh is None:
        raise NotFound(f"There is no take '{take.id}'.", field="take_id")
    return fresh
