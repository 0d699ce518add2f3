"""Defence in depth (issue 8): cross-site requests refused even with the token, and wrong
pairing codes rate-limited."""

from __future__ import annotations

import re

import pytest
import requests

from bridge.pairing import Pairing, PairingLocked

CROSS = {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "cors", "Sec-Fetch-Dest": "empty"}


def test_cross_site_is_refused_even_with_the_token(server):
    for method, path in (("GET", "/jobs"), ("GET", "/takes"), ("GET", "/events?timeout=0"),
                         ("GET", "/health"), ("POST", "/pair")):
        r = server.api(method, path, headers=CROSS, json={} if method == "POST" else None)
        assert r.status_code == 403, (path, r.text)
        err = r.json()["error"]
        assert err["code"] == "forbidden_fetch_site" and err["field"] == "Sec-Fetch-Site"
    # A signed media URL that leaked into another site's <img> or <video> does not load.
    take = server.make_takes(1, prompt="defence take", width=32, height=32, num_frames=9,
                             steps=1)[0]
    media = server.url + take["media_url"]
    assert requests.get(media, timeout=10).status_code == 200
    embedded = requests.get(media, timeout=10, headers={
        "Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Dest": "video"})
    assert embedded.status_code == 403


def test_own_panel_and_non_browsers_are_unaffected(server):
    for site in ("same-origin", "same-site", "none"):
        r = server.api("GET", "/jobs", headers={**CROSS, "Sec-Fetch-Site": site})
        assert r.status_code == 200, site
    assert server.api("GET", "/jobs").status_code == 200  # no Sec-Fetch-* at all
    # A link to the panel from another site still opens the page (a navigation) ...
    page = requests.get(f"{server.url}/panel/", timeout=10, headers={
        "Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate",
        "Sec-Fetch-Dest": "document"})
    assert page.status_code == 200 and "src/main.js" in page.text
    # ... but another site cannot pull the panel's files into its own page.
    script = requests.get(f"{server.url}/panel/src/main.js", timeout=10, headers={
        "Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors",
        "Sec-Fetch-Dest": "script"})
    assert script.status_code == 403


def test_an_allowed_extra_origin_may_call_cross_site(fresh_server):
    panel = "http://promptcut-panel.localhost:5173"
    fresh_server.extra_args = ("--allow-origin", panel)
    fresh_server.start()
    ok = fresh_server.api("GET", "/jobs", headers={**CROSS, "Origin": panel})
    assert ok.status_code == 200 and ok.headers["Access-Control-Allow-Origin"] == panel
    other = fresh_server.api("GET", "/jobs", headers={**CROSS, "Origin": "null"})
    assert other.status_code == 403

    # Wrong pairing codes: ten within a minute lock pairing, even for the right code.
    code = re.search(r"/panel/#pair=([\w-]+)", fresh_server.log()).group(1)
    for i in range(10):
        r = fresh_server.api("POST", "/pair", auth=False, json={"code": f"guess-{i}"})
        assert r.status_code == 403, r.text
    locked = fresh_server.api("POST", "/pair", auth=False, json={"code": code})
    assert locked.status_code == 429
    assert locked.json()["error"]["code"] == "pairing_locked"
    assert locked.json()["error"]["field"] == "code"
    assert 0 < int(locked.headers["Retry-After"]) <= 60
    assert "promptcut token" in locked.json()["error"]["message"]


def test_pairing_lock_lifts_after_the_window():
    now = [1000.0]
    pairing = Pairing(clock=lambda: now[0])
    code = pairing.new_code()
    for _ in range(9):
        assert pairing.redeem("wrong") is False
        now[0] += 1
    assert pairing.redeem("wrong") is False  # the tenth within a minute
    with pytest.raises(PairingLocked) as locked:
        pairing.redeem(code)
    assert locked.value.retry_after_s == pytest.approx(60)
    now[0] += 59
    with pytest.raises(PairingLocked):
        pairing.redeem(code)
    now[0] += 2
    assert pairing.redeem(code) is True  # the code was never spent by the lock
    assert pairing.redeem(code) is False


def test_slow_mistakes_never_lock():
    now = [0.0]
    pairing = Pairing(clock=lambda: now[0])
    for _ in range(30):
        assert pairing.redeem("typo") is False
        now[0] += 7  # fewer than ten a minute
    assert pairing.redeem(pairing.new_code()) is True


def test_json_nested_100000_deep_is_a_400_on_every_json_route(server):
    """Python's JSON parser recurses once per level: 100,000 levels were a 500 on any JSON
    route, /pair included (no token needed). Every operation that takes a JSON body, read
    from the bridge's own OpenAPI document, answers 400 with a sentence; a prompt that holds
    brackets is still no nesting."""
    spec = server.api("GET", "/openapi.json").json()
    deep = ("[" * 100_000 + "]" * 100_000).encode()
    tried = []
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            if "application/json" not in (op.get("requestBody") or {}).get("content", {}):
                continue
            url = re.sub(r"\{[^}]+\}", "x", path[len("/api/v1"):] if path.startswith(
                "/api/v1") else path)
            for auth in (True, False):
                r = server.api(method.upper(), url, auth=auth, data=deep,
                               headers={"Content-Type": "application/json"})
                assert r.status_code == 400, (method, url, auth, r.status_code, r.text[:200])
                err = r.json()["error"]
                assert err["code"] == "too_deep" and err["field"] == "body", err
            tried.append(url)
    assert "/pair" in tried and "/jobs" in tried and len(tried) > 10
    brackets = server.api("POST", "/jobs", json={"prompt": "[" * 300 + "a fox", "model": "tiny",
                                                 "width": 32, "height": 32, "num_frames": 9,
                                                 "steps": 1, "takes": 0})
    assert brackets.status_code == 400 and brackets.json()["error"]["field"] == "takes"
