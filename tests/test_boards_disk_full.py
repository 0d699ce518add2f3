"""Board edits on a full disk (issue 17), on a real small filesystem (a tmpfs in the
server's own mount namespace, see tests/test_bridge_disk_full.py): 507 with a sentence, and
only for a change that was not made: no board without its shots, no committed edit behind a
507, the board's JSON file as the database says, and no partial file left."""

from __future__ import annotations

import json
import os

import pytest

from tests.conftest import new_data_dir
from tests.test_bridge_disk_full import (
    SmallDiskBridge,
    assert_disk_full,
    can_mount,
    fill,
    pytestmark,  # noqa: F401 (Linux, root and unshare)
    until_refused,
)


@pytest.fixture(scope="module")
def bridge(tmp_path_factory):
    if not can_mount():
        pytest.skip("this sandbox may not mount a tmpfs in a mount namespace")
    server = SmallDiskBridge(new_data_dir(tmp_path_factory.mktemp("boards-disk"))).start()
    yield server
    server.stop()


def spare_wal(bridge, notes: str) -> None:
    """Write until SQLite has checkpointed its WAL once (1000 pages), so the next writes
    reuse the WAL's space: as in a library in use, SQLite can then commit on a full disk
    while a new file (the board's JSON) cannot be written."""
    db = bridge.root / "promptcut.sqlite3"
    for _ in range(60):
        r = bridge.api("POST", "/boards", json={"name": "Grow", "shots": [
            {"notes": notes} for _ in range(40)]})
        assert r.status_code == 201, r.text
        assert bridge.api("DELETE", f"/boards/{r.json()['id']}").status_code == 204
        if db.stat().st_size > 2 << 20:
            return
    pytest.fail("SQLite never checkpointed its WAL")


def test_a_full_disk_refuses_board_edits_whole(bridge):
    board = bridge.api("POST", "/boards", json={"name": "Disk é", "shots": [{"label": "A"}]})
    assert board.status_code == 201, board.text
    board_id, shot_id = board.json()["id"], board.json()["shots"][0]["id"]
    folder = bridge.root / "boards"
    notes = "n" * 4000
    spare_wal(bridge, notes)
    filler = fill(bridge.root)
    try:
        assert_disk_full(until_refused(lambda: bridge.api("POST", "/boards", json={
            "name": "Full", "shots": [{"label": f"S{i}", "notes": notes + os.urandom(4).hex()}
                                      for i in range(3)]})), "POST /boards")
        listed = bridge.api("GET", "/boards").json()["boards"]
        assert {b["shots"] for b in listed if b["id"] != board_id} <= {3}  # whole or none

        sent: list[str] = []

        def patch():
            sent.append(notes + os.urandom(4).hex())
            return bridge.api("PATCH", f"/shots/{shot_id}", json={"notes": sent[-1]})

        assert_disk_full(until_refused(patch), "PATCH /shots")
        shot = bridge.api("GET", f"/boards/{board_id}").json()["shots"][0]
        assert shot["notes"] != sent[-1]  # a 507 is a change that was not made
        saved = json.loads((folder / f"{board_id}.json").read_text("utf-8"))
        assert saved["shots"][0]["notes"] == shot["notes"]  # the file says what the db says
        assert not [p.name for p in folder.iterdir() if ".partial" in p.name]
    finally:
        filler.unlink()
    ok = bridge.api("PATCH", f"/shots/{shot_id}", json={"notes": "space again"})
    assert ok.status_code == 200 and ok.json()["notes"] == "space again"
    saved = json.loads((folder / f"{board_id}.json").read_text("utf-8"))
    assert saved["shots"][0]["notes"] == "space again"
