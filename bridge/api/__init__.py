"""HTTP handlers, one blueprint per area. They parse, validate, call a service, return JSON.

Blueprints only route: none starts a thread or restores anything when it is registered
(start-up lives in bridge.services). They are imported here by name, so a missing or
renamed module fails at import, where tools and readers see it.
"""

from __future__ import annotations

from flask import Flask

API = "/api/v1"


def register(app: Flask) -> None:
    """Blueprints under /api/v1, then those at the root (the panel's static files)."""
    from bridge.api import (
        boards,
        chains,
        credentials,
        events,
        finals,
        health,
        images,
        jobs,
        looks,
        media,
        models,
        openapi,
        pair,
        panel,
        providers,
        songs,
        takes,
        timelines,
        workers,
    )

    for module in (health, jobs, takes, events, media, images, openapi, pair, boards, chains,
                   songs, models, timelines, credentials, providers, workers, looks, finals):
        app.register_blueprint(module.bp, url_prefix=API)
    app.register_blueprint(panel.bp)
