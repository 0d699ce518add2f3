"""The panel's static files at /panel/ on a real bridge: served with a strict CSP and the
right types, never with wildcard CORS, and nothing outside the panel's own files."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from bridge.api import panel


def get(server, path, **kw):
    return server.http.get(server.url + path, timeout=10, allow_redirects=False, **kw)


def test_index_and_modules_with_strict_csp(server):
    r = get(server, "/panel/")
    assert r.status_code == 200 and "text/html" in r.headers["Content-Type"]
    assert 'src="src/main.js"' in r.text
    csp = r.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    js = get(server, "/panel/src/main.js")
    assert js.status_code == 200 and js.headers["Content-Type"].startswith("text/javascript")
    css = get(server, "/panel/styles.css")
    assert css.status_code == 200 and css.headers["Content-Type"].startswith("text/css")


def test_no_token_needed_and_no_wildcard_cors(server):
    r = get(server, "/panel/src/bridge/client.js", headers={"Origin": server.url})
    assert r.status_code == 200
    assert r.headers.get("Access-Control-Allow-Origin") in (None, server.url)
    foreign = get(server, "/panel/src/bridge/client.js", headers={"Origin": "http://evil.example"})
    assert "Access-Control-Allow-Origin" not in foreign.headers


def test_bare_panel_redirects_keeping_the_query(server):
    r = get(server, "/panel?host=test")
    assert r.status_code in (301, 308) and r.headers["Location"].endswith("/panel/?host=test")


@pytest.mark.parametrize("path", [
    "/panel/../pyproject.toml",
    "/panel/%2e%2e/pyproject.toml",
    "/panel/src/..%2f..%2fpyproject.toml",
    "/panel/src/%2e%2e/%2e%2e/bridge/config.py",
    "/panel/package.json",
    "/panel/uxp/manifest.json",
    "/panel/node_modules/typescript/package.json",
    "/panel/scripts/zip.mjs",
    "/panel/src/.hidden.js",
    "/panel/src/missing.js",
])
def test_refuses_everything_else(server, path):
    assert get(server, path).status_code == 404


def test_symlink_out_of_the_panel_is_refused(tmp_path, monkeypatch):
    root = tmp_path / "panel"
    (root / "src").mkdir(parents=True)
    (root / "src" / "ok.js").write_text("export {};", encoding="utf-8")
    secret = tmp_path / "secret.js"
    secret.write_text("secret", encoding="utf-8")
    try:
        os.symlink(secret, root / "src" / "escape.js")
    except (OSError, NotImplementedError):
        pytest.skip("this system cannot make symlinks")
    monkeypatch.setenv("PROMPTCUT_PANEL_DIR", str(root))
    assert panel.resolve("src/ok.js") == (root / "src" / "ok.js").resolve()
    assert panel.resolve("src/escape.js") is None
    assert panel.resolve("src\\ok.js") is None
    assert panel.resolve("src/../src/ok.js") is None


def test_views_change_the_state_only_through_the_stores_actions():
    """One store (src/store.js), changed only through its actions: no view assigns to
    `state.X` or adds to, deletes from or clears its sets and maps itself, and no view keeps
    state another view reads (the queue names shots from the store's board)."""

    ui = Path(__file__).resolve().parents[1] / "panel" / "src" / "ui"
    direct = re.compile(r"\bstate\.\w+(\.\w+)?\s*=[^=]|\bstate\.\w+\.(add|delete|clear|set)\(")
    found = [f"{f.name}:{n}: {line.strip()}" for f in sorted(ui.glob("*.js"))
             for n, line in enumerate(f.read_text("utf-8").splitlines(), 1)
             if direct.search(line)]
    assert found == []
    assert "boardState" not in (ui / "queue.js").read_text("utf-8")
