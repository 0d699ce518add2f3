"""What every blueprint shares: the services object (and the old field readers).

New and converted handlers declare their input with bridge.api.contract.route and the
models in bridge.api.schemas; no route of this branch uses the readers below. They stay
only until the other branches of this wave have moved their routes, then go.
"""

from __future__ import annotations

import math
from typing import Any

from flask import current_app, request

from bridge.errors import InvalidRequest

_MISSING = object()


def services():
    """The Services object of the running app (see bridge.app)."""
    return current_app.extensions["promptcut"]


def require_fields(body: Any) -> None:
    """A PATCH that changes nothing is a mistake in the caller: say so (400), not 200."""
    if not body.model_fields_set:
        raise InvalidRequest("Send at least one field to change.", field="body")


def json_body() -> dict[str, Any]:
    from bridge.api.contract import json_data

    data = json_data()
    if not isinstance(data, dict):
        raise InvalidRequest("The body must be a JSON object.", field="body")
    return data


def get_str(data: dict, name: str, *, required: bool = False, default: Any = None,
            max_len: int = 10_000, allow_empty: bool = True, choices: tuple[str, ...] = ()) -> Any:
    value = data.get(name, _MISSING)
    if value is _MISSING or value is None:
        if required:
            raise InvalidRequest(f"'{name}' is required.", field=name, code="required")
        return default
    if not isinstance(value, str):
        raise InvalidRequest(f"'{name}' must be a string.", field=name, code="wrong_type")
    if not allow_empty and not value.strip():
        raise InvalidRequest(f"'{name}' must not be empty.", field=name, code="required")
    if len(value) > max_len:
        raise InvalidRequest(f"'{name}' is longer than {max_len} characters.", field=name,
                             code="too_long")
    if "\x00" in value:
        raise InvalidRequest(f"'{name}' contains a NUL character.", field=name)
    if choices and value not in choices:
        raise InvalidRequest(f"'{name}' must be one of: {', '.join(choices)}.", field=name,
                             code="invalid_choice", details={"choices": list(choices)})
    return value


def get_int(data: dict, name: str, *, default: Any = None, lo: int | None = None,
            hi: int | None = None, required: bool = False) -> Any:
    value = data.get(name, _MISSING)
    if value is _MISSING or value is None:
        if required:
            raise InvalidRequest(f"'{name}' is required.", field=name, code="required")
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidRequest(f"'{name}' must be a whole number.", field=name, code="wrong_type")
    return check_range(name, value, lo, hi)


def get_float(data: dict, name: str, *, default: Any = None, lo: float | None = None,
              hi: float | None = None) -> Any:
    value = data.get(name, _MISSING)
    if value is _MISSING or value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidRequest(f"'{name}' must be a number.", field=name, code="wrong_type")
    return check_range(name, float(value), lo, hi)


def get_bool(data: dict, name: str, *, default: bool = False) -> bool:
    value = data.get(name, _MISSING)
    if value is _MISSING or value is None:
        return default
    if not isinstance(value, bool):
        raise InvalidRequest(f"'{name}' must be true or false.", field=name, code="wrong_type")
    return value


def check_range(name: str, value, lo, hi):
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        span = f"between {lo} and {hi}" if lo is not None and hi is not None else (
            f"at least {lo}" if lo is not None else f"at most {hi}")
        raise InvalidRequest(f"'{name}' must be {span}.", field=name, code="out_of_range")
    return value


def query_int(name: str, *, default: Any = None, lo: int | None = None,
              hi: int | None = None) -> Any:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidRequest(f"'{name}' must be a whole number.", field=name,
                             code="wrong_type") from None
    return check_range(name, value, lo, hi)
