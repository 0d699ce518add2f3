"""Shared pieces of the panel's browser tests (no tests here): Debian's Chromium through
Playwright with a fresh profile, and helpers to open the panel as an editor would.

Never a browser that a test tool downloads itself: PROMPTCUT_CHROMIUM or /usr/bin/chromium,
else the browser tests skip with the reason.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = ROOT / "screenshots"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-quic", "--autoplay-policy=no-user-gesture-required",
]


def chromium_path() -> str | None:
    for candidate in (os.environ.get("PROMPTCUT_CHROMIUM"), "/usr/bin/chromium",
                      shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


@pytest.fixture(scope="module")
def browser_context():
    """One Chromium per test module, with its own empty profile (localStorage included)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    exe = chromium_path()
    if not exe:
        pytest.skip("No Chromium: install Debian's chromium or set PROMPTCUT_CHROMIUM.")
    profile = tempfile.mkdtemp(prefix="promptcut-chromium-")
    with sync_api.sync_playwright() as p:
        ctx = p.chromium.launch_persistent_context(
            profile, executable_path=exe, args=CHROMIUM_ARGS, headless=True,
            viewport={"width": 1280, "height": 820}, accept_downloads=True)
        ctx.set_default_timeout(20_000)
        yield ctx
        ctx.close()
    shutil.rmtree(profile, ignore_errors=True)


class PageErrors(list):
    """Uncaught page errors, so a test fails on a JavaScript exception it did not look for."""


def open_panel(ctx, bridge, *, host: str | None = None, width: int = 1280,
               fragment: str | None = None):
    page = ctx.new_page()
    errors = PageErrors()
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.set_viewport_size({"width": width, "height": 820})
    query = f"?host={host}" if host else ""
    page.goto(f"{bridge.url}/panel/{query}#{fragment or 'token=' + bridge.token}")
    page.wait_for_selector("#conn-dot.online")
    page.errors = errors
    return page


def cards(page, text: str):
    return page.locator("#gallery .take", has_text=text)


def search(page, text: str) -> None:
    page.fill("#search", text)
    page.wait_for_function(
        """(t) => { const cs = [...document.querySelectorAll('#gallery .take')];
                    return cs.every(c => c.textContent.includes(t)); }""", arg=text)


def unique(word: str) -> str:
    return f"{word}-{uuid.uuid4().hex[:8]}"



def generate(page, prompt: str, *, takes: int, steps: int | None = None,
             longest: bool = False) -> None:
    page.fill("#prompt", prompt)
    page.select_option("#model", "tiny")
    page.fill("#takes", str(takes))
    if longest:  # the longest duration preset: many frames make every step slow
        last = page.eval_on_selector("#duration", "s => s.options[s.options.length - 1].value")
        page.select_option("#duration", last)
    if steps is not None:
        if not page.is_visible("#steps"):
            page.click("#fold-advanced")
        page.fill("#steps", str(steps))
    page.click("#generate")


STRIP = {"columns": 4, "rows": 4, "frames": 16, "tile_width": 160, "tile_height": 90}


def seed_library(bridge, *, shots: int, takes: int, word: str, like: dict | None = None) -> dict:
    """A board of `shots` shots holding `takes` take records, in seconds: the board through
    the API, the takes written straight into the bridge's SQLite library as the recovery
    path writes takes found on disk (no model runs). `like`: a real take (GET /takes/<id>),
    whose files and request every record shares, so posters and videos load; without it the
    records have no files (their posters answer 404) and the request of a job that is queued
    and cancelled at once. Answers the board as GET /boards/<id> does."""
    from bridge.config import Settings
    from bridge.library import store
    from bridge.library.db import Database

    made = bridge.api("POST", "/boards", json={"name": f"Board {word}", "shots": [
        {"label": f"Shot {i + 1} {word}", "prompt": f"shot {i + 1} {word}"}
        for i in range(shots)]})
    assert made.status_code in (200, 201), made.text
    board = made.json()
    conn = Database(Settings(data_dir=bridge.data_dir).db_path).conn()
    if like:
        row = conn.execute("SELECT folder, stem FROM takes WHERE id = ?", (like["id"],)).fetchone()
        files = {"folder": row[0], "stem": row[1]}
        job_id = like["job_id"]
    else:  # a model with no weights offline: should the worker reach it, it fails at once
        files = {"folder": "seeded", "stem": ""}  # a stem per take; their records go here
        (store.media_root(conn) / "seeded").mkdir(parents=True, exist_ok=True)
        job_id = bridge.submit(prompt=f"seed {word}", model="ltx-video")["jobs"][0]["id"]
        bridge.api("POST", f"/jobs/{job_id}/cancel")
    base = bridge.api("GET", f"/jobs/{job_id}").json()["request"]
    tag = uuid.uuid4().hex[:8]
    for i in range(takes):
        shot = board["shots"][i % shots]
        take_id, job_id, batch_id = f"tk{tag}{i:05d}", f"jb{tag}{i:05d}", f"bt{tag}{i // 8:04d}"
        request = {**base, "prompt": f"take {i} of {shot['label']}", "seed": i}
        created = 1000.0 + i
        take = {"id": take_id, "job_id": job_id, "batch_id": batch_id, "created_at": created,
                "prompt": f"take {i} of {shot['label']}", "model": "tiny", "seed": i,
                "width": 64, "height": 36, "num_frames": 9, "fps": 24.0, "duration_s": 9 / 24,
                "record": {"request": request}, "filmstrip": (like or {}).get("filmstrip") or STRIP,
                "shot_id": shot["id"], "board_id": board["id"], **files}
        take["stem"] = take["stem"] or take_id
        store.insert_recovered_take(conn, take, {"id": job_id, "idx": i % 8, "created_at": created,
                                                 "request": request},
                                    {"id": batch_id, "created_at": created, "takes": 8,
                                     "request": request})
    conn.close()
    return bridge.api("GET", f"/boards/{board['id']}").json()


def node_json(script: str) -> dict:
    """Runs an ES-module script in Node from panel/ (pure panel modules) and reads the one
    JSON line it prints; skips where Node is not installed."""
    import json
    import shutil
    import subprocess

    if not shutil.which("node"):
        pytest.skip("Node.js is not installed")
    r = subprocess.run(["node", "--input-type=module", "-e", script], cwd=ROOT / "panel",
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)
