"""The CEP extension's launcher page in real Chromium with web security on (issue 8): it
finds the bridge, opens the panel from the bridge's own origin, and the panel there talks to
the bridge same-origin. Before, the panel was a file:// page calling the bridge as
`Origin: null`, which works only with --disable-web-security in the CEP manifest."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import free_port
from tests.test_panel_support import browser_context  # noqa: F401 (fixture)

LAUNCHER = Path(__file__).resolve().parents[1] / "panel" / "cep" / "index.html"


def test_launcher_opens_the_panel_from_the_bridge_origin(browser_context, server):  # noqa: F811
    page = browser_context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{LAUNCHER.as_uri()}?port={server.port}")
    page.wait_for_url(f"{server.url}/panel/?host=cep", timeout=20_000)
    page.wait_for_selector("body")
    # Same origin as the bridge: a fetch with the token needs no CORS at all.
    status = page.evaluate("""async (token) => (await fetch('/api/v1/takes?limit=1',
        {headers: {Authorization: 'Bearer ' + token}})).status""", server.token)
    assert status == 200
    assert page.evaluate("location.origin") == server.url
    assert page.evaluate("new URLSearchParams(location.search).get('host')") == "cep"
    assert errors == []
    page.close()


def test_launcher_says_when_the_bridge_is_not_running(browser_context):  # noqa: F811
    page = browser_context.new_page()
    port = free_port()  # nothing listens there
    page.goto(f"{LAUNCHER.as_uri()}?port={port}")
    page.wait_for_selector("#offline:not([hidden])")
    assert "promptcut serve" in page.inner_text("#offline")
    assert page.input_value("#port") == str(port)
    assert page.url.startswith("file://")
    page.close()


def test_file_page_cannot_read_the_bridge_without_cors(browser_context, server):  # noqa: F811
    """Why the launcher exists: with web security on, a file:// page's fetch with the token
    is refused by the bridge's CORS rules (no CORS for Origin null, by design)."""
    page = browser_context.new_page()
    page.goto(f"{LAUNCHER.as_uri()}?port=1")  # the launcher page, going nowhere
    outcome = page.evaluate("""async ([url, token]) => {
        try { await fetch(url + '/api/v1/takes', {headers: {Authorization: 'Bearer ' + token}});
              return 'read'; } catch (e) { return 'blocked'; } }""", [server.url, server.token])
    assert outcome == "blocked"
    page.close()
