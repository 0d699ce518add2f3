"""Boards in the library, on a real SQLite file: order under insert, move, delete and split,
and a board that outlives its database through its JSON copy."""

from __future__ import annotations

import json
import os

from bridge.boards.records import Duration
from bridge.config import Settings
from bridge.library import board_edits, boards, boards_store
from bridge.library.db import Database
from tests.conftest import new_data_dir


def library(tmp_path):
    settings = Settings(data_dir=new_data_dir(tmp_path))
    settings.ensure_dirs()
    return settings, Database(settings.db_path)


def labels(conn, board_id):
    return [s.label for s in boards.get(conn, board_id).shots]


def test_shot_order_under_every_edit(tmp_path):
    settings, db = library(tmp_path)
    conn = db.conn()
    board = board_edits.create_board(conn, settings, {"name": "Order", "fps": 25.0})
    board_edits.add_shots(conn, settings, board, [{"label": x} for x in "ABC"])
    board = boards.get(conn, board.id)
    board_edits.add_shots(conn, settings, board, [{"label": "X"}], at=1)
    assert labels(conn, board.id) == ["A", "X", "B", "C"]
    c = boards.get(conn, board.id).shots[3]
    boards_store.move_shot(conn, c, 0)
    assert labels(conn, board.id) == ["C", "A", "X", "B"]
    x = boards.get(conn, board.id).shots[2]
    boards_store.delete_shot(conn, x)
    assert labels(conn, board.id) == ["C", "A", "B"]
    assert [s.position for s in boards.get(conn, board.id).shots] == [0, 1, 2]
    a = boards.get(conn, board.id).shots[1]
    a.duration = Duration(3, "s")
    boards_store.update_shot(conn, a)
    first, second = board_edits.split_shot(conn, settings, a, Duration(1, "s"))
    assert labels(conn, board.id) == ["C", "A", "A b", "B"]
    assert (first.duration, second.duration) == (Duration(1, "s"), Duration(2, "s"))
    cuts = [(p.start, p.end) for p in boards.layout(conn, boards.get(conn, board.id))]
    assert cuts == [(0, 100), (100, 125), (125, 175), (175, 275)]  # 4 s default, 1 s, 2 s


def test_a_board_survives_a_lost_database(tmp_path):
    settings, db = library(tmp_path)
    conn = db.conn()
    board = board_edits.create_board(conn, settings, {"name": "Keep é", "fps": 30000 / 1001})
    board_edits.add_shots(conn, settings, board, [
        {"label": "One", "prompt": "a fox", "duration": Duration(2, "bars")},
        {"label": "Two", "prompt": "snow", "overrides": {"seed": 7}}])
    saved = json.loads((boards.boards_dir(settings) / f"{board.id}.json").read_text("utf-8"))
    assert [s["label"] for s in saved["shots"]] == ["One", "Two"]
    db.close()
    os.replace(settings.db_path, settings.db_path.with_suffix(".lost"))  # the test's own file
    for extra in ("-wal", "-shm"):
        side = settings.db_path.with_name(settings.db_path.name + extra)
        if side.exists():
            os.replace(side, side.with_name(side.name + ".lost"))
    fresh = Database(settings.db_path).conn()
    assert boards.restore_from_json(fresh, settings) == [board.id]
    back = boards.get(fresh, board.id)
    assert back.name == "Keep é" and back.fps == 29.97
    assert [(s.label, s.prompt, s.duration, s.overrides) for s in back.shots] == [
        ("One", "a fox", Duration(2, "bars"), {}), ("Two", "snow", None, {"seed": 7})]
    assert boards.restore_from_json(fresh, settings) == []  # once only


def test_a_board_deleted_twice_keeps_both_copies_in_the_trash(tmp_path):
    """Deleted, its JSON put back by hand, deleted again: the first trashed copy stays."""
    settings, db = library(tmp_path)
    conn = db.conn()
    board = board_edits.create_board(conn, settings, {"name": "Twice"})
    live = boards.boards_dir(settings) / f"{board.id}.json"
    boards.trash_json(settings, board.id)
    first = (settings.trash_dir / "boards" / live.name).read_bytes()
    boards.save_json(conn, settings, board.id)
    boards.trash_json(settings, board.id)
    kept = sorted(p.read_bytes() for p in (settings.trash_dir / "boards").iterdir())
    assert len(kept) == 2 and first in kept and not live.exists()
