"""Suite-wide safety nets."""

import os
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _restore_environment() -> Iterator[None]:
    """Whatever a test (or code under test, like ``trellis run``) puts in ``os.environ`` is undone,
    so settings read by a later test's ``App()`` never depend on test order."""
    saved = dict(os.environ)
    yield
    if os.environ != saved:
        os.environ.clear()
        os.environ.update(saved)
