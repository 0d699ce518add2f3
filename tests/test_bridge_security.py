"""The security model against a real server: tokens, Host, Origin, traversal, symlinks."""

from __future__ import annotations

import http.client
import os
import stat
import sys
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
import requests


def raw_get(server, path: str, headers: dict | None = None) -> tuple[int, bytes, dict]:
    """Send the path byte for byte (requests would normalise `..` away)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    conn.putrequest("GET", path, skip_host=True, skip_accept_encoding=True)
    conn.putheader("Host", f"127.0.0.1:{server.port}")
    for k, v in (headers or {}).items():
        conn.putheader(k, v)
    conn.endheaders()
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    return resp.status, body, dict(resp.getheaders())


@pytest.fixture(scope="module")
def take(server):
    return server.make_takes(1, prompt="security take", width=32, height=32, num_frames=9,
                             steps=1)[0]


def test_token_file_is_private(server):
    mode = stat.S_IMODE(os.stat(server.data_dir / "token").st_mode)
    if sys.platform != "win32":
        assert mode == 0o600


def test_missing_or_wrong_token_is_401(server):
    assert server.api("GET", "/jobs", auth=False).status_code == 401
    wrong = server.api("GET", "/jobs", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    assert wrong.json()["error"]["field"] == "Authorization"
    assert server.api("GET", "/jobs", headers={"Authorization": server.token}).status_code == 401
    assert server.api("GET", "/health", auth=False).status_code == 200


def test_foreign_host_is_refused_even_with_token(server):
    for host in (f"evil.example:{server.port}", "127.0.0.1", "localhost.evil.example",
                 f"127.0.0.2:{server.port}"):
        r = server.api("GET", "/jobs", headers={"Host": host})
        assert r.status_code == 403, host
        assert r.json()["error"]["code"] == "forbidden_host"
    assert server.api("GET", "/jobs", headers={"Host": f"localhost:{server.port}"}).ok


def test_foreign_origin_is_refused_and_cors_is_exact(server):
    evil = server.api("GET", "/jobs", headers={"Origin": "https://evil.example"})
    assert evil.status_code == 403 and evil.json()["error"]["field"] == "Origin"
    pre = requests.options(f"{server.url}/api/v1/jobs", timeout=5, headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
    assert pre.status_code == 403 and "Access-Control-Allow-Origin" not in pre.headers
    own = f"http://localhost:{server.port}"
    ok = server.api("GET", "/jobs", headers={"Origin": own})
    assert ok.status_code == 200
    assert ok.headers["Access-Control-Allow-Origin"] == own
    for r in (evil, ok):
        assert r.headers.get("Access-Control-Allow-Origin") != "*"


def test_origin_null_is_never_enough(server):
    no_token = server.api("POST", "/jobs", auth=False, headers={"Origin": "null"},
                          json={"prompt": "csrf", "model": "tiny"})
    assert no_token.status_code == 401
    with_token = server.api("GET", "/jobs", headers={"Origin": "null"})
    assert with_token.status_code == 200
    assert "Access-Control-Allow-Origin" not in with_token.headers


def test_signed_media_urls(server, take):
    url = server.url + take["media_url"]
    assert requests.get(url, timeout=5).status_code == 200
    parts = urlsplit(url)
    unsigned = f"{server.url}{parts.path}"
    assert requests.get(unsigned, timeout=5).status_code == 401
    tampered = url.replace("sig=", "sig=0")
    assert requests.get(tampered, timeout=5).status_code == 401
    expired = url.split("exp=")[0] + "exp=1000&" + url.split("&", 1)[1]
    assert requests.get(expired, timeout=5).status_code == 401
    # Unicode digits ("¹") pass str.isdigit() but not int(): a refusal, never a 500.
    for exp in ("%C2%B9", "%D9%A3%D9%A3", "1e9"):
        odd = url.split("exp=")[0] + f"exp={exp}&" + url.split("&", 1)[1]
        assert requests.get(odd, timeout=5).status_code == 401, exp
    # A signature for one file does not open another.
    poster_path = urlsplit(server.url + take["poster_url"]).path
    assert requests.get(f"{server.url}{poster_path}?{parts.query}", timeout=5
                        ).status_code == 401


def test_range_requests_let_video_seek(server, take):
    url = server.url + take["media_url"]
    full = requests.get(url, timeout=5)
    part = requests.get(url, headers={"Range": "bytes=10-99"}, timeout=5)
    assert part.status_code == 206
    assert part.content == full.content[10:100]
    assert part.headers["Content-Range"] == f"bytes 10-99/{len(full.content)}"


@pytest.mark.parametrize("path", [
    "/api/v1/media/../token",
    "/api/v1/media/../../etc/passwd",
    "/api/v1/media/%2e%2e/token",
    "/api/v1/media/%2e%2e%2ftoken",
    "/api/v1/media/..%2f..%2fpromptcut.sqlite3",
    "/api/v1/media/%252e%252e/token",
    "/api/v1/media//etc/passwd",
    "/api/v1/media/images/..%5c..%5ctoken",
])
def test_traversal_is_refused(server, path):
    status, body, _ = raw_get(server, path, {"Authorization": f"Bearer {server.token}"})
    assert status in (400, 403, 404), (path, status)
    assert server.token.encode() not in body


def test_symlink_out_of_media_root_is_refused(server, tmp_path):
    secret = tmp_path / "secret é.txt"
    secret.write_text("do not serve", encoding="utf-8")
    link = server.data_dir / "media" / "escape link.txt"
    try:
        link.symlink_to(secret)
    except OSError:
        pytest.skip("this platform cannot make symlinks without privileges")
    inside = server.data_dir / "media" / "inside.txt"
    inside.write_text("fine", encoding="utf-8")
    try:
        r = server.api("GET", f"/media/{quote(link.name)}")
        assert r.status_code == 404 and b"do not serve" not in r.content
        assert server.api("GET", "/media/inside.txt").text == "fine"
    finally:
        link.unlink()
        inside.unlink()


def test_body_size_limit(server):
    big = b"x" * (65 * 1024 * 1024)
    r = server.api("POST", "/images", data=big,
                   headers={"Content-Type": "application/octet-stream"})
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "too_large"


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads Linux's socket table")
def test_listens_on_loopback_only(server):
    listening = []
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        addr, port = local.split(":")
        if int(port, 16) == server.port and state == "0A":  # 0A: LISTEN
            listening.append(addr)
    assert listening == ["0100007F"]  # 127.0.0.1, little-endian hex


def test_token_never_in_log(server, take):
    assert server.token not in server.log()


def test_served_files_are_the_takes(server, take):
    body = requests.get(server.url + take["media_url"], timeout=5).content
    assert body == Path(take["media_path"]).read_bytes()


def test_pairing_code_is_single_use_and_log_has_no_token(server):
    import re as _re

    match = _re.search(r"/panel/#pair=([\w-]+)", server.log())
    assert match, "serve prints a pairing URL"
    code = match.group(1)
    assert server.api("POST", "/pair", auth=False, json={"code": "guess"}).status_code == 403
    first = server.api("POST", "/pair", auth=False, json={"code": code})
    assert first.status_code == 200 and first.json()["token"] == server.token
    again = server.api("POST", "/pair", auth=False, json={"code": code})
    assert again.status_code == 403 and again.json()["error"]["field"] == "code"


def test_the_library_is_private_to_the_user(server, take):
    """Other local users can read neither the database nor a take (before: 0644/0755)."""
    if sys.platform == "win32":
        pytest.skip("Windows keeps the user's files private with ACLs, not modes")
    media = Path(take["media_path"])
    for path, mode in ((server.data_dir, 0o700), (server.data_dir / "media", 0o700),
                       (media.parent, 0o700), (server.data_dir / "promptcut.sqlite3", 0o600),
                       (media, 0o600), (media.with_suffix(".json"), 0o600)):
        assert stat.S_IMODE(path.stat().st_mode) == mode, (path, oct(path.stat().st_mode))


def test_a_corrupt_keys_file_is_kept_not_saved_over(server):
    """A provider_keys.json that cannot be read was read as empty, so the next key saved
    dropped every other one; now saving refuses with a sentence and the file stays."""
    path = server.data_dir / "provider_keys.json"
    path.write_bytes(b'{"fal": "fal-key-0123456789", "replicate": ')  # cut short
    try:
        for method, body in (("PUT", {"key": "r8-new-key-0123456789"}), ("DELETE", None)):
            r = server.api(method, "/providers/replicate/key", json=body)
            assert r.status_code == 409, r.text
            err = r.json()["error"]
            assert err["code"] == "keys_file_unreadable" and str(path) in err["message"]
            assert path.read_bytes() == b'{"fal": "fal-key-0123456789", "replicate": '
    finally:
        path.unlink()
