"""`create_app(settings)`: the Flask app, its services, and the security checks on every request."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from bridge import security
from bridge.boards import service as board_service
from bridge.config import Settings
from bridge.errors import PromptcutError
from bridge.library.disk import BUSY_RETRY_S, storage_error
from bridge.logfile import see_the_log
from bridge.services import Services, build_services

log = logging.getLogger("promptcut.app")

API = "/api/v1"
PUBLIC_PATHS = {f"{API}/health", f"{API}/openapi.json", f"{API}/pair"}


def create_app(settings: Settings | None = None, services: Services | None = None,
               start_worker: bool = True) -> Flask:
    settings = settings or (services.settings if services else Settings())
    services = services or build_services(settings)
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.json.sort_keys = False
    app.url_map.merge_slashes = False  # a "//abs" path is a 404, not a redirect
    app.extensions["promptcut"] = services

    hosts = security.allowed_hosts(settings)
    origins = security.allowed_origins(settings)

    @app.before_request
    def guard() -> Response | None:
        if request.host not in hosts:
            return _error(403, "forbidden_host",
                          f"Host '{request.host}' is not this bridge; use 127.0.0.1.", "Host")
        origin = request.headers.get("Origin")
        if origin is not None and origin != "null" and origin not in origins:
            return _error(403, "forbidden_origin",
                          f"Origin '{origin}' may not call this bridge; add it with "
                          "--allow-origin if it is your panel.", "Origin")
        if security.cross_site_refused(
                request.headers.get("Sec-Fetch-Site"), request.headers.get("Sec-Fetch-Mode"),
                request.method, request.path, origin, settings.extra_origins):
            return _error(403, "forbidden_fetch_site",
                          "Your browser says another site sent this request; Promptcut "
                          "answers only its own panel.", "Sec-Fetch-Site")
        if request.method == "OPTIONS":
            return Response(status=204)
        if request.is_json and security.json_too_deep(request.get_data(cache=True)):
            return _error(400, "too_deep", "The JSON body is nested more than "
                          f"{security.MAX_JSON_DEPTH} levels deep; no Promptcut request "
                          "needs that.", "body")
        path = request.path
        if not path.startswith(API) or path in PUBLIC_PATHS:
            return None
        if path.startswith(f"{API}/media/") and request.method in ("GET", "HEAD"):
            rel = path[len(f"{API}/media/"):]
            if security.signature_valid(services.token, rel, request.args.get("exp"),
                                        request.args.get("sig")):
                return None
        if not security.token_matches(services.token, request.headers.get("Authorization")):
            return _error(401, "unauthorized",
                          "Send 'Authorization: Bearer <token>'; `promptcut token` prints it.",
                          "Authorization")
        return None

    @app.after_request
    def headers(resp: Response) -> Response:
        origin = request.headers.get("Origin")
        if origin and origin != "null" and origin in origins:
            resp.headers["Access-Control-Allow-Origin"] = origin
            resp.headers["Access-Control-Allow-Headers"] = "Authorization, Content-Type, Range"
            resp.headers["Access-Control-Allow-Methods"] = "GET, POST, PATCH, DELETE, OPTIONS"
            resp.headers["Access-Control-Expose-Headers"] = "Content-Range, Content-Length"
            resp.headers["Access-Control-Max-Age"] = "600"
        resp.headers.add("Vary", "Origin")
        resp.headers.pop("Date", None)  # the server (uvicorn) adds the one Date header
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("Referrer-Policy", "no-referrer")
        if request.path.startswith(API) and not request.path.startswith(f"{API}/media/"):
            resp.headers.setdefault("Cache-Control", "no-store")
        if resp.status_code in (429, 503):  # every "not now" says when to try again
            resp.headers.setdefault("Retry-After", str(BUSY_RETRY_S))
        return resp

    @app.errorhandler(PromptcutError)
    def on_error(exc: PromptcutError):
        return jsonify(exc.to_json()), exc.status

    @app.errorhandler(HTTPException)
    def on_http(exc: HTTPException):
        code = {404: "not_found", 405: "method_not_allowed", 413: "too_large",
                400: "bad_request"}.get(exc.code or 500, "http_error")
        field = "body" if exc.code in (400, 413) else None
        message = {413: f"The request body is larger than {settings.max_body_bytes} bytes.",
                   404: "No such route.",
                   405: f"{request.method} is not allowed here."}.get(exc.code or 0,
                                                                      exc.description)
        return jsonify({"error": {"code": code, "message": message, "field": field}}), exc.code

    @app.errorhandler(Exception)
    def on_bug(exc: Exception):
        disk = storage_error(exc, settings.data_dir)  # a full disk is no bug: 507; locked: 503
        if disk is not None:
            log.warning("%s %s: %s (%s)", request.method, request.path, disk.message, exc)
            return jsonify(disk.to_json()), disk.status
        log.exception("unhandled error on %s %s", request.method, request.path)
        return jsonify({"error": {"code": "internal", "message":
                                  "Promptcut hit an internal error; "
                                  f"{see_the_log(settings)}", "field": None}}), 500

    from bridge.api import register

    register(app)
    # Services start here, explicitly, in this order (never when a blueprint registers):
    # boards come back from their JSON mirrors and the chain follower waits for the worker.
    board_service.start(services)
    if start_worker:
        services.start()  # the worker, then the background services (bridge.services)
    return app


def _error(status: int, code: str, message: str, field: str | None):
    # Refusals go to the log (never the token: only the route, the origin and the reason).
    log.warning("refused %s %s (Origin %s): %d %s", request.method, request.path,
                request.headers.get("Origin") or "none", status, code)
    return jsonify({"error": {"code": code, "message": message, "field": field}}), status
