"""Every SQL statement about chains (bridge.boards.records.Chain): one row per chain, its
state a column (the follower looks up the running ones at every take), the rest JSON."""

from __future__ import annotations

import json
import sqlite3
import time

from bridge.boards.records import Chain

_COLUMNS = ("id", "shot_id", "board_id", "state", "created_at", "updated_at")


def _chain(row: sqlite3.Row) -> Chain:
    data = json.loads(row["data"])
    data.update({k: row[k] for k in _COLUMNS})
    return Chain.from_dict(data)


def insert(conn: sqlite3.Connection, chain: Chain) -> None:
    chain.created_at = chain.updated_at = time.time()
    data = {k: v for k, v in chain.to_dict().items() if k not in _COLUMNS}
    conn.execute("INSERT INTO chains(id, shot_id, board_id, state, created_at, updated_at, "
                 "data) VALUES (?,?,?,?,?,?,?)",
                 (chain.id, chain.shot_id, chain.board_id, chain.state, chain.created_at,
                  chain.updated_at, json.dumps(data, ensure_ascii=False)))


def update(conn: sqlite3.Connection, chain: Chain) -> None:
    chain.updated_at = time.time()
    data = {k: v for k, v in chain.to_dict().items() if k not in _COLUMNS}
    conn.execute("UPDATE chains SET state = ?, updated_at = ?, data = ? WHERE id = ?",
                 (chain.state, chain.updated_at, json.dumps(data, ensure_ascii=False),
                  chain.id))


def get(conn: sqlite3.Connection, chain_id: str) -> Chain | None:
    row = conn.execute("SELECT * FROM chains WHERE id = ?", (chain_id,)).fetchone()
    return _chain(row) if row else None


def running(conn: sqlite3.Connection) -> list[Chain]:
    return [_chain(r) for r in conn.execute(
        "SELECT * FROM chains WHERE state = 'running' ORDER BY created_at, id")]


def latest_by_shot(conn: sqlite3.Connection, board_id: str) -> dict[str, Chain]:
    """Each shot's newest chain on a board (what the Board view shows)."""
    out: dict[str, Chain] = {}
    for row in conn.execute("SELECT * FROM chains WHERE board_id = ? ORDER BY created_at, id",
                            (board_id,)):
        out[row["shot_id"]] = _chain(row)
    return out
