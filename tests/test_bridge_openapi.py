"""The generated OpenAPI document names every route, and the API keeps to it.

schemathesis drives every operation from the document (positive and negative data) and
checks each answer: no 5xx, a documented status, a documented content type, a body that
matches the documented schema. The fuzz bridge has a real take, so reads find something.
"""

from __future__ import annotations

import re

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from pydantic import TypeAdapter
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from bridge.api.schemas.events import EventPage
from tests.conftest import Bridge, new_data_dir

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
EXAMPLES = 20  # per operation (positive or negative): about 400 cases in all


def flask_routes(server: Bridge) -> set[tuple[str, str]]:
    from bridge.app import create_app
    from bridge.config import Settings

    app = create_app(Settings(data_dir=server.data_dir.parent / "routes", port=server.port),
                     start_worker=False)
    out = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = re.sub(r"<(?:[a-z]+:)?([a-z_][a-z0-9_]*)>", r"{\1}", rule.rule[len("/api/v1"):])
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            out.add((method.lower(), path))
    return out


def test_document_names_exactly_the_routes_each_declared(server):
    doc = server.api("GET", "/openapi.json", auth=False).json()
    assert doc["openapi"] == "3.1.0"
    documented = {(m, p) for p, ops in doc["paths"].items() for m in ops}
    assert documented == flask_routes(server)
    undeclared = [(m, p) for p, ops in doc["paths"].items() for m, op in ops.items()
                  if op.get("x-undeclared")]
    assert undeclared == [], "declare these with bridge.api.contract.route"


def test_document_carries_bounds_enums_errors_and_security(server):
    doc = server.api("GET", "/openapi.json", auth=False).json()
    schemas = doc["components"]["schemas"]
    submit = schemas["JobSubmit"]["properties"]
    guidance = next(s for s in submit["guidance"]["anyOf"] if s.get("type") == "number")
    assert (guidance["minimum"], guidance["maximum"]) == (0, 30)  # validate.MAX_GUIDANCE
    fps = next(s for s in submit["fps"]["anyOf"] if s.get("type") == "number")
    assert fps["maximum"] == 120  # one bound, otio_export.rates.MAX_FPS
    assert schemas["JobSubmit"]["additionalProperties"] is False
    assert set(schemas["JobState"]["enum"]) == {"queued", "running", "done", "failed",
                                                "cancelled"}
    assert schemas["ErrorDetail"]["required"] == ["code", "message", "field"]
    assert "pattern" in submit["prompt"]  # the free-text rule
    ops = doc["paths"]
    assert set(ops["/jobs/{job_id}/cancel"]["post"]["responses"]) >= {
        "200", "401", "403", "404", "409"}
    assert "413" in ops["/jobs"]["post"]["responses"]
    assert "507" in ops["/jobs"]["post"]["responses"]
    assert "429" in ops["/pair"]["post"]["responses"]
    assert ops["/health"]["get"]["security"] == []
    assert "401" not in ops["/health"]["get"]["responses"]
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    # The event record is one union, discriminated by kind, with typed data.
    progress = schemas["ModelProgressEvent"]["properties"]
    assert progress["kind"]["const"] == "model.progress"
    assert set(schemas["DownloadProgress"]["required"]) >= {"bytes_done", "bytes_total"}


@pytest.fixture(scope="module")
def fuzz_bridge(tmp_path_factory):
    bridge = Bridge(new_data_dir(tmp_path_factory.mktemp("fuzz")))
    bridge.start()
    bridge.make_takes(1, prompt="fuzz seed take", model="tiny", width=32, height=32,
                      num_frames=9, steps=1)
    yield bridge
    bridge.stop()


@pytest.fixture(scope="module")
def api_doc(fuzz_bridge):
    doc = fuzz_bridge.api("GET", "/openapi.json", auth=False).json()
    doc["servers"] = [{"url": f"{fuzz_bridge.url}/api/v1"}]
    # The SSE stream never ends by design (5 minutes, then the client reconnects), so a
    # fuzzer cannot read an answer; tests/test_request_events.py covers it.
    del doc["paths"]["/events/stream"]
    return doc


@pytest.fixture(scope="module")
def api_schema(api_doc):
    return schemathesis.openapi.from_dict(api_doc)


def test_fuzz_every_operation_keeps_to_the_document(api_schema, fuzz_bridge):
    """Every operation, positive and negative data: zero failures of the four checks.

    Driven through hypothesis directly: schemathesis' pytest plugin does not load under
    pytest 9 here, and this keeps each operation's failures readable in one place.
    """
    headers = {"Authorization": f"Bearer {fuzz_bridge.token}"}
    modes = [schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE]
    failures: list[str] = []
    statuses: list[int] = []
    operations = [r.ok() for r in api_schema.get_all_operations()]
    assert len(operations) >= 20

    for operation in operations:
        @given(case=operation.as_strategy(generation_mode=modes[0])
               | operation.as_strategy(generation_mode=modes[1]))
        @settings(max_examples=EXAMPLES, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case):
            if case.path == "/events" and isinstance(case.query, dict):
                timeout = case.query.get("timeout")
                if isinstance(timeout, int | float) and timeout > 0.2:
                    case.query["timeout"] = 0.2  # long-polls would only make the run slow
            response = case.call(base_url=f"{fuzz_bridge.url}/api/v1", headers=headers,
                                 timeout=30)
            statuses.append(response.status_code)
            try:
                case.validate_response(response, checks=CHECKS)
            except Exception as exc:  # a failed check: collect them all, report at the end
                failures.append(f"{case.method} {case.formatted_path} -> "
                                f"{response.status_code}: {str(exc)[:600]}")

        run()
    print(f"schemathesis: {len(statuses)} cases over {len(operations)} operations")
    assert failures == [], "\n\n".join(failures[:10])
    # The fuzzer really exercised the API: many calls, both accepted and refused ones.
    assert len(statuses) > 10 * len(operations)
    assert any(s < 300 for s in statuses) and any(400 <= s < 500 for s in statuses)


STATEFUL_RUNS, STATEFUL_STEPS = 16, 6  # bounded: about 90 linked calls


def test_stateful_sequences_follow_the_links(api_doc, fuzz_bridge):
    """Sequences that follow the document's links (a job's id from POST /jobs or GET /jobs
    into GET, cancel and PATCH; a timeline's into DELETE; a take's from the list into GET and
    PATCH), every answer checked against the document."""
    headers = {"Authorization": f"Bearer {fuzz_bridge.token}"}
    failures: list[str] = []
    calls: list[tuple[str, str, int]] = []

    # The operations that give or take a linked id (every other one is fuzzed above).
    linked = set()
    for item in api_doc["paths"].values():
        for op in item.values():
            for answer in op.get("responses", {}).values():
                for link in answer.get("links", {}).values():
                    linked |= {op["operationId"], link["operationId"]}
    assert len(linked) >= 8
    schema = schemathesis.openapi.from_dict(api_doc).include(operation_id=sorted(linked))
    # Valid data and the token: sequences go deep enough to reach the linked operations
    # (the test above sends the invalid data).
    schema.config.generation.update(modes=[schemathesis.GenerationMode.POSITIVE],
                                    with_security_parameters=False)

    class Machine(schema.as_state_machine()):  # type: ignore[misc]
        def get_call_kwargs(self, case):
            return {"headers": headers, "timeout": 30,
                    "base_url": f"{fuzz_bridge.url}/api/v1"}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            calls.append((case.method, case.path, response.status_code))
            try:
                case.validate_response(response, checks=CHECKS)
            except Exception as exc:  # collected, reported together below
                failures.append(f"{case.method} {case.formatted_path} -> "
                                f"{response.status_code}: {str(exc)[:600]}")

    Machine.run(settings=settings(max_examples=STATEFUL_RUNS,
                                  stateful_step_count=STATEFUL_STEPS, deadline=None,
                                  derandomize=True,
                                  database=None, suppress_health_check=list(HealthCheck)))
    assert failures == [], "\n\n".join(failures[:10])
    # A link was followed: a take id only comes from an answer, a random one is a 404.
    assert ("GET", "/takes/{take_id}", 200) in calls, sorted(set(calls))


def test_the_take_record_type_names_every_key_a_take_record_holds(fuzz_bridge):
    """The take answer's `record` is typed from library.records.TakeRecord, and a typed
    answer leaves out keys its type does not name: so every key the finisher writes must
    be named there (a new one fails here, not silently in the panel)."""
    import json
    import sqlite3
    from pathlib import Path

    from bridge.library.records import TakeRecord

    take = fuzz_bridge.api("GET", "/takes").json()["takes"][0]
    record = json.loads(Path(take["media_path"]).with_suffix(".json").read_text("utf-8"))
    named = TakeRecord.__required_keys__ | TakeRecord.__optional_keys__
    with sqlite3.connect(f"file:{fuzz_bridge.data_dir / 'promptcut.sqlite3'}?mode=ro",
                         uri=True) as db:  # the record as the library keeps it
        (row,) = db.execute("SELECT record FROM takes WHERE id = ?", (take["id"],)).fetchone()
    assert set(json.loads(row)) <= named
    assert set(record) - {"library"} <= named
    assert set(record) - {"library"} <= set(take["record"])  # none left out of the answer
    assert take["record"]["request"]["prompt"] == "fuzz seed take"


def test_known_failures_stay_fixed(fuzz_bridge):
    """What schemathesis once found: a marker whose colour is null was a 500; a provider's
    `model.updated` event did not match the event's declared data."""
    take = fuzz_bridge.api("GET", "/takes").json()["takes"][0]
    cut = {"fps": 24, "entries": [{"take_id": take["id"], "markers": [
        {"name": None, "color": None, "frame": 0}]}]}
    made = fuzz_bridge.api("POST", "/timelines", json={"cut": cut, "formats": ["otio"]})
    assert made.status_code == 201, made.text
    assert made.json()["cut"]["entries"][0]["markers"][0]["color"] == "RED"  # the default

    after = fuzz_bridge.api("GET", "/events", params={"timeout": 0}).json()["last_seq"]
    assert fuzz_bridge.api("PUT", "/providers/fal/key", json={"key": "k" * 20}).ok
    page = fuzz_bridge.api("GET", "/events", params={"after": after, "timeout": 0}).json()
    updated = [e for e in page["events"] if e["kind"] == "model.updated"]
    assert updated and updated[0]["data"] == {"provider": "fal"}
    TypeAdapter(EventPage).validate_python(page)  # the answer is what the document says


# The maps the contract leaves open on purpose, and why (each also says so in its schema).
OPEN_ON_PURPOSE = {
    "/components/schemas/CredentialsOut/properties/generator/items":
        "a C2PA manifest's claim generator: any signer adds fields of its own",
    "/components/schemas/CredentialsOut/properties/actions/items":
        "a C2PA manifest's actions: any signer adds fields of its own",
    "/components/schemas/ProviderRef/properties/cost/anyOf/0":
        "what a cloud provider reported it cost, in its own words",
    "/components/schemas/TakeRecordOut/properties/generation":
        "what the generator reported; its keys follow the backend",
    "/components/schemas/Entry/properties/take/anyOf/0":
        "a cut's take as carried through timeline files (otio_export stays below the "
        "bridge and does not know its take type; an imported file may carry anything)",
    "/paths/~1openapi.json/get/responses/200/content/application~1json/schema":
        "the OpenAPI document itself, whose shape that specification defines",
}


def open_maps(node, path=""):
    """JSON pointers of every object schema that names no properties and takes any key."""
    if isinstance(node, dict):
        if (node.get("type") == "object" and "properties" not in node
                and node.get("additionalProperties", True) in (True, {})):
            yield path
        for key, value in node.items():
            yield from open_maps(value, f"{path}/{key.replace('~', '~0').replace('/', '~1')}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from open_maps(value, f"{path}/{i}")


def test_no_open_map_where_the_shape_is_known():
    from bridge.api.openapi import bare_document

    doc = bare_document()
    assert set(open_maps(doc)) == set(OPEN_ON_PURPOSE)
    for pointer in OPEN_ON_PURPOSE:  # each says in the document that it is free-form
        if pointer.startswith("/paths") or "Entry" in pointer:
            continue
        name, _, prop = pointer.split("/")[3:6]
        assert "free-form" in doc["components"]["schemas"][name]["properties"][prop].get(
            "description", "") + str(doc["components"]["schemas"][name]["properties"][prop])
