"""A pydantic ValidationError becomes our 400: one code, one sentence, the field's path.

The path is dotted with list indices in brackets (`init_image.frame`, `takes[2]`). Pydantic
puts union member labels (`constrained-float`, a model's name) into an error's location;
they are dropped by walking the location along the data that was sent, so the path names
only what the caller wrote. Unknown fields are reported first: a misspelt name is the
likeliest cause of every other error in the same body.
"""

from __future__ import annotations

import enum
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from bridge.errors import InvalidRequest

KIND = {"string_type": "a string", "int_type": "a whole number",
        "int_from_float": "a whole number", "int_parsing": "a whole number",
        "float_type": "a number", "float_parsing": "a number", "finite_number": "a finite number",
        "bool_type": "true or false", "bool_parsing": "true or false",
        "dict_type": "an object", "model_type": "an object", "model_attributes_type": "an object",
        "list_type": "a list", "string_unicode": "valid Unicode text (no lone surrogates)"}
RANGE = {"greater_than_equal": "ge", "less_than_equal": "le", "greater_than": "gt",
         "less_than": "lt"}


def path_of(loc: tuple[Any, ...], data: Any) -> str:
    """The dotted path of an error location, without pydantic's union member labels."""
    out, current = "", data
    for i, part in enumerate(loc):
        last = i == len(loc) - 1
        if isinstance(current, dict) and isinstance(part, str) and (part in current or last):
            out = f"{out}.{part}" if out else part
            current = current.get(part)
        elif isinstance(current, list) and isinstance(part, int):
            out = f"{out}[{part}]"
            current = current[part] if 0 <= part < len(current) else None
        # else: a union member label; the value stays where it is
    return out or "body"


def _is_model(t: Any) -> bool:
    return isinstance(t, type) and issubclass(t, BaseModel)


def _field_info(model: type[BaseModel] | None, loc: tuple[Any, ...]):
    """The FieldInfo a location ends on (for its bounds and choices); labels and indices
    are stepped over."""
    info = None
    for part in loc:
        fields = model.model_fields if _is_model(model) else {}
        if isinstance(part, str) and part in fields:
            info = fields[part]
            model = next((a for a in _members(info.annotation) if _is_model(a)), None)
    return info


def _members(annotation: Any) -> list[Any]:
    args = typing.get_args(annotation)
    if not args:
        return [annotation]
    if typing.get_origin(annotation) is typing.Annotated:
        return _members(args[0])
    return [m for a in args for m in _members(a)]


def _choices(info) -> list[Any]:
    out: list[Any] = []
    for member in _members(info.annotation) if info else []:
        if isinstance(member, type) and issubclass(member, enum.Enum):
            out += [m.value for m in member]
        elif isinstance(member, str | int) and not isinstance(member, bool):
            out.append(member)  # a Literal's values come out of get_args as themselves
    return out


def _bounds(info) -> dict[str, Any]:
    """ge/le/gt/lt of a field, wherever they sit (on the field or inside `X | None`)."""
    found: dict[str, Any] = {}
    metas = list(info.metadata) if info else []
    stack = [info.annotation] if info else []
    while stack:
        annotation = stack.pop()
        if typing.get_origin(annotation) is typing.Annotated:
            metas += list(annotation.__metadata__)
        stack += list(typing.get_args(annotation))
    for meta in metas:
        for item in [meta, *getattr(meta, "metadata", [])]:
            for key in ("ge", "le", "gt", "lt"):
                if getattr(item, key, None) is not None:
                    found.setdefault(key, getattr(item, key))
    return found


def _phrase(err: dict[str, Any], info) -> tuple[str, str]:
    """(code, phrase) for one pydantic error; the phrase follows the field's name."""
    kind, ctx = err["type"], err.get("ctx") or {}
    if kind == "missing":
        return "required", "is required"
    if kind in KIND:
        code = "invalid_character" if kind == "string_unicode" else "wrong_type"
        return code, f"must be {KIND[kind]}"
    if kind in RANGE:
        b = {**_bounds(info), RANGE[kind]: ctx.get(RANGE[kind])}
        lo, hi = b.get("ge", b.get("gt")), b.get("le", b.get("lt"))
        span = (f"between {lo:g} and {hi:g}" if lo is not None and hi is not None
                else f"at least {lo:g}" if lo is not None else f"at most {hi:g}")
        return "out_of_range", f"must be {span}"
    if kind == "string_too_long":
        return "too_long", f"is longer than {ctx.get('max_length')} characters"
    if kind == "too_long":
        return "too_long", f"holds more than {ctx.get('max_length')} items"
    if kind == "string_too_short" and ctx.get("min_length") == 1:
        return "required", "must not be empty"
    if kind in ("string_too_short", "too_short"):
        return "too_short", f"needs at least {ctx.get('min_length')}"
    if kind in ("literal_error", "enum"):
        choices = _choices(info)
        listed = ", ".join(map(str, choices)) if choices else ctx.get("expected", "")
        return "invalid_choice", f"must be one of: {listed}"
    if kind == "string_pattern_mismatch":
        return "invalid", "is not in the expected form"
    if kind.endswith("_error") or kind in ("value_error", "assertion_error"):
        return "invalid", err["msg"].removeprefix("Value error, ")
    return kind, err["msg"]  # our own PydanticCustomError: its type is our code


def to_invalid(exc: ValidationError, data: Any, model: type[BaseModel] | None = None,
               prefix: tuple[Any, ...] = ()) -> InvalidRequest:
    """The InvalidRequest to answer for `exc`, raised while validating `data`."""
    errors = sorted(exc.errors(include_url=False),
                    key=lambda e: e["type"] != "extra_forbidden")
    first = errors[0]
    path = path_of(prefix + tuple(first["loc"]), data)
    if first["type"] == "extra_forbidden":
        return InvalidRequest(f"Unknown field '{path}'.", field=path, code="unknown_field")
    same = [e for e in errors if path_of(prefix + tuple(e["loc"]), data) == path]
    phrases, details = [], {}
    code = None
    for err in same:
        info = _field_info(model, tuple(err["loc"]))
        this_code, phrase = _phrase(err, info)
        code = code or this_code
        if phrase not in phrases:
            phrases.append(phrase)
        if this_code == "invalid_choice" and _choices(info):
            details["choices"] = _choices(info)
        elif err["type"] == this_code and err.get("ctx"):
            details.update(err["ctx"])  # our own rule's facts (a character's position)
    where = "The body" if path == "body" else f"'{path}'"
    return InvalidRequest(f"{where} {', or '.join(phrases)}.", field=path, code=code,
                          details=details or None)
