"""GET /openapi.json: the API described as OpenAPI 3.

Written out by hand (a generator from type hints would add a dependency and still need
these descriptions); tests/test_openapi.py checks that it names exactly the app's routes and
fuzzes the API from it.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from bridge import __version__

bp = Blueprint("openapi", __name__)

ERROR = {"$ref": "#/components/schemas/Error"}
STR = {"type": "string"}
INT = {"type": "integer"}
NUM = {"type": "number"}


def _ok(schema: dict | None = None, desc: str = "OK", status: str = "200") -> dict:
    responses: dict[str, Any] = {
        status: {"description": desc}, "400": {"description": "bad input",
                                              "content": {"application/json": {"schema": ERROR}}},
        "401": {"description": "missing or wrong token"},
        "403": {"description": "foreign Host or Origin"},
        "404": {"description": "not found", "content": {"application/json": {"schema": ERROR}}},
    }
    if schema is not None:
        responses[status]["content"] = {"application/json": {"schema": schema}}
    return responses


def _q(name: str, schema: dict, desc: str = "") -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema,
            "description": desc}


def _p(name: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": STR}


def _body(schema: dict, required: bool = True) -> dict:
    return {"required": required, "content": {"application/json": {"schema": schema}}}


JOB_REQUEST = {
    "type": "object", "required": ["prompt"], "additionalProperties": False,
    "properties": {
        "prompt": {"type": "string", "minLength": 1, "maxLength": 4000},
        "negative_prompt": {"type": "string", "maxLength": 4000},
        "model": {"type": "string", "description": "a preset name from GET /models"},
        "takes": {"type": "integer", "minimum": 1, "maximum": 64},
        "seed": {"type": "integer", "minimum": 0, "maximum": 2**32 - 1},
        "width": {"type": "integer"}, "height": {"type": "integer"},
        "num_frames": {"type": "integer"}, "fps": NUM, "steps": INT, "guidance": NUM,
        "priority": {"type": "integer", "minimum": -1000, "maximum": 1000},
        "client_key": {"type": "string", "maxLength": 200},
        "init_image": {"type": "object", "properties": {
            "upload": STR, "take_id": STR, "frame": {}}},
        "parent_take_id": STR,
        "memory_profile": {"type": "string", "enum": [
            "auto", "full", "model_offload", "group_offload", "sequential_offload"]},
        "cache": STR, "compile": {"type": "boolean"},
    },
}
JOB = {"type": "object", "properties": {
    "id": STR, "batch_id": STR, "status": {"type": "string", "enum": [
        "queued", "running", "done", "failed", "cancelled"]},
    "priority": INT, "request": {"type": "object"}, "take_id": {"type": ["string", "null"]},
    "progress": {"type": ["object", "null"]}, "error": {"type": ["object", "null"]},
    "position": {"type": ["integer", "null"]}}}
TAKE = {"type": "object", "properties": {
    "id": STR, "prompt": STR, "seed": INT, "rating": INT, "status": STR,
    "media_path": STR, "media_url": STR, "poster_url": STR, "filmstrip_url": STR,
    "record": {"type": "object"}}}
TAKE_PATCH = {"type": "object", "additionalProperties": False, "minProperties": 1,
              "properties": {"rating": {"type": "integer", "minimum": 0, "maximum": 5},
                             "status": {"type": "string", "enum": ["new", "picked", "rejected"]},
                             "tags": {"type": "array", "items": STR}, "notes": STR}}


def document() -> dict[str, Any]:
    paths: dict[str, Any] = {
        "/health": {"get": {"summary": "Is the bridge up", "security": [],
                            "responses": _ok({"type": "object"})}},
        "/jobs": {
            "post": {"summary": "Queue takes", "requestBody": _body(JOB_REQUEST),
                     "responses": {**_ok({"type": "object"}, "created", "201"),
                                   "200": {"description": "client_key seen before"}}},
            "get": {"summary": "List jobs", "parameters": [
                _q("status", {"type": "string", "enum": [
                    "queued", "running", "done", "failed", "cancelled"]}),
                _q("batch_id", STR), _q("limit", {"type": "integer", "minimum": 1})],
                "responses": _ok({"type": "object"})}},
        "/jobs/{job_id}": {
            "get": {"parameters": [_p("job_id")], "responses": _ok(JOB)},
            "patch": {"parameters": [_p("job_id")], "requestBody": _body({
                "type": "object", "required": ["priority"], "additionalProperties": False,
                "properties": {"priority": {"type": "integer", "minimum": -1000,
                                            "maximum": 1000}}}),
                "responses": {**_ok(JOB), "409": {"description": "not queued"}}}},
        "/jobs/{job_id}/cancel": {"post": {"parameters": [_p("job_id")], "responses": {
            **_ok(JOB), "409": {"description": "already finished"}}}},
        "/takes": {"get": {"parameters": [
            _q("batch_id", STR), _q("q", STR, "prompt text"),
            _q("min_rating", {"type": "integer", "minimum": 0, "maximum": 5}),
            _q("status", {"type": "string", "enum": ["new", "picked", "rejected"]}),
            _q("sort", {"type": "string", "enum": ["created", "-created", "rating",
                                                   "-rating"]}),
            _q("limit", {"type": "integer", "minimum": 1, "maximum": 500}),
            _q("cursor", STR), _q("parent_take_id", STR, "takes continued from this one")],
            "responses": _ok({"type": "object"})}},
        "/takes/{take_id}/chain": {"get": {
            "summary": "The take and its ancestors, oldest first", "parameters": [_p("take_id")],
            "responses": _ok({"type": "object"})}},
        "/takes/{take_id}": {
            "get": {"parameters": [_p("take_id")], "responses": _ok(TAKE)},
            "patch": {"parameters": [_p("take_id")], "requestBody": _body(TAKE_PATCH),
                      "responses": _ok(TAKE)},
            "delete": {"parameters": [_p("take_id")], "responses": _ok(None, "deleted", "204")}},
        "/events": {"get": {"parameters": [
            _q("after", {"type": "integer", "minimum": 0}),
            _q("timeout", {"type": "number", "minimum": 0, "maximum": 60}),
            _q("epoch", STR)], "responses": _ok({"type": "object"})}},
        "/events/stream": {"get": {"summary": "Server-sent events", "parameters": [
            _q("after", {"type": "integer", "minimum": 0}), _q("epoch", STR)],
            "x-streaming": True, "responses": {"200": {"description": "text/event-stream"}}}},
        "/images": {"post": {"summary": "Upload an init image", "requestBody": {
            "required": True, "content": {"multipart/form-data": {"schema": {
                "type": "object", "properties": {"file": {"type": "string",
                                                          "format": "binary"}}}}}},
            "responses": _ok({"type": "object"}, "stored", "201")}},
        "/media/{path}": {"get": {"summary": "A take's file (Range supported)",
                                  "parameters": [_p("path"), _q("exp", STR), _q("sig", STR)],
                                  "responses": _ok(None, "the file")}},
        "/pair": {"post": {"summary": "Trade a one-time pairing code for the token",
                           "security": [], "requestBody": _body({
                               "type": "object", "required": ["code"],
                               "properties": {"code": STR}}),
                           "responses": {**_ok({"type": "object"}),
                                         "403": {"description": "wrong or spent code"}}}},
        "/openapi.json": {"get": {"security": [], "responses": _ok({"type": "object"})}},
        "/models": {"get": {"responses": _ok({"type": "object"})}},
        "/models/{name}/download": {"post": {"parameters": [_p("name")], "responses": {
            **_ok({"type": "object"}, "already ready"),
            "202": {"description": "download started or already running"}}}},
        "/models/{name}": {"delete": {"parameters": [_p("name")], "responses": {
            **_ok({"type": "object"}, "freed"), "409": {"description": "downloading"}}}},
        "/providers": {"get": {"summary": "Cloud providers and whether a key is stored",
                               "responses": _ok({"type": "object"})}},
        "/providers/{name}/key": {
            "put": {"summary": "Store a provider's API key (never returned)",
                    "parameters": [_p("name")], "requestBody": _body({
                        "type": "object", "required": ["key"],
                        "properties": {"key": {"type": "string", "minLength": 1}}}),
                    "responses": _ok({"type": "object"})},
            "delete": {"parameters": [_p("name")], "responses": _ok({"type": "object"})}},
        "/timelines": {"post": {"requestBody": _body({"type": "object", "properties": {
            "takes": {"type": "array", "items": STR}, "cut": {"type": "object"},
            "name": STR, "fps": NUM, "formats": {"type": "array", "items": STR}}}),
            "responses": _ok({"type": "object"}, "created", "201")}},
        "/timelines/{timeline_id}/{fmt}": {"get": {
            "parameters": [_p("timeline_id"), _p("fmt")], "responses": _ok(None, "file")}},
        "/timelines/import": {"post": {"requestBody": {"required": True, "content": {
            "multipart/form-data": {"schema": {"type": "object", "properties": {
                "file": {"type": "string", "format": "binary"}}}}}},
            "responses": _ok({"type": "object"})}},
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "Promptcut bridge", "version": __version__,
                 "description": "Local generation service for the Promptcut panel."},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Error": {"type": "object", "required": ["error"], "properties": {
                "error": {"type": "object", "required": ["code", "message", "field"],
                          "properties": {"code": STR, "message": STR,
                                         "field": {"type": ["string", "null"]}}}}}},
        },
        "paths": paths,
    }


@bp.get("/openapi.json")
def openapi():
    return document()
