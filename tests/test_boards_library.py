"""The board service on a real SQLite file, no server: order under insert, move, delete and
split, and a board that outlives its database through its JSON mirror."""

from __future__ import annotations

import json
import os

from bridge.boards import mirror
from bridge.boards.records import Duration
from bridge.boards.service import BoardService
from bridge.config import Settings
from bridge.library.db import Database
from tests.conftest import new_data_dir


def library(tmp_path):
    settings = Settings(data_dir=new_data_dir(tmp_path))
    settings.ensure_dirs()
    db = Database(settings.db_path)
    return settings, db, BoardService(settings, db)


def labels(boards, board_id):
    return [s.label for s in boards.get(board_id).shots]


def test_shot_order_under_every_edit(tmp_path):
    settings, _db, boards = library(tmp_path)
    board = boards.create({"name": "Order", "fps": 25.0}, [{"label": x} for x in "ABC"]).board
    boards.add_shots(board.id, [{"label": "X"}], position=1)
    assert labels(boards, board.id) == ["A", "X", "B", "C"]
    c = boards.get(board.id).shots[3]
    boards.update_shot(c.id, {"position": 0})
    assert labels(boards, board.id) == ["C", "A", "X", "B"]
    boards.delete_shot(boards.get(board.id).shots[2].id)
    assert labels(boards, board.id) == ["C", "A", "B"]
    assert [s.position for s in boards.get(board.id).shots] == [0, 1, 2]
    a = boards.get(board.id).shots[1]
    boards.update_shot(a.id, {"duration": Duration(3, "s")})
    first, second, _ = boards.split_shot(a.id, Duration(1, "s"))
    assert labels(boards, board.id) == ["C", "A", "A b", "B"]
    assert (first.duration, second.duration) == (Duration(1, "s"), Duration(2, "s"))
    cuts = [(p.start, p.end) for p in boards.layout(boards.get(board.id))]
    assert cuts == [(0, 100), (100, 125), (125, 175), (175, 275)]  # 4 s default, 1 s, 2 s
    saved = json.loads(mirror.path_of(settings, board.id).read_text("utf-8"))
    assert [s["label"] for s in saved["shots"]] == ["C", "A", "A b", "B"]  # the mirror too


def test_a_board_survives_a_lost_database(tmp_path):
    settings, db, boards = library(tmp_path)
    board = boards.create({"name": "Keep é", "fps": 30000 / 1001}).board
    boards.add_shots(board.id, [
        {"label": "One", "prompt": "a fox", "duration": Duration(2, "bars")},
        {"label": "Two", "prompt": "snow", "overrides": {"seed": 7}}])
    saved = json.loads(mirror.path_of(settings, board.id).read_text("utf-8"))
    assert [s["label"] for s in saved["shots"]] == ["One", "Two"]
    db.close()
    os.replace(settings.db_path, settings.db_path.with_suffix(".lost"))  # the test's own file
    for extra in ("-wal", "-shm"):
        side = settings.db_path.with_name(settings.db_path.name + extra)
        if side.exists():
            os.replace(side, side.with_name(side.name + ".lost"))
    fresh = BoardService(settings, Database(settings.db_path))
    assert fresh.restore() == [board.id]
    back = fresh.get(board.id)
    assert back.name == "Keep é" and back.fps == 29.97
    assert [(s.label, s.prompt, s.duration, s.overrides) for s in back.shots] == [
        ("One", "a fox", Duration(2, "bars"), {}), ("Two", "snow", None, {"seed": 7})]
    assert fresh.restore() == []  # once only


def test_a_board_deleted_twice_keeps_both_copies_in_the_trash(tmp_path):
    """Deleted, its JSON put back by hand, deleted again: the first trashed copy stays."""
    settings, _db, boards = library(tmp_path)
    board = boards.create({"name": "Twice"}).board
    live = mirror.path_of(settings, board.id)
    mirror.trash(settings, board.id)
    first = (settings.trash_dir / "boards" / live.name).read_bytes()
    boards.save_mirror(board.id)
    mirror.trash(settings, board.id)
    kept = sorted(p.read_bytes() for p in (settings.trash_dir / "boards").iterdir())
    assert len(kept) == 2 and first in kept and not live.exists()


def test_undo_and_redo_each_kind_of_edit_across_a_restart(tmp_path):
    """Length, order, a deleted shot, the grid, a split: each undone and redone in turn, by a
    second service on the same library (the journal is on disk, as after a restart); a new
    edit clears what could be redone; nothing left to undo is a 409."""
    import pytest

    from bridge.boards.records import GridAdjust
    from bridge.errors import Conflict

    settings, _db, boards = library(tmp_path)
    board = boards.create({"name": "Undo"}, [{"label": x} for x in "ABC"]).board
    a, b, c = board.shots

    def state(service):
        got = service.get(board.id)
        return [(s.label, s.duration, s.position) for s in got.shots], got.grid

    states = [state(boards)]
    for edit in (lambda: boards.update_shot(b.id, {"duration": Duration(2, "s")}),
                 lambda: boards.update_shot(c.id, {"position": 0}),
                 lambda: boards.delete_shot(a.id),
                 lambda: boards.update(board.id, {"grid": GridAdjust(shift_beats=1)}),
                 lambda: boards.split_shot(b.id, None)):
        edit()
        states.append(state(boards))
    assert len({str(s) for s in states}) == len(states)  # each edit changed the board
    again = BoardService(settings, Database(settings.db_path))
    assert again.steps(board.id) == (5, 0)
    for i in range(4, -1, -1):
        again.undo(board.id)
        assert state(again) == states[i], i
    with pytest.raises(Conflict) as err:
        again.undo(board.id)
    assert err.value.code == "nothing_to_undo"
    for i in range(1, 4):
        again.redo(board.id)
        assert state(again) == states[i], i
    saved = json.loads(mirror.path_of(settings, board.id).read_text("utf-8"))
    assert [s["label"] for s in saved["shots"]] == [s[0] for s in states[3][0]]
    again.update_shot(c.id, {"label": "C2"})
    assert again.steps(board.id) == (4, 0)  # a new edit: nothing to redo

    empty = boards.create({"name": "Empty"}).board  # the first shot added, then undone
    boards.add_shots(empty.id, [{"label": "First"}])
    assert boards.undo(empty.id).board.shots == []
    assert [s.label for s in boards.redo(empty.id).board.shots] == ["First"]
