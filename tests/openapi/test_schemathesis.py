"""Schemathesis against the example notes API (docs/examples/openapi.py), in process over ASGI.

For every operation of the document it generates requests — valid ones and, in negative mode,
ones that break the schema — and checks that no answer is a 5xx, that each status code and
content type is one the document lists, and that each body matches its schema.  The run is
bounded (few examples per operation, derandomized, no example database) to stay well under a
minute.  Requests are a JSON client's (``Accept: application/json``, so error bodies are problem
details checked against their schema) carrying a valid token, so the secured operations are
reached too, and ``Host: localhost`` (allowed by default), since this client is not Trellis's
own, whose ``testserver`` host the security battery lets through.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from docs.examples import openapi as example
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

HEADERS = {
    "Host": "localhost",
    "Accept": "application/json",
    "Authorization": "Bearer demo-token",
}
schema = schemathesis.openapi.from_asgi("/openapi.json", example.app, headers=HEADERS)
schema.config.generation.update(
    modes=["positive", "negative"],
    deterministic=True,
    database="none",
    with_security_parameters=False,
)


@pytest.fixture(autouse=True, scope="module")
def _restore_notes() -> Iterator[None]:
    """The run writes notes; the example's other tests expect the ones it starts with."""
    saved = dict(example.NOTES)
    yield
    example.NOTES.clear()
    example.NOTES.update(saved)


@schema.parametrize()
@settings(
    max_examples=25,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_server_error_and_every_answer_matches_the_document(case: schemathesis.Case) -> None:
    case.call_and_validate(headers=HEADERS, checks=CHECKS)


def test_the_run_covers_every_documented_operation() -> None:
    """The parametrized test above is only worth something if it reaches every operation."""
    operations = {
        (result.ok().method.upper(), result.ok().path) for result in schema.get_all_operations()
    }
    assert operations == {
        ("GET", "/notes/"),
        ("POST", "/notes/"),
        ("GET", "/notes/{id}"),
        ("DELETE", "/notes/{id}"),
        ("POST", "/feedback"),
    }
