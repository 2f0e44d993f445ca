"""Schemathesis holds the API to its OpenAPI document: every registered operation, fuzzed in-process.

The document is derived from the api_route registry and the forms (chamber/api.py), so routes
added by any package are fuzzed as soon as they exist. Each generated request goes out twice,
with an organizer's token and with a member's; path parameters are the world's chamber, campaign
and entries (so bodies reach the validation and the operations) or generated ones. A request
fails the test if it answers 5xx, a status the document does not list for that operation, a
content type it does not list, or a body that breaks the listed schema (errors: the contract's
{"error": {code, message, fields}}).

CHAMBER_FUZZ_EXAMPLES sets the examples per operation and generation mode (default 4, about a
minute for the whole API on an idle machine); CHAMBER_FUZZ_RANDOM=1 draws new examples instead of the fixed ones.
"""
from __future__ import annotations

import os
import re
import time
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from chamber.api import API_ROUTES

EXAMPLES = int(os.environ.get("CHAMBER_FUZZ_EXAMPLES", "4"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]


def _strategy(operation: Any, params: dict[str, Any]) -> Any:
    names = re.findall(r"\{([a-z_]+)\}", operation.path)
    fixed = {name: params[name] for name in names if name in params}
    takes_input = operation.body or operation.query
    strategies = []
    if takes_input:  # bodies and queries of every kind, at the world's chamber, campaign and entries
        strategies += [operation.as_strategy(GenerationMode.POSITIVE, path_parameters=fixed),
                       operation.as_strategy(GenerationMode.NEGATIVE, path_parameters=fixed)]
    else:  # nothing to vary but the path: the world's once (a PDF takes seconds), then generated ones
        strategies.append(st.builds(lambda: operation.Case(path_parameters=dict(fixed))))
    if names:  # generated slugs and ids: 404s, never 500s
        strategies.append(operation.as_strategy(GenerationMode.POSITIVE))
    return st.one_of(strategies)


@pytest.mark.fuzz
def test_every_api_operation_keeps_to_the_document(app, world, token_for, extra_world_params, create_member):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    params = {**world["params"], **extra_world_params}
    organizer = token_for(world["people"]["organizer"])
    member = token_for(world["people"]["member"])
    failures: dict[str, str] = {}
    fuzzed = set()
    started = time.monotonic()
    timings = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        fuzzed.add((operation.method.upper(), operation.path))
        began = time.monotonic()

        @settings(max_examples=EXAMPLES * 3, deadline=None, database=None, phases=[Phase.generate],
                  derandomize=os.environ.get("CHAMBER_FUZZ_RANDOM") != "1", suppress_health_check=list(HealthCheck))
        @given(case=_strategy(operation, params))
        def run(case: Any) -> None:
            for headers in (organizer, member):
                case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            run()
        except (Exception, BaseExceptionGroup) as err:
            failures[f"{operation.method.upper()} {operation.path}"] = str(err)[:3000]
        timings[f"{operation.method.upper()} {operation.path}"] = round(time.monotonic() - began, 1)
    print(timings)
    documented = {(m, re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", r.path)) for r in API_ROUTES for m in r.methods
                  if r.endpoint != "openapi"}
    assert documented <= fuzzed, f"not fuzzed: {documented - fuzzed}"
    assert not failures, "\n\n".join(f"{op}:\n{text}" for op, text in failures.items())
    print(f"fuzzed {len(fuzzed)} operations in {time.monotonic() - started:.0f} s")
