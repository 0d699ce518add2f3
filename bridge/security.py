"""The bridge's defences against the web pages an editor has open (docs/architecture.md,
Security).

Any page can send requests to 127.0.0.1, so: a per-install token on every API call, an exact
Host allowlist (DNS rebinding), an Origin allowlist without wildcards (CSRF), `Origin: null`
never trusted on its own, and media URLs signed for a short while instead of carrying the
long-lived token (a `<video>` tag cannot send headers, and URLs end up in logs and history).
As defence in depth, what a browser marks `Sec-Fetch-Site: cross-site` is refused even with
the token (a leaked token is then of no use to another site's page), and wrong pairing codes
are rate-limited (bridge.pairing).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import time
from pathlib import Path

from bridge.config import Settings


def load_or_create_token(path: Path) -> str:
    """Read the install's token, creating it (owner-only) on first run.

    O_EXCL makes two first starts agree on one token; 0o600 keeps other local users out
    (on Windows the mode is mostly ignored and the per-user data dir does that job).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        token = path.read_text(encoding="ascii").strip()
        if len(token) >= 32:
            return token
        path.unlink()
        return load_or_create_token(path)
    token = secrets.token_urlsafe(32)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(token + "\n")
    return token


def allowed_hosts(settings: Settings) -> frozenset[str]:
    port = settings.port
    return frozenset({f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}"})


def allowed_origins(settings: Settings) -> frozenset[str]:
    port = settings.port
    own = {f"http://127.0.0.1:{port}", f"http://localhost:{port}", f"http://[::1]:{port}"}
    return frozenset(own | set(settings.extra_origins))


def cross_site_refused(site: str | None, mode: str | None, method: str, path: str,
                       origin: str | None, extra_origins: tuple[str, ...]) -> bool:
    """True for a request the browser says another site made (`Sec-Fetch-Site`).

    Two exceptions: an Origin the editor allowed with --allow-origin (a panel served from
    elsewhere on purpose), and a top-level navigation to the panel page, so that a link to
    it opens (the page holds no data; every API call it then makes is same-origin). Clients
    that are not browsers send no Sec-Fetch-* headers and are judged by the other checks.
    """
    if site != "cross-site":
        return False
    if origin is not None and origin in extra_origins:
        return False
    is_panel = path == "/panel" or path.startswith("/panel/")
    return not (method == "GET" and mode == "navigate" and is_panel)


def token_matches(expected: str, header: str | None) -> bool:
    if not header or not header.startswith("Bearer "):
        return False
    return hmac.compare_digest(expected.encode(), header[7:].strip().encode())


def _media_key(token: str) -> bytes:
    # A key derived from the token: rotating the token invalidates every signed URL.
    return hashlib.sha256(b"promptcut media url\0" + token.encode()).digest()


def sign_path(token: str, path: str, ttl_s: int, now: float | None = None) -> tuple[int, str]:
    exp = int((now or time.time()) + ttl_s)
    sig = hmac.new(_media_key(token), f"{path}\n{exp}".encode(), hashlib.sha256).hexdigest()
    return exp, sig[:40]


def signature_valid(token: str, path: str, exp: str | None, sig: str | None) -> bool:
    # isdigit() alone accepts "¹" and other Unicode digits that int() refuses.
    if not exp or not sig or not (exp.isascii() and exp.isdigit()) or len(exp) > 12:
        return False
    if int(exp) < time.time():
        return False
    good = hmac.new(_media_key(token), f"{path}\n{exp}".encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(good[:40].encode(), sig.encode())


def resolve_under(root: Path, relative: str) -> Path | None:
    """The real file `relative` names inside `root`, or None if it escapes (symlinks too)."""
    if not relative or "\x00" in relative or "\\" in relative:
        return None
    rel = Path(relative)
    if rel.is_absolute() or any(part in ("..", "") for part in rel.parts):
        return None
    real_root = root.resolve()
    try:
        target = (real_root / rel).resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if not target.is_relative_to(real_root) or not target.is_file():
        return None
    return target
