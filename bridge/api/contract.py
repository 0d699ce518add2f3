"""The one way an /api/v1 route declares its contract: path, query, body and answers.

Usage (a plain Flask blueprint; the route is registered by `route`):

    from bridge.api.contract import Reply, route
    from bridge.api.schemas.jobs import JobList, JobQuery

    @route(bp, "GET", "/jobs", summary="List jobs", query=JobQuery, replies={200: JobList})
    def list_jobs(query: JobQuery) -> JobList:
        ...                          # `query` (and `body`) arrive parsed and validated
        return JobList(jobs=...)     # a model is serialised; a dict or Response passes

- `body=` a pydantic model (`schemas.common.Body`) read from JSON and passed as `body`;
  or `Payload({...media type: model})` when the handler reads the body itself (uploads).
- `replies=` status -> model, or `Reply(model, description, media_type, links)`; None: no
  body. `links` (OpenAPI links) say which operations take an id from the answer.
- `errors=` the refusals beyond those every route can give; 400 (when it takes input),
  401 (unless `public`), 403 (foreign Host/Origin), 404 (path parameters) and 413 (a body)
  are added here, each with the error shape.
- Bad input becomes `InvalidRequest` naming the field (see bridge/api/invalid.py); checks
  a model cannot make (a take exists, a preset's size rules) stay in handlers and presets.
- bridge/api/openapi.py builds the OpenAPI 3.1 document from these declarations and the
  app's url_map: nothing in it is written by hand.

Why our own helper and not a library (checked: flask-openapi3 4.3, spectree 2.0,
flask-pydantic 0.14): flask-openapi3 needs its own Flask subclass and blueprint class;
spectree keeps plain blueprints but reads malformed JSON as `{}` (so a truncated body is
reported as a missing field, not as `body`), answers validation errors in its own shape
through `abort`, and has no way to declare non-JSON answers (video, text/event-stream,
timeline files) that schemathesis checks the content type of; flask-pydantic generates no
document. What they would do for us is about 150 lines over pydantic's own JSON Schema
generation, which does the hard part.
"""

from __future__ import annotations

import functools
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Response, request
from pydantic import BaseModel, ValidationError

from bridge.api.invalid import to_invalid
from bridge.api.schemas.common import Error
from bridge.errors import InvalidRequest

JSON = "application/json"

# What each refusal means, for the document; every one carries the error shape.
ERROR_TEXT = {
    400: "Bad input; `error.field` names the field at fault.",
    401: "Missing or wrong token (`Authorization: Bearer <token>`).",
    403: "Foreign Host or Origin, or a refused credential.",
    404: "No such thing; `error.field` names the id.",
    409: "Not possible in the thing's current state.",
    413: "The body is larger than the bridge accepts.",
    429: "Too many attempts; wait and retry.",
    507: "The disk is full; nothing was written.",
}


@dataclass(frozen=True)
class Link:
    """An OpenAPI link: what a client (or a stateful fuzzer) can do next with this answer.
    `operation` is the target's operationId (blueprint_function); `parameters` map its path
    parameters to runtime expressions such as `$response.body#/id`."""

    name: str
    operation: str
    parameters: dict[str, str]


@dataclass(frozen=True)
class Reply:
    model: Any = None  # a pydantic model or type; None: no schema (a file, a stream, empty)
    description: str = "OK"
    media_type: str | tuple[str, ...] = JSON  # one or more; "" with model None: no body
    links: tuple[Link, ...] = ()

    @property
    def media_types(self) -> tuple[str, ...]:
        if isinstance(self.media_type, tuple):
            return self.media_type
        return (self.media_type,) if self.media_type else ()


@dataclass(frozen=True)
class Payload:
    """A request body the handler reads itself (uploads): media type -> model or type."""

    content: dict[str, Any]
    required: bool = True
    description: str = ""


@dataclass(frozen=True)
class Operation:
    method: str
    rule: str
    summary: str
    description: str = ""
    body: Any = None  # a Body model (JSON, parsed here) or a Payload
    query: type[BaseModel] | None = None
    replies: dict[int, Reply] = field(default_factory=dict)
    errors: tuple[int, ...] = ()
    public: bool = False
    security: tuple[dict[str, list[str]], ...] | None = None  # None: the token
    tags: tuple[str, ...] = ()

    @property
    def has_path_params(self) -> bool:
        return "<" in self.rule

    def statuses(self) -> dict[int, Reply]:
        """Every status this operation can answer, with what it carries."""
        out = dict(self.replies)
        codes = set(self.errors) | {403}
        if self.body is not None or self.query is not None:
            codes.add(400)
        if not self.public:
            codes.add(401)
        if self.has_path_params:
            codes.add(404)
        if self.body is not None:
            codes.add(413)
        for code in sorted(codes):
            out.setdefault(code, Reply(Error, ERROR_TEXT.get(code, "Refused.")))
        return dict(sorted(out.items()))


def route(bp: Blueprint, method: str, rule: str, *, summary: str, description: str = "",
          body: Any = None, query: type[BaseModel] | None = None,
          replies: dict[int, Any] | None = None, errors: tuple[int, ...] = (),
          public: bool = False, security: tuple[dict[str, list[str]], ...] | None = None,
          tags: tuple[str, ...] = ()) -> Callable:
    """Register `view` on `bp` for `method rule`, parsing its input and keeping its contract."""
    replies = {code: r if isinstance(r, Reply) else Reply(r)
               for code, r in (replies or {200: None}).items()}
    op = Operation(method.upper(), rule, summary, description or "", body, query, replies,
                   tuple(errors), public, security, tags or (bp.name,))

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def handler(**kwargs: Any) -> Any:
            if op.query is not None:
                kwargs["query"] = parse_query(op.query)
            if isinstance(op.body, type) and issubclass(op.body, BaseModel):
                kwargs["body"] = parse_body(op.body)
            return to_response(view(**kwargs))

        handler.contract = op  # type: ignore[attr-defined]
        bp.add_url_rule(rule, view_func=handler, methods=[op.method])
        return handler

    return decorate


def json_data() -> Any:
    """The JSON body as sent (an empty body is `{}`), or a 400 naming `body`."""
    if not request.data:
        return {}
    if not request.is_json:
        raise InvalidRequest("Send the body as JSON (Content-Type: application/json).",
                             field="body", code="unsupported_media_type")
    data = request.get_json(silent=True)
    if data is None:
        raise InvalidRequest("The body is not valid JSON.", field="body", code="bad_json")
    return data


def parse_body(model: type[BaseModel]) -> BaseModel:
    data = json_data()
    if not isinstance(data, dict):
        raise InvalidRequest("The body must be a JSON object.", field="body",
                             code="wrong_type")
    return validate(model, data)


def parse_query(model: type[BaseModel]) -> BaseModel:
    """Query parameters: an empty value counts as absent; list fields take every value."""
    data: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        values = [v for v in request.args.getlist(name) if v != ""]
        if values:
            many = typing.get_origin(info.annotation) is list
            data[name] = values if many else values[0]
    return validate(model, data)


def validate(model: type[BaseModel], data: Any) -> BaseModel:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise to_invalid(exc, data, model) from None


def to_response(result: Any) -> Any:
    """A model (or (model, status[, headers])) becomes JSON; anything else passes to Flask."""
    if isinstance(result, Response):
        return result
    if isinstance(result, tuple):
        return (_plain(result[0]), *result[1:])
    return _plain(result)


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    return value
