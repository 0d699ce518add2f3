"""Every SQL statement about boards, shots, songs, chains and which shot a take was made for.

Rows come back as the typed records of bridge.boards.records. Shot positions are kept
contiguous (0..n-1) by every change, so "position" always means "place in the cut". Deleting
a board or a shot only marks it: its takes stay in the library, still linked to it (a
take's shot is the take's own `shot_id`, kept in its sidecar record as well).

No function here opens a transaction: the caller (bridge.boards.service) holds one around
each whole edit, so an edit of several rows is all or nothing.
"""

from __future__ import annotations

import json
import sqlite3
import time
from typing import Any

from bridge.boards.records import Board, Chain, RecordError, Shot

# Shot fields kept in the row's JSON `data` (the rest are columns).
_SHOT_COLUMNS = {"id", "board_id", "position", "selected_take_id", "created_at", "updated_at"}
_BOARD_COLUMNS = {"id", "name", "created_at", "updated_at", "song_id", "shots",
                  "schema_version"}


# ---------------------------------------------------------------- boards

def _settings(board: Board) -> str:
    data = {k: v for k, v in board.to_dict().items() if k not in _BOARD_COLUMNS}
    return json.dumps(data, ensure_ascii=False)


def insert_board(conn: sqlite3.Connection, board: Board) -> None:
    conn.execute("INSERT INTO boards(id, name, created_at, updated_at, song_id, settings) "
                 "VALUES (?,?,?,?,?,?)", (board.id, board.name, board.created_at,
                                          board.updated_at, board.song_id, _settings(board)))
    _insert_shot_rows(conn, board.shots)


def update_board(conn: sqlite3.Connection, board: Board) -> None:
    board.updated_at = time.time()
    conn.execute("UPDATE boards SET name = ?, updated_at = ?, song_id = ?, settings = ? "
                 "WHERE id = ?", (board.name, board.updated_at, board.song_id,
                                  _settings(board), board.id))


def touch_board(conn: sqlite3.Connection, board_id: str) -> None:
    conn.execute("UPDATE boards SET updated_at = ? WHERE id = ?", (time.time(), board_id))


def _board(row: sqlite3.Row, shots: list[Shot]) -> Board:
    data = json.loads(row["settings"])
    data.update(id=row["id"], name=row["name"], created_at=row["created_at"],
                updated_at=row["updated_at"], song_id=row["song_id"])
    board = Board.parse(data)
    board.shots = shots
    return board


def get_board(conn: sqlite3.Connection, board_id: str, *, include_deleted: bool = False
              ) -> Board | None:
    sql = "SELECT * FROM boards WHERE id = ?"
    if not include_deleted:
        sql += " AND deleted_at IS NULL"
    row = conn.execute(sql, (board_id,)).fetchone()
    return _board(row, board_shots(conn, board_id)) if row else None


def list_boards(conn: sqlite3.Connection, limit: int = 500,
                unreadable: list[str] | None = None) -> list[Board]:
    """Boards, most recently changed first, with their shots. A row this version cannot
    read is left out (its id appended to `unreadable`), so one bad board hides no other."""
    rows = conn.execute("SELECT * FROM boards WHERE deleted_at IS NULL "
                        "ORDER BY updated_at DESC, id LIMIT ?", (limit,)).fetchall()
    out = []
    for r in rows:
        try:
            out.append(_board(r, board_shots(conn, r["id"])))
        except (RecordError, ValueError) as err:
            if unreadable is not None:
                unreadable.append(f"{r['id']}: {err}")
    return out


def board_ids(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT id FROM boards")}


def live_board_ids(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT id FROM boards WHERE deleted_at IS NULL")}


def mark_board_deleted(conn: sqlite3.Connection, board_id: str) -> None:
    conn.execute("UPDATE boards SET deleted_at = ? WHERE id = ?", (time.time(), board_id))


# ---------------------------------------------------------------- shots

def _shot(row: sqlite3.Row) -> Shot:
    data = json.loads(row["data"])
    data.update({k: row[k] for k in _SHOT_COLUMNS})
    return Shot.from_dict(data)


def _shot_values(shot: Shot) -> tuple:
    data = {k: v for k, v in shot.to_dict().items() if k not in _SHOT_COLUMNS}
    return (shot.id, shot.board_id, shot.position, shot.selected_take_id, shot.created_at,
            shot.updated_at, json.dumps(data, ensure_ascii=False))


def _insert_shot_rows(conn: sqlite3.Connection, shots: list[Shot]) -> None:
    conn.executemany("INSERT INTO shots(id, board_id, position, selected_take_id, created_at,"
                     " updated_at, data) VALUES (?,?,?,?,?,?,?)",
                     [_shot_values(s) for s in shots])


def board_shots(conn: sqlite3.Connection, board_id: str) -> list[Shot]:
    return [_shot(r) for r in conn.execute(
        "SELECT * FROM shots WHERE board_id = ? AND deleted_at IS NULL ORDER BY position, id",
        (board_id,))]


def get_shot(conn: sqlite3.Connection, shot_id: str) -> Shot | None:
    row = conn.execute("SELECT * FROM shots WHERE id = ? AND deleted_at IS NULL",
                       (shot_id,)).fetchone()
    return _shot(row) if row else None


def _renumber(conn: sqlite3.Connection, board_id: str, order: list[str]) -> None:
    conn.executemany("UPDATE shots SET position = ? WHERE id = ?",
                     [(i, shot_id) for i, shot_id in enumerate(order)])
    touch_board(conn, board_id)


def _order(conn: sqlite3.Connection, board_id: str) -> list[str]:
    return [r[0] for r in conn.execute(
        "SELECT id FROM shots WHERE board_id = ? AND deleted_at IS NULL ORDER BY position, id",
        (board_id,))]


def insert_shots(conn: sqlite3.Connection, board_id: str, shots: list[Shot],
                 at: int | None = None) -> None:
    """Insert shots before position `at` (None: at the end); later shots move down."""
    order = _order(conn, board_id)
    at = len(order) if at is None else max(0, min(at, len(order)))
    _insert_shot_rows(conn, shots)
    _renumber(conn, board_id, order[:at] + [s.id for s in shots] + order[at:])


def update_shot(conn: sqlite3.Connection, shot: Shot) -> None:
    shot.updated_at = time.time()
    _, _, _, selected, _, updated, data = _shot_values(shot)
    conn.execute("UPDATE shots SET selected_take_id = ?, updated_at = ?, data = ? "
                 "WHERE id = ?", (selected, updated, data, shot.id))
    touch_board(conn, shot.board_id)


def move_shot(conn: sqlite3.Connection, shot: Shot, position: int) -> None:
    order = [i for i in _order(conn, shot.board_id) if i != shot.id]
    position = max(0, min(position, len(order)))
    _renumber(conn, shot.board_id, [*order[:position], shot.id, *order[position:]])


def delete_shot(conn: sqlite3.Connection, shot: Shot) -> None:
    """Mark the shot deleted (its takes keep their link, so undoing loses nothing)."""
    conn.execute("UPDATE shots SET deleted_at = ? WHERE id = ?", (time.time(), shot.id))
    _renumber(conn, shot.board_id, _order(conn, shot.board_id))


# ---------------------------------------------------------------- takes of shots

def shot_take_ids(conn: sqlite3.Connection, shot_id: str) -> list[str]:
    """Finished, not deleted takes of a shot, oldest first."""
    return [r[0] for r in conn.execute(
        "SELECT id FROM takes WHERE shot_id = ? AND deleted_at IS NULL "
        "ORDER BY created_at, id", (shot_id,))]


def take_counts(conn: sqlite3.Connection, board_id: str) -> dict[str, dict[str, int]]:
    """Per shot: finished takes in the library, and jobs still queued or running for it."""
    out: dict[str, dict[str, int]] = {}
    for shot_id, n in conn.execute(
            "SELECT shot_id, COUNT(*) FROM takes WHERE board_id = ? AND deleted_at IS NULL "
            "AND shot_id IS NOT NULL GROUP BY shot_id", (board_id,)):
        out.setdefault(shot_id, {"takes": 0, "pending": 0})["takes"] = n
    for shot_id, n in conn.execute(
            "SELECT shot_id, COUNT(*) FROM jobs WHERE board_id = ? AND shot_id IS NOT NULL "
            "AND status IN ('queued', 'running') GROUP BY shot_id", (board_id,)):
        out.setdefault(shot_id, {"takes": 0, "pending": 0})["pending"] = n
    return out


# ---------------------------------------------------------------- songs

def insert_song(conn: sqlite3.Connection, song: dict[str, Any]) -> None:
    conn.execute("INSERT INTO songs(id, sha256, created_at, filename, path, duration_s, "
                 "sample_rate, samples, analysis) VALUES (?,?,?,?,?,?,?,?,?) "
                 "ON CONFLICT(sha256) DO NOTHING",
                 (song["id"], song["sha256"], song["created_at"], song["filename"],
                  song["path"], song["duration_s"], song["sample_rate"], song["samples"],
                  json.dumps(song["analysis"])))


def _song(row: sqlite3.Row) -> dict[str, Any]:
    out = dict(row)
    out["analysis"] = json.loads(row["analysis"])
    return out


def get_song(conn: sqlite3.Connection, song_id: str) -> dict[str, Any] | None:
    row = conn.execute("SELECT * FROM songs WHERE id = ?", (song_id,)).fetchone()
    return _song(row) if row else None


def song_by_sha(conn: sqlite3.Connection, sha256: str) -> dict[str, Any] | None:
    row = conn.execute("SELECT * FROM songs WHERE sha256 = ?", (sha256,)).fetchone()
    return _song(row) if row else None



# ---------------------------------------------------------------- chains
# One row per chain, its state a column (the follower looks up the running ones at every
# take), the rest JSON.

_CHAIN_COLUMNS = ("id", "shot_id", "board_id", "state", "created_at", "updated_at")


def _chain(row: sqlite3.Row) -> Chain:
    data = json.loads(row["data"])
    data.update({k: row[k] for k in _CHAIN_COLUMNS})
    return Chain.from_dict(data)


def insert_chain(conn: sqlite3.Connection, chain: Chain) -> None:
    chain.created_at = chain.updated_at = time.time()
    data = {k: v for k, v in chain.to_dict().items() if k not in _CHAIN_COLUMNS}
    conn.execute("INSERT INTO chains(id, shot_id, board_id, state, created_at, updated_at, "
                 "data) VALUES (?,?,?,?,?,?,?)",
                 (chain.id, chain.shot_id, chain.board_id, chain.state, chain.created_at,
                  chain.updated_at, json.dumps(data, ensure_ascii=False)))


def update_chain(conn: sqlite3.Connection, chain: Chain) -> None:
    chain.updated_at = time.time()
    data = {k: v for k, v in chain.to_dict().items() if k not in _CHAIN_COLUMNS}
    conn.execute("UPDATE chains SET state = ?, updated_at = ?, data = ? WHERE id = ?",
                 (chain.state, chain.updated_at, json.dumps(data, ensure_ascii=False),
                  chain.id))


def get_chain(conn: sqlite3.Connection, chain_id: str) -> Chain | None:
    row = conn.execute("SELECT * FROM chains WHERE id = ?", (chain_id,)).fetchone()
    return _chain(row) if row else None


def running_chains(conn: sqlite3.Connection) -> list[Chain]:
    return [_chain(r) for r in conn.execute(
        "SELECT * FROM chains WHERE state = 'running' ORDER BY created_at, id")]


def latest_chains(conn: sqlite3.Connection, board_id: str) -> dict[str, Chain]:
    """Each shot's newest chain on a board (what the Board view shows)."""
    out: dict[str, Chain] = {}
    for row in conn.execute("SELECT * FROM chains WHERE board_id = ? ORDER BY created_at, id",
                            (board_id,)):
        out[row["shot_id"]] = _chain(row)
    return out


def restore_state(conn: sqlite3.Connection, board: Board) -> None:
    """Put a board back as `board` says (an undo or redo of the board service): its
    settings, and its shots with their fields, order and picks; a shot deleted since comes
    back (deleting only marks it), one added since is marked deleted."""
    update_board(conn, board)
    live = set(_order(conn, board.id))
    now = time.time()
    for shot in board.shots:
        shot.updated_at = now
        values = _shot_values(shot)
        if conn.execute("SELECT 1 FROM shots WHERE id = ?", (shot.id,)).fetchone():
            conn.execute("UPDATE shots SET position = ?, selected_take_id = ?, updated_at = ?, "
                         "data = ?, deleted_at = NULL WHERE id = ?",
                         (shot.position, values[3], now, values[6], shot.id))
        else:
            _insert_shot_rows(conn, [shot])
    gone = live - {s.id for s in board.shots}
    conn.executemany("UPDATE shots SET deleted_at = ? WHERE id = ?",
                     [(now, shot_id) for shot_id in gone])
    _renumber(conn, board.id, [s.id for s in sorted(board.shots, key=lambda s: s.position)])
