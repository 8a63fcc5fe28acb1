"""Suite-wide safety nets."""

import os
import sys
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


@pytest.fixture(autouse=True)
def _forget_temporary_modules(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """A module a test imported from a temporary folder (an ``app.py`` written for a CLI or
    project test) is forgotten afterwards, with the ``sys.path`` entry that found it: the next
    test's ``import app`` must find its own file, not this one.  Trellis's own modules stay, or
    its classes would exist twice."""
    base = str(tmp_path_factory.getbasetemp())
    modules = set(sys.modules)
    path = list(sys.path)
    yield
    for name in set(sys.modules) - modules:
        module = sys.modules.get(name)
        if str(getattr(module, "__file__", None) or "").startswith(base):
            del sys.modules[name]
    if sys.path != path:
        sys.path[:] = [entry for entry in sys.path if entry in path or not entry.startswith(base)]
