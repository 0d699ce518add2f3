"""HTTP handlers, one blueprint per area. They parse, validate, call a service, return JSON."""

from __future__ import annotations

import importlib

from flask import Flask

API = "/api/v1"

# Blueprints under /api/v1, then those at the root (the panel's static files).
API_BLUEPRINTS = ["health", "jobs", "takes", "events", "media", "images", "openapi", "pair",
                  "boards", "chains", "songs", "models", "timelines", "credentials", "providers",
                  "workers", "looks", "finals"]
ROOT_BLUEPRINTS = ["panel"]


def register(app: Flask) -> None:
    for name in API_BLUEPRINTS:
        app.register_blueprint(importlib.import_module(f"bridge.api.{name}").bp,
                               url_prefix=API)
    for name in ROOT_BLUEPRINTS:
        app.register_blueprint(importlib.import_module(f"bridge.api.{name}").bp)
