"""Serves the panel's static files at /panel/ (browser tab and desktop window).

The files need no token: they hold no data, and the panel asks for the token itself (the
`#pair=` code that `promptcut serve` prints stays in the URL fragment, which never reaches
the server, and is traded for the token through POST /api/v1/pair). Every answer
carries a strict Content-Security-Policy: scripts, styles and connections only from the
bridge's own origin, so an injected string in a prompt cannot run or send anything. No CORS
headers here at all: only the bridge's own origin loads these files.

The Premiere plugins are here for download too, built from the same files:
`/panel/packages/promptcut.ccx` (UXP, its manifest naming this bridge's port) and
`/panel/packages/promptcut-cep.zip` (CEP). They hold no secrets either.
"""

from __future__ import annotations

import io
from pathlib import Path

from flask import Blueprint, abort, redirect, request, send_file

from bridge import panel_assets
from bridge.api.common import services
from bridge.errors import NotFound

bp = Blueprint("panel", __name__)

# What the panel may load: its own origin only; blob: for timeline downloads it builds
# itself. 'none' everywhere else, including frames, forms and plugins.
CSP = "; ".join([
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' blob: data:",
    "media-src 'self' blob:",
    "connect-src 'self'",
    "font-src 'self'",
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "object-src 'none'",
])

# Explicit types: Windows registries often map .js to text/plain, and browsers refuse to run
# ES modules served with anything but a JavaScript type.
MIME = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
}

# Only the files a browser panel needs; never build tooling, manifests or node_modules.
SERVED_DIRS = ("src", "assets")
SERVED_FILES = ("index.html", "styles.css")


def panel_root() -> Path:
    """The panel folder: package data when installed, panel/ in a checkout (panel_assets)."""
    return panel_assets.panel_root()


def resolve(rel: str) -> Path | None:
    """The real file for a request path, or None if it is not one the panel serves.

    The real path (symlinks followed) must stay under the panel folder, so neither `..`,
    percent-encoded traversal nor a symlink can reach anything else.
    """
    root = panel_root()
    if not rel or "\x00" in rel or "\\" in rel:
        return None
    parts = rel.split("/")
    if any(p in ("", ".", "..") or p.startswith(".") for p in parts):
        return None
    if not (rel in SERVED_FILES or parts[0] in SERVED_DIRS):
        return None
    path = (root / rel).resolve()
    try:
        path.relative_to(root)
    except ValueError:
        return None
    if not path.is_file() or path.suffix.lower() not in MIME:
        return None
    return path


@bp.after_request
def _headers(response):
    if request.path.startswith("/panel"):
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        response.headers["Cache-Control"] = "no-cache"
        # Static files are same-origin only: drop any CORS header an app-wide hook added.
        for name in ("Access-Control-Allow-Origin", "Access-Control-Allow-Credentials"):
            response.headers.pop(name, None)
    return response


@bp.get("/panel")
def panel_redirect():
    # Keep the query (?host=...); the fragment stays in the browser across the redirect.
    qs = request.query_string.decode("latin-1")
    return redirect("/panel/" + (f"?{qs}" if qs else ""), code=308)


@bp.get("/panel/")
def panel_index():
    return _send("index.html")


@bp.get("/panel/packages/promptcut.ccx")
def uxp_package():
    return _package(lambda: panel_assets.ccx(services().settings.port))


@bp.get("/panel/packages/promptcut-cep.zip")
def cep_package():
    return _package(lambda: panel_assets.cep_zip(services().settings.port))


@bp.get("/panel/<path:rel>")
def panel_file(rel: str):
    return _send(rel)


def _package(build):
    try:
        package = build()
    except panel_assets.PackageMissing as exc:
        raise NotFound(str(exc), field="package", code="package_missing") from None
    return send_file(io.BytesIO(package.data), mimetype="application/zip", as_attachment=True,
                     download_name=package.filename, max_age=0)


def _send(rel: str):
    path = resolve(rel)
    if path is None:
        abort(404)
    response = send_file(path, mimetype=MIME[path.suffix.lower()], max_age=0, etag=True)
    # Set, not passed through: Werkzeug appends its own charset to text types, which gave
    # `charset=utf-8; charset=utf-8`.
    response.headers["Content-Type"] = MIME[path.suffix.lower()]
    return response
