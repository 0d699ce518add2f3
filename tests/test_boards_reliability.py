"""Boards that keep what the bridge said it saved (issue 17), over real HTTP on a real bridge:
simultaneous edits of one shot, board files the start-up cannot read, and the shot list out
as CSV (durations, and cells a spreadsheet would run as formulas)."""

from __future__ import annotations

import csv
import io
import json
import threading
from concurrent.futures import ThreadPoolExecutor

import requests


def test_simultaneous_patches_of_one_shot_keep_every_field(server):
    """Eight clients PATCH eight different fields of one shot at the same moment: every
    answer is 200 and every value is kept, in the database and in the board's JSON file."""
    board = server.api("POST", "/boards", json={"name": "Race", "shots": [{"label": "A"}]})
    board = board.json()
    shot_id = board["shots"][0]["id"]
    headers = {"Authorization": f"Bearer {server.token}"}
    url = f"{server.url}/api/v1/shots/{shot_id}"
    for n in range(3):
        changes = [{"label": f"L{n}"}, {"prompt": f"P{n}"}, {"negative_prompt": f"N{n}"},
                   {"notes": f"n{n}"}, {"model": f"m{n}"}, {"takes_target": n + 2},
                   {"duration": f"{n + 1}s"}, {"overrides": {"seed": n}}]
        barrier = threading.Barrier(len(changes))

        def patch(body, barrier=barrier):
            with requests.Session() as http:
                barrier.wait()
                return http.patch(url, json=body, headers=headers, timeout=60)

        with ThreadPoolExecutor(len(changes)) as pool:
            answers = list(pool.map(patch, changes))
        assert [a.status_code for a in answers] == [200] * len(changes), answers[0].text
        want = {"label": f"L{n}", "prompt": f"P{n}", "negative_prompt": f"N{n}",
                "notes": f"n{n}", "model": f"m{n}", "takes_target": n + 2,
                "duration": {"value": n + 1, "unit": "s"}, "overrides": {"seed": n}}
        shot = server.api("GET", f"/boards/{board['id']}").json()["shots"][0]
        assert {k: shot[k] for k in want} == want, n
        saved = json.loads((server.data_dir / "boards" / f"{board['id']}.json")
                           .read_text("utf-8"))["shots"][0]
        assert {k: saved[k] for k in want} == want, n


def test_shot_list_csv_with_durations_and_formula_cells(server):
    """Durations are written the way editors write them (a 500 before), and a cell that
    starts with = + - or @ is escaped with a quote; importing the file gives the text back."""
    shots = [{"label": '=HYPERLINK("http://example.com","x")', "prompt": "+1 cat",
              "duration": "96f", "notes": "@SUM(A1:A2)"},
             {"label": "-2", "prompt": "a fox", "duration": 4.5,
              "negative_prompt": "=cmd|' /C calc'!A0"},
             {"label": "Plain", "prompt": "snow", "duration": "0:03"}]
    board = server.api("POST", "/boards", json={"name": "Formulas", "shots": shots}).json()
    resp = server.api("GET", f"/boards/{board['id']}/shots.csv")
    assert resp.status_code == 200, resp.text
    rows = list(csv.DictReader(io.StringIO(resp.text)))
    assert [r["duration"] for r in rows] == ["96f", "4.5s", "3s"]
    assert rows[0]["shot"] == "'" + shots[0]["label"] and rows[0]["prompt"] == "'+1 cat"
    assert rows[0]["notes"] == "'@SUM(A1:A2)" and rows[1]["shot"] == "'-2"
    assert rows[1]["negative"].startswith("'=") and rows[2]["shot"] == "Plain"
    for row in rows:
        assert not any(v.startswith(("=", "+", "-", "@")) for v in row.values() if v)
    back = server.api("POST", "/boards", data={"name": "Back"},
                      files={"file": ("shots.csv", resp.content)})
    assert back.status_code == 201, back.text
    assert [(s["label"], s["prompt"], s["notes"]) for s in back.json()["shots"]] == [
        (s["label"], s["prompt"], s.get("notes", "")) for s in shots]


def test_unreadable_board_files_are_set_aside_and_the_rest_come_up(fresh_server):
    """Start-up reads every board file beside the library; one it cannot read ([], null,
    "name": null, an id another board has, "fps": "abc") is left where it is and named in
    the log, in /health and in GET /boards, and the good board comes back (before: serve
    stopped with a traceback, or GET /boards answered 500 for every board)."""
    bridge = fresh_server
    folder = bridge.data_dir / "boards"
    folder.mkdir(parents=True)
    good = {"id": "bd_good", "name": "Good é", "fps": 25.0, "shots": [
        {"id": "sh_good1", "board_id": "bd_good", "position": 0, "label": "One",
         "duration": {"value": 2, "unit": "s"}}]}
    bad = {"bd_list": [], "bd_null": None,
           "bd_noname": {"id": "bd_noname", "name": None},
           "bd_twin": {**good, "name": "Twin"},  # the id of another board
           "bd_twinshot": {"id": "bd_twinshot", "name": "Shots", "shots": [
               {"id": "sh_x", "board_id": "bd_twinshot", "position": 0},
               {"id": "sh_x", "board_id": "bd_twinshot", "position": 1}]},
           "bd_fps": {"id": "bd_fps", "name": "Rate", "fps": "abc"}}
    for name, data in {"bd_good": good, **bad}.items():
        (folder / f"{name}.json").write_text(json.dumps(data), "utf-8")
    bridge.start()
    listed = bridge.api("GET", "/boards")
    assert listed.status_code == 200, listed.text
    assert [b["id"] for b in listed.json()["boards"]] == ["bd_good"]
    aside = listed.json()["unreadable"]
    for name in bad:
        assert sum(f"{name}.json" in item for item in aside) == 1, (name, aside)
        assert (folder / f"{name}.json").exists()  # kept as it was, for the user to mend
        assert f"{name}.json" in bridge.log()
    health = bridge.api("GET", "/health", auth=False).json()
    boards_aside = [a for a in health["set_aside"] if a["kind"] == "board"]
    assert sorted(a["reason"] for a in boards_aside) == sorted(aside)
    board = bridge.api("GET", "/boards/bd_good").json()
    assert board["name"] == "Good é" and [s["label"] for s in board["shots"]] == ["One"]


def test_undo_and_redo_over_http(server):
    """POST /boards/<id>/undo and /redo answer the board; its undo_steps and redo_steps say
    what is left; nothing left is a 409 naming it."""
    board = server.api("POST", "/boards", json={"name": "Undo", "shots": [
        {"label": "A"}, {"label": "B"}]}).json()
    assert (board["undo_steps"], board["redo_steps"]) == (0, 0)
    a, b = board["shots"]
    server.api("PATCH", f"/shots/{b['id']}", json={"position": 0, "duration": "3s"})
    assert server.api("DELETE", f"/shots/{a['id']}").status_code == 204
    undone = server.api("POST", f"/boards/{board['id']}/undo")
    assert undone.status_code == 200, undone.text
    assert [s["label"] for s in undone.json()["shots"]] == ["B", "A"]
    undone = server.api("POST", f"/boards/{board['id']}/undo").json()
    assert [(s["label"], s["duration"]) for s in undone["shots"]] == [("A", None), ("B", None)]
    assert (undone["undo_steps"], undone["redo_steps"]) == (0, 2)
    refused = server.api("POST", f"/boards/{board['id']}/undo")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "nothing_to_undo"
    redone = server.api("POST", f"/boards/{board['id']}/redo").json()
    assert [s["label"] for s in redone["shots"]] == ["B", "A"]
    assert redone["shots"][0]["duration"] == {"value": 3, "unit": "s"}


def test_duplicate_a_board(server):
    """POST /boards/<id>/duplicate: a new board with the same shots (new ids), lengths,
    notes and grid; the copy's edits leave the original alone; an unknown board is a 404."""
    board = server.api("POST", "/boards", json={"name": "Twin é", "fps": 25, "shots": [
        {"label": "A", "duration": "2s", "notes": "wide"}, {"label": "B"}]}).json()
    server.api("PATCH", f"/boards/{board['id']}", json={"grid": {"offset_ms": 12}})
    r = server.api("POST", f"/boards/{board['id']}/duplicate", json={})
    assert r.status_code == 201, r.text
    copy = r.json()
    assert copy["id"] != board["id"] and copy["name"] == "Twin é copy" and copy["fps"] == 25
    assert [(s["label"], s["frames"], s["notes"]) for s in copy["shots"]] == [
        ("A", 50, "wide"), ("B", 100, "")]
    assert not {s["id"] for s in copy["shots"]} & {s["id"] for s in board["shots"]}
    assert copy["grid"]["offset_ms"] == 12 and copy["undo_steps"] == 0
    server.api("DELETE", f"/shots/{copy['shots'][0]['id']}")
    assert len(server.api("GET", f"/boards/{board['id']}").json()["shots"]) == 2
    named = server.api("POST", f"/boards/{board['id']}/duplicate", json={"name": " Alt "})
    assert named.json()["name"] == "Alt"
    assert server.api("POST", "/boards/bd_nope/duplicate", json={}).status_code == 404


def test_an_older_database_catches_up_with_the_board_files(fresh_server):
    """A backup of the database from before some board edits and a board's deletion, copied
    back over the library: the board files are newer, and they win (edits come back, the
    deleted board stays deleted); boards the backup holds as they were are untouched."""
    import shutil

    bridge = fresh_server
    bridge.start()
    made = [bridge.api("POST", "/boards", json={"name": f"Board {n} é",
                                                 "shots": [{"label": "One"}]}).json()
            for n in range(3)]
    edited, deleted, same = (b["id"] for b in made)
    bridge.stop()
    db = bridge.data_dir / "promptcut.sqlite3"
    backup = bridge.data_dir.parent / "boards-backup.sqlite3"
    shutil.copyfile(db, backup)

    bridge.start()
    shot = made[0]["shots"][0]["id"]
    assert bridge.api("PATCH", f"/shots/{shot}", json={"label": "Renamed"}).status_code == 200
    assert bridge.api("POST", f"/boards/{edited}/shots",
                      json={"shots": [{"label": "Two"}]}).status_code == 201
    assert bridge.api("DELETE", f"/boards/{deleted}").status_code in (200, 204)
    bridge.stop()
    shutil.copyfile(backup, db)

    bridge.start()
    listed = {b["id"] for b in bridge.api("GET", "/boards").json()["boards"]}
    assert listed == {edited, same}
    board = bridge.api("GET", f"/boards/{edited}").json()
    assert [s["label"] for s in board["shots"]] == ["Renamed", "Two"]
    assert bridge.api("GET", f"/boards/{same}").json()["name"] == "Board 2 é"
