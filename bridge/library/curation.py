"""An editor's decisions about takes (rating, pick, tags, notes, shot), kept in two places.

The database row answers queries; the sidecar record beside the media is what the library
is rebuilt from, so every change is written there first, then to the row.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from bridge.library import sidecar, store
from bridge.library.records import Take


def update(conn: sqlite3.Connection, take: Take, changes: dict[str, Any]) -> Take:
    values = {**take.to_json(), **changes}
    sidecar.write_curation(Path(take.sidecar_path), take.record, values)
    store.update_take(conn, take.id, changes)
    fresh = store.get_take(conn, take.id)
    assert fresh is not None
    return fresh
