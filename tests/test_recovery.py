"""Never lose a take: real files, real restarts, real crashes at the worst moments.

Each case was a way the first wave lost a director's work: recovery guessing take ids from
file names, an empty or old database deleting the library, a kill during a delete leaving a
take half in the trash, a crash between writing a take and registering it (the crashes are
in test_recovery_crashes.py).
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from conftest import Bridge, new_data_dir

TINY = {"width": 32, "height": 32, "num_frames": 9, "steps": 1}
SUFFIXES = (".mp4", ".jpg", ".strip.jpg", ".json")


def files_of(take: dict) -> list[Path]:
    stem = Path(take["media_path"]).with_suffix("")
    return [Path(f"{stem}{s}") for s in SUFFIXES]


def all_files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def bridge(tmp_path) -> Bridge:
    b = Bridge(new_data_dir(tmp_path))
    yield b
    b.stop()


def test_prompts_that_look_like_ids_survive_every_restart(bridge):
    bridge.start()
    takes = [bridge.make_takes(1, prompt=p, **TINY)[0]
             for p in ("a dog on the table. slow zoom", "tree. a cat walks")]
    folder = Path(takes[0]["media_path"]).parent
    strangers = {folder / "notes.txt": b"the editor's notes",
                 folder / ".x.deadbeef.partial.mp4": b"not ours to judge",
                 folder / "take_s1_t0123.mp4": b"looks like a take, has no record"}
    for path, data in strangers.items():
        path.write_bytes(data)
    before = all_files(bridge.data_dir / "media")
    for _ in range(2):
        bridge.stop()
        bridge.start()
    assert all_files(bridge.data_dir / "media") == before
    listed = {t["id"] for t in bridge.api("GET", "/takes").json()["takes"]}
    assert listed == {t["id"] for t in takes}
    assert "belongs to no take" in bridge.log()  # reported, left alone


def test_a_lost_or_old_database_never_deletes_the_library(bridge):
    bridge.start()
    first = bridge.make_takes(1, prompt="first take", **TINY)[0]
    bridge.stop()
    # A clean stop checkpoints the WAL: the main file alone is a complete backup.
    backup = bridge.data_dir.parent / "backup.sqlite3"
    shutil.copyfile(bridge.data_dir / "promptcut.sqlite3", backup)
    with sqlite3.connect(backup) as conn:
        assert conn.execute("SELECT count(*) FROM takes").fetchone()[0] == 1
    bridge.start()
    second = bridge.make_takes(1, prompt="second take", **TINY)[0]
    assert bridge.api("PATCH", f"/takes/{second['id']}",
                      json={"rating": 4, "status": "picked", "tags": ["keeper"]}).ok
    gone = bridge.make_takes(1, prompt="third, deleted", **TINY)[0]
    assert bridge.api("DELETE", f"/takes/{gone['id']}").status_code == 204
    bridge.stop()
    files = all_files(bridge.data_dir / "media")

    for damage in ("restore the older backup", "an empty database file"):
        db = bridge.data_dir / "promptcut.sqlite3"
        for extra in ("-wal", "-shm"):
            Path(f"{db}{extra}").unlink(missing_ok=True)
        if damage.startswith("restore"):
            shutil.copyfile(backup, db)
        else:
            db.write_bytes(b"")
        bridge.start()
        assert all_files(bridge.data_dir / "media") == files
        ids = {t["id"] for t in bridge.api("GET", "/takes").json()["takes"]}
        assert ids == {first["id"], second["id"]}, damage
        kept = bridge.api("GET", f"/takes/{second['id']}").json()
        assert (kept["rating"], kept["status"], kept["tags"]) == (4, "picked", ["keeper"])
        # The deleted take came back as deleted, and can still be restored.
        assert bridge.api("GET", f"/takes/{gone['id']}").status_code == 404
        if damage.startswith("an empty"):  # the last round: restore it from the trash
            assert bridge.api("POST", f"/takes/{gone['id']}/restore").status_code == 200
            assert all(p.exists() for p in files_of(gone))
        bridge.stop()


def test_simultaneous_edits_of_a_take_all_land_in_its_record(server):
    import json
    from concurrent.futures import ThreadPoolExecutor

    take = server.make_takes(1, prompt="edited from two panels at once", **TINY)[0]
    bodies = [{"rating": i % 6} if i % 2 else {"tags": [f"t{i}"]} for i in range(40)]

    def patch(body: dict) -> int:
        return server.api("PATCH", f"/takes/{take['id']}", json=body).status_code

    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(patch, bodies))
    assert codes == [200] * len(bodies)
    now = server.api("GET", f"/takes/{take['id']}").json()
    record = json.loads(Path(take["media_path"]).with_suffix(".json").read_text("utf-8"))
    assert (record["library"]["rating"], record["library"]["tags"]) == (now["rating"],
                                                                        now["tags"])
    folder = Path(take["media_path"]).parent
    assert not [p for p in folder.iterdir() if p.name.endswith(".update")]
