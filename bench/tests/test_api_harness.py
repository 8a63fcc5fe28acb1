"""The validate-and-echo test's data and wrk script (no timings: the harness, not the apps)."""

import json

import pytest
from api_common import BODY, INVALID, PAYLOAD, Order
from benchlib.api import API_APPS, lua_script
from pydantic import ValidationError


def test_the_payload_has_twenty_fields_and_is_valid() -> None:
    assert len(PAYLOAD) == 20
    assert set(Order.model_fields) == set(PAYLOAD)
    assert Order.model_validate_json(BODY).model_dump(mode="json") == PAYLOAD


def test_the_invalid_payload_breaks_three_rules() -> None:
    with pytest.raises(ValidationError) as caught:
        Order.model_validate_json(INVALID)
    assert {e["loc"][0] for e in caught.value.errors()} == {"quantity", "currency", "email"}


def test_the_wrk_script_posts_the_body_as_json() -> None:
    script = lua_script()
    assert 'wrk.method = "POST"' in script
    assert 'wrk.headers["Content-Type"] = "application/json"' in script
    body_line = next(line for line in script.splitlines() if line.startswith("wrk.body = "))
    assert json.loads(json.loads(body_line.removeprefix("wrk.body = "))) == PAYLOAD


def test_trellis_is_the_base_of_the_ratios() -> None:
    assert next(iter(API_APPS)) == "trellis"
    assert {spec.label for spec, _ in API_APPS.values()} == {
        "Trellis",
        "FastAPI",
        "Litestar",
        "Django REST framework",
    }
