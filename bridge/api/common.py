"""What every blueprint shares: the services object, and the rule for an empty PATCH.

Handlers declare their input with bridge.api.contract.route and the models in
bridge.api.schemas; the hand-written field readers that were here are gone.
"""

from __future__ import annotations

from typing import Any

from flask import current_app

from bridge.errors import InvalidRequest


def services():
    """The Services object of the running app (see bridge.app)."""
    return current_app.extensions["promptcut"]


def require_fields(body: Any) -> None:
    """A PATCH that changes nothing is a mistake in the caller: say so (400), not 200."""
    if not body.model_fields_set:
        raise InvalidRequest("Send at least one field to change.", field="body")
