"""Schemathesis against the example API (examples/api), in process over ASGI, on SQLite.

For every operation of the example's own document it generates requests — valid ones and, in
negative mode, ones that break the schema — and checks that no answer is a 5xx, that each status
code and content type is one the document lists, that each body matches its schema, and that
a request the document calls invalid is refused with a 4xx.  The run is bounded (few examples
per operation, derandomized, no example database) to stay well under a minute.

Every request is a JSON client's carrying a *fresh* bearer token of the demo user, who owns the
30 demo links: the authenticated operations are reached (and a generated ``DELETE
/tokens/{id}`` that revokes a token cannot lock the rest of the run out).  The demo password is
the one in ``TokenRequest``'s documented example, so the example request of ``POST /tokens/``
succeeds too.  ``Host: localhost`` is allowed by default; this client is not Trellis's own.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from examples.api import links as links_module
from examples.api.app import create_app
from examples.api.demo import DEMO_USERNAME, demo_token, load_demo
from examples.api.models import Link
from hypothesis import HealthCheck, settings
from openapi_spec_validator import validate
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup, ServerError
from schemathesis.openapi.checks import JsonSchemaError
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)
from tests.examples.test_api_example import settings_for

from trellis import App, JSONResponse
from trellis.auth import User
from trellis.db import Database, select
from trellis.migrations import Migrations
from trellis.openapi import openapi_document

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    # and, in negative mode, that whatever breaks the document is refused with a 4xx
    negative_data_rejection,
]
HEADERS = {"Host": "localhost", "Accept": "application/json"}
DEMO_PASSWORD = "correct horse battery staple"  # TokenRequest's documented example
#: The example's own operations.  The auth battery's HTML pages and the storage battery's
#: /media route are in the document too, but they are those batteries' to describe and test.
OWN_PATHS = r"^/(links/|tokens/|me$)"

#: (method, path template) -> the statuses the run got, for the coverage test at the end.
SEEN: dict[tuple[str, str], set[int]] = defaultdict(set)


# The schema is loaded when the module is imported, so the app is made then; its folder (the
# SQLite file, the media) is only created, migrated and filled by the fixture below, and removed
# after the module.  Loading the document touches neither.
FOLDER = Path(tempfile.gettempdir()) / f"trellis-api-schemathesis-{uuid.uuid4().hex[:12]}"
APP = create_app(settings_for(f"sqlite:///{FOLDER / 'api.db'}", FOLDER / "media"))


def load_schema(app: App) -> Any:
    loaded = schemathesis.openapi.from_asgi("/openapi.json", app, headers=HEADERS)
    loaded.config.generation.update(
        modes=["positive", "negative"],
        deterministic=True,
        database="none",
        with_security_parameters=False,
    )
    return loaded.include(path_regex=OWN_PATHS)


schema = load_schema(APP)


@pytest.fixture(scope="module")
def api_app() -> Iterator[App]:
    FOLDER.mkdir()
    try:
        Migrations(APP).upgrade()
        with Database.of(APP).session() as db:
            load_demo(db, DEMO_PASSWORD)
        yield APP
    finally:
        Database.of(APP).engines().dispose_sync()
        shutil.rmtree(FOLDER, ignore_errors=True)


def fresh_token(app: App) -> dict[str, str]:
    with Database.of(app).session() as db:
        return {**HEADERS, "Authorization": f"Bearer {demo_token(db, 'schemathesis')}"}


@schema.parametrize()
@settings(
    max_examples=25,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_server_error_and_every_answer_matches_the_document(
    case: schemathesis.Case, api_app: App
) -> None:
    response = case.call_and_validate(headers=fresh_token(api_app), checks=CHECKS)
    SEEN[(case.operation.method.upper(), case.operation.path)].add(response.status_code)


def test_the_run_reached_every_operation_past_its_guard() -> None:
    """The run above is only worth something if authenticated requests got through."""
    if not SEEN:
        pytest.skip("runs after the schemathesis test, in the same session")
    assert set(SEEN) == {
        ("GET", "/links/"),
        ("POST", "/links/"),
        ("GET", "/links/{id}"),
        ("PATCH", "/links/{id}"),
        ("DELETE", "/links/{id}"),
        ("PUT", "/links/{id}/image"),
        ("DELETE", "/links/{id}/image"),
        ("POST", "/tokens/"),
        ("GET", "/tokens/"),
        ("DELETE", "/tokens/{id}"),
        ("GET", "/me"),
    }
    for operation, statuses in SEEN.items():
        if operation != ("POST", "/tokens/"):  # where 401 means a wrong password
            assert 401 not in statuses, operation  # the token was good for every request
        # Past the guard and the validation, into the handler's own answers.
        assert statuses & {200, 201, 204, 404}, (operation, statuses)
    # The fuzzer deletes the low-numbered demo links early on, and generated bytes are never an
    # image, so the picture operations answer 404 or 422; every other one also succeeded.
    pictures = {("PUT", "/links/{id}/image"), ("DELETE", "/links/{id}/image")}
    for operation in set(SEEN) - pictures:
        assert any(200 <= status < 300 for status in SEEN[operation]), operation
    assert 422 in SEEN[("PUT", "/links/{id}/image")]  # ...but they reached the image check


def test_the_document_is_valid_openapi_and_shows_no_secrets(api_app: App) -> None:
    document = openapi_document(api_app)
    validate(document)
    schemas = document["components"]["schemas"]
    text = str(schemas)
    for secret in ("password_hash", "token_hash", "lookup"):
        assert secret not in text
    assert set(schemas["LinkOut"]["properties"]) == {
        "id",
        "url",
        "title",
        "notes",
        "tags",
        "owner",
        "image",
        "created",
        "updated",
    }
    paths = document["paths"]
    assert paths["/links/"]["get"]["security"] == [{"bearer": []}]
    assert paths["/tokens/"]["post"]["security"] == []  # the password is in the body
    assert {"401", "403", "422"} <= set(paths["/links/{id}"]["patch"]["responses"])
    upload = paths["/links/{id}/image"]["put"]["requestBody"]["content"]["multipart/form-data"]
    assert upload["schema"]["properties"]["image"]["format"] == "binary"


# --- the run finds planted bugs ----------------------------------------------------------------


def _read_link_case(app: App) -> Any:
    """A request for a link that exists (the fuzzer may have deleted the demo ones)."""
    with Database.of(app).session() as db:
        owner = db.scalars(select(User).where(User.username == DEMO_USERNAME)).one()
        link = Link(owner=owner, url="https://example.com/", title="Planted")
        db.add(link)
        db.flush()
        link_id = link.id
    operation = load_schema(app)["/links/{id}"]["GET"]
    return operation.Case(path_parameters={"id": link_id})


def failures_of(case: Any, app: App) -> set[type[Exception]]:
    """The kinds of failure the checks find in ``case``'s answer (at least one)."""
    with pytest.raises((Failure, FailureGroup)) as caught:
        case.call_and_validate(headers=fresh_token(app), checks=CHECKS)
    return {type(failure) for failure in getattr(caught.value, "exceptions", (caught.value,))}


def test_a_planted_server_error_is_caught(api_app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(link: Any, storage: Any) -> Any:
        raise RuntimeError("planted")

    case = _read_link_case(api_app)
    case.call_and_validate(headers=fresh_token(api_app), checks=CHECKS)  # fine as it is
    monkeypatch.setattr(links_module, "present", broken)
    assert ServerError in failures_of(case, api_app)


def test_a_planted_answer_off_its_schema_is_caught(
    api_app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    def off_schema(link: Any, storage: Any) -> Any:
        return JSONResponse({"id": "one", "title": None})  # a Response passes unfiltered

    monkeypatch.setattr(links_module, "present", off_schema)
    case = _read_link_case(api_app)
    assert JsonSchemaError in failures_of(case, api_app)
