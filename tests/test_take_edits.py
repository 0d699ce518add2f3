"""Edits of a take are all or nothing and never lost (issue 17, points 4, 6 and 7).

Takes are written on disk as a finished job leaves them (four files, the record last) before
the bridge starts; start-up registers them from their records, so these tests need no model.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import Bridge, new_data_dir
from take_media import ramp

from bridge.library import take_files


def put_take(data_dir: Path, n: int, prompt: str = "a heron over a lake") -> Path:
    """A complete take on disk; returns its record's path."""
    take_id, batch = f"t{n:019x}", f"b{n:019x}"
    record = {"schema_version": 2, "take_id": take_id, "job_id": "j" + take_id[1:],
              "batch_id": batch, "created_at": 1_700_000_000.0 + n,
              "request": {"prompt": f"{prompt} {n}", "model": "tiny", "seed": n},
              "width": 32, "height": 32, "num_frames": 9, "fps": 24.0}
    files = take_files.write_take(ramp(9, 32, 32), 24.0, record, data_dir / "media" / batch,
                                  f"take {n} é")
    return files.sidecar


def library(record: Path) -> dict:
    return json.loads(record.read_text(encoding="utf-8")).get("library") or {}


@pytest.fixture
def bridge(tmp_path):
    b = Bridge(new_data_dir(tmp_path), env={"PROMPTCUT_DB_BUSY_TIMEOUT": "1"})
    yield b
    b.stop()


def test_a_patch_racing_a_delete_never_puts_the_record_back(bridge):
    """PATCHes hammer takes while each is deleted: afterwards no record is left in media/
    (before: a PATCH that read the take just before the delete wrote it back there, and the
    restore answered 409 for good), and every take restores."""
    records = [put_take(bridge.data_dir, n) for n in range(6)]
    bridge.start()
    ids = [t["id"] for t in bridge.api("GET", "/takes").json()["takes"]]
    assert len(ids) == 6

    def hammer(take_id: str, stop: threading.Event) -> None:
        session = Bridge(bridge.data_dir, bridge.port)
        while not stop.is_set():
            r = session.api("PATCH", f"/takes/{take_id}", json={"notes": "racing"})
            assert r.status_code in (200, 404), r.text

    for take_id in ids:
        stop = threading.Event()
        threads = [threading.Thread(target=hammer, args=(take_id, stop)) for _ in range(3)]
        for t in threads:
            t.start()
        time.sleep(0.05)
        assert bridge.api("DELETE", f"/takes/{take_id}").status_code == 204
        time.sleep(0.05)
        stop.set()
        for t in threads:
            t.join()
    assert not [r for r in records if r.exists()]  # every record went to the trash
    for take_id in ids:
        r = bridge.api("POST", f"/takes/{take_id}/restore")
        assert r.status_code == 200, r.text
    assert all(r.exists() for r in records)


def hold_write_lock(db: Path) -> subprocess.Popen:
    """Another program holding the library's write lock until it is killed."""
    code = ("import sqlite3, sys, time\n"
            "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
            "c.execute('BEGIN IMMEDIATE')\n"
            "c.execute('UPDATE meta SET value = value')\n"
            "print('locked', flush=True)\n"
            "time.sleep(120)\n")
    proc = subprocess.Popen([sys.executable, "-c", code, str(db)], stdout=subprocess.PIPE,
                            text=True)
    assert proc.stdout.readline().strip() == "locked"
    return proc


def test_a_locked_library_answers_503_and_changes_nothing(bridge):
    record = put_take(bridge.data_dir, 1)
    bridge.start()
    (take,) = bridge.api("GET", "/takes").json()["takes"]
    before = record.read_bytes()
    holder = hold_write_lock(bridge.data_dir / "promptcut.sqlite3")
    try:
        for method, path, body in (
                ("PATCH", f"/takes/{take['id']}", {"rating": 4, "notes": "while locked"}),
                ("POST", "/jobs", {"prompt": "while locked", "model": "tiny", "width": 32,
                                   "height": 32, "num_frames": 9, "steps": 1})):
            r = bridge.api(method, path, json=body)
            assert r.status_code == 503, (path, r.status_code, r.text)
            assert r.json()["error"]["code"] == "library_locked"
            assert "locked by another program" in r.json()["error"]["message"]
            assert int(r.headers["Retry-After"]) > 0
        assert record.read_bytes() == before  # the refused PATCH wrote no record
        assert not [p for p in record.parent.iterdir() if p.name.endswith(".update")]
    finally:
        holder.kill()
        holder.wait()
    ok = bridge.api("PATCH", f"/takes/{take['id']}", json={"rating": 4})
    assert ok.status_code == 200 and ok.json()["rating"] == 4
    assert library(record)["rating"] == 4


def test_an_older_database_catches_up_with_the_records(bridge):
    """A backup of the database from before some edits, a delete and a restore, copied back
    over the current one: the newer side wins, whichever it is."""
    records = [put_take(bridge.data_dir, n) for n in range(3)]
    bridge.start()
    kept, gone, back = sorted(t["id"] for t in bridge.api("GET", "/takes").json()["takes"])
    assert bridge.api("DELETE", f"/takes/{back}").status_code == 204
    bridge.stop()
    db = bridge.data_dir / "promptcut.sqlite3"
    backup = bridge.data_dir.parent / "backup.sqlite3"
    shutil.copyfile(db, backup)  # the old state: back deleted, no ratings

    bridge.start()
    assert bridge.api("PATCH", f"/takes/{kept}", json={"rating": 5, "notes": "the one"}
                      ).status_code == 200
    assert bridge.api("DELETE", f"/takes/{gone}").status_code == 204
    assert bridge.api("POST", f"/takes/{back}/restore").status_code == 200
    bridge.stop()
    shutil.copyfile(backup, db)

    bridge.start()
    listed = {t["id"]: t for t in bridge.api("GET", "/takes").json()["takes"]}
    assert set(listed) == {kept, back}
    assert (listed[kept]["rating"], listed[kept]["notes"]) == (5, "the one")
    assert bridge.api("GET", f"/takes/{gone}").status_code == 404
    assert bridge.api("POST", f"/takes/{gone}/restore").status_code == 200
    assert all(r.exists() for r in records)
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM takes").fetchone()[0] == 3


def test_start_up_sets_an_unreadable_row_aside_and_refuses_a_newer_library(bridge):
    """One take row this version cannot read stopped `serve` with a traceback and none of the
    library came back; now it is set aside (log, /health), rebuilt from its record, and the
    rest comes up. A library from a newer Promptcut is one sentence, not a traceback."""
    for n in range(2):
        put_take(bridge.data_dir, n)
    bridge.start()
    bad, good = sorted(t["id"] for t in bridge.api("GET", "/takes").json()["takes"])
    bridge.stop()
    db = bridge.data_dir / "promptcut.sqlite3"
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE takes SET status = 'archived-in-v9', tags = 'x' WHERE id = ?",
                     (bad,))
    bridge.start()
    aside = bridge.api("GET", "/health").json()["set_aside"]
    assert [(a["kind"], a["id"]) for a in aside] == [("take", bad)] and aside[0]["reason"]
    assert f"take {bad}: its database row cannot be read" in bridge.log()
    listed = {t["id"]: t for t in bridge.api("GET", "/takes").json()["takes"]}
    assert set(listed) == {bad, good} and listed[bad]["status"] == "new"  # from its record
    bridge.stop()

    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA user_version = 99")
    done = subprocess.run([sys.executable, "-m", "bridge", "serve", "--port", str(bridge.port),
                           "--data-dir", str(bridge.data_dir)], capture_output=True,
                          text=True, timeout=60, cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 1
    assert "written by a newer Promptcut" in done.stderr and str(db) in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
