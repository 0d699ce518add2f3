"""GET /openapi.json: the OpenAPI 3.1 document, generated from the routes' contracts.

Each /api/v1 rule in the app's url_map is described by the `Operation` that
bridge.api.contract.route attached to its view, and every schema comes from pydantic's own
JSON Schema generation (draft 2020-12, which OpenAPI 3.1 uses as is). Nothing here is
written per route. A route registered without `route` still appears, marked
`x-undeclared`, so that tests/test_bridge_openapi.py can refuse it.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from flask import Blueprint, Flask, current_app
from pydantic import Field, TypeAdapter
from pydantic.json_schema import GenerateJsonSchema

from bridge import __version__
from bridge.api.contract import ERROR_TEXT, JSON, Operation, Payload, Reply, route
from bridge.api.schemas.common import Error

bp = Blueprint("openapi", __name__)

API = "/api/v1"
REF = "#/components/schemas/{model}"
SECURITY_SCHEMES = {
    "bearer": {"type": "http", "scheme": "bearer",
               "description": "The per-install token: `promptcut token` prints it, "
                              "POST /pair trades a pairing code for it."},
    "signed_url": {"type": "apiKey", "in": "query", "name": "sig",
                   "description": "Media URLs in answers carry `exp` and `sig`, so a "
                                  "<video> or <img> loads them without the token."},
}
_RULE_ARG = re.compile(r"<(?:[a-z]+(?:\([^)]*\))?:)?([a-zA-Z_][a-zA-Z0-9_]*)>")


class _Schemas:
    """Collects every type the document names and generates their schemas in one pass,
    so shared models become one entry under components/schemas."""

    def __init__(self) -> None:
        self._inputs: list[tuple[Any, str, Any]] = []
        self._slots: list[tuple[dict, str, int]] = []

    def ref(self, target: dict, key: str, annotation: Any, mode: str) -> None:
        """Put the schema of `annotation` into target[key] once generated."""
        index = len(self._inputs)
        self._inputs.append((index, mode, TypeAdapter(annotation).core_schema))
        self._slots.append((target, key, index))

    def generate(self) -> dict[str, Any]:
        gen = GenerateJsonSchema(ref_template=REF)
        mapping, definitions = gen.generate_definitions(self._inputs)
        for target, key, index in self._slots:
            mode = self._inputs[index][1]
            target[key] = mapping[(index, mode)]
        return definitions


def openapi_path(rule: str) -> str:
    return _RULE_ARG.sub(r"{\1}", rule)


def _parameters(rule: str, op: Operation | None, schemas: _Schemas) -> list[dict]:
    params: list[dict] = [{"name": name, "in": "path", "required": True,
                           "schema": {"type": "string", "minLength": 1}}
                          for name in _RULE_ARG.findall(rule)]
    if op is not None and op.query is not None:
        for name, info in op.query.model_fields.items():
            param = {"name": name, "in": "query", "required": info.is_required()}
            if info.description:
                param["description"] = info.description
            schemas.ref(param, "schema", info.rebuild_annotation(), "validation")
            params.append(param)
    return params


def _request_body(op: Operation, schemas: _Schemas) -> dict | None:
    if op.body is None:
        return None
    payload = op.body if isinstance(op.body, Payload) else Payload({JSON: op.body})
    content: dict[str, Any] = {}
    for media_type, model in payload.content.items():
        content[media_type] = {}
        schemas.ref(content[media_type], "schema", model, "validation")
    body: dict[str, Any] = {"required": payload.required, "content": content}
    if payload.description:
        body["description"] = payload.description
    return body


def _responses(op: Operation, schemas: _Schemas) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for status, reply in op.statuses().items():
        if reply == _standard_error(status):
            out[str(status)] = {"$ref": f"#/components/responses/{_error_name(status)}"}
            continue
        entry: dict[str, Any] = {"description": reply.description}
        if reply.model is not None:
            entry["content"] = {}
            for media_type in reply.media_types:
                entry["content"][media_type] = {}
                schemas.ref(entry["content"][media_type], "schema", reply.model,
                            "serialization")
        elif reply.media_types and reply.media_types != (JSON,):
            entry["content"] = {media_type: {} for media_type in reply.media_types}
        if reply.links:
            entry["links"] = {link.name: {"operationId": link.operation,
                                          "parameters": link.parameters}
                              for link in reply.links}
        out[str(status)] = entry
    return out


def _standard_error(status: int) -> Reply | None:
    text = ERROR_TEXT.get(status)
    return Reply(Error, text) if text else None


def _error_name(status: int) -> str:
    return f"Error{status}"


def _error_responses() -> dict[str, Any]:
    return {_error_name(code): {"description": text, "content": {JSON: {"schema": {
        "$ref": REF.format(model="Error")}}}} for code, text in ERROR_TEXT.items()}


def _operation(rule: str, endpoint: str, op: Operation | None, schemas: _Schemas) -> dict:
    out: dict[str, Any] = {"operationId": endpoint.replace(".", "_")}
    if op is None:
        out.update({"x-undeclared": True, "parameters": _parameters(rule, None, schemas),
                    "responses": {"default": {"description": "not declared"}}})
        return out
    out["summary"] = op.summary
    if op.description:
        out["description"] = op.description
    out["tags"] = list(op.tags)
    if params := _parameters(rule, op, schemas):
        out["parameters"] = params
    if (body := _request_body(op, schemas)) is not None:
        out["requestBody"] = body
    out["responses"] = _responses(op, schemas)
    if op.public:
        out["security"] = []
    elif op.security is not None:
        out["security"] = list(op.security)
    return out


def _strip_null_in_query(params: list[dict]) -> None:
    """A query parameter is absent rather than null: drop the null branch of Optional."""
    for p in params:
        schema = p.get("schema", {})
        if p["in"] == "query" and "anyOf" in schema:
            kept = [s for s in schema["anyOf"] if s != {"type": "null"}]
            rest = {k: v for k, v in schema.items() if k != "anyOf"}
            p["schema"] = {**kept[0], **rest} if len(kept) == 1 else {**rest, "anyOf": kept}


def document(app: Flask) -> dict[str, Any]:
    schemas = _Schemas()
    paths: dict[str, dict[str, Any]] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith(API + "/"):
            continue
        op = getattr(app.view_functions[rule.endpoint], "contract", None)
        relative = rule.rule[len(API):]
        item = paths.setdefault(openapi_path(relative), {})
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            item[method.lower()] = _operation(relative, rule.endpoint, op, schemas)
    schemas.ref({}, "error", Error, "serialization")  # the shape every refusal has
    definitions = schemas.generate()
    for item in paths.values():
        for operation in item.values():
            _strip_null_in_query(operation.get("parameters", []))
    return {
        "openapi": "3.1.0",
        "info": {"title": "Promptcut bridge", "version": __version__,
                 "description": "Local generation service for the Promptcut panel. What "
                                "this document cannot say (auth, events, signed URLs) is "
                                "in docs/api.md."},
        "servers": [{"url": API}],
        "security": [{"bearer": []}],
        "tags": sorted(({"name": t} for t in _tags(paths)), key=lambda t: t["name"]),
        "components": {"securitySchemes": SECURITY_SCHEMES, "schemas": definitions,
                       "responses": _error_responses()},
        "paths": paths,
    }


def _tags(paths: dict[str, dict[str, Any]]) -> set[str]:
    return {t for item in paths.values() for op in item.values() for t in op.get("tags", [])}


# Open on purpose: the document's shape is the OpenAPI 3.1 specification's, not ours.
OpenApiDocument = Annotated[dict[str, Any], Field(
    description="free-form here: an OpenAPI 3.1 document, whose shape that specification "
    "defines")]


@route(bp, "GET", "/openapi.json", summary="This document", public=True,
       replies={200: Reply(OpenApiDocument, "The OpenAPI 3.1 document")})
def openapi():
    cache = current_app.extensions.setdefault("promptcut_openapi", {})
    if "doc" not in cache:
        cache["doc"] = document(current_app)
    return cache["doc"]


def bare_document() -> dict[str, Any]:
    """The document without a running bridge (no data dir, no token): for the panel's
    type generation, `python -m bridge.api.openapi > openapi.json`."""
    from bridge.api import register

    app = Flask("promptcut")
    register(app)
    return document(app)


if __name__ == "__main__":
    import json
    import sys

    json.dump(bare_document(), sys.stdout, indent=1, ensure_ascii=False)
    sys.stdout.write("\n")
