"""Runs the example tests of docs/testing.md against the example app, through the plugin."""

from __future__ import annotations

import pytest
from docs.examples import testing as example
from docs.examples.testing import (  # collected here, as a project would collect its own tests
    test_async_client,
    test_cookies_persist_between_requests,
    test_index,
    test_override_a_setting,
    test_server_errors_are_raised_in_the_test,
    test_websocket,
    test_what_a_user_sees_on_a_server_error,
)

from trellis import App

__all__ = [
    "test_async_client",
    "test_cookies_persist_between_requests",
    "test_index",
    "test_override_a_setting",
    "test_server_errors_are_raised_in_the_test",
    "test_websocket",
    "test_what_a_user_sees_on_a_server_error",
]


@pytest.fixture
def app() -> App:
    return example.app


def test_settings_override_was_undone() -> None:
    # runs after test_override_a_setting in file order
    assert example.app.settings.greeting == "Hello"
