"""Start-up freezes the heap it made, once per process, unless ``gc_freeze`` is off."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from trellis import App, dispatch
from trellis.conf import Settings
from trellis.testing import TestClient


@pytest.fixture
def unfrozen(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    gc.unfreeze()
    monkeypatch.setattr(dispatch, "_heap_frozen", False)
    yield
    gc.unfreeze()


def test_the_first_start_up_freezes_what_start_up_made(unfrozen: None) -> None:
    made_at_start_up = [object() for _ in range(10)]  # noqa: F841 - kept alive on purpose
    assert gc.get_freeze_count() == 0
    with TestClient(App()):
        frozen = gc.get_freeze_count()
        assert frozen > 0
    leftovers = [[] for _ in range(1000)]  # tracked objects made after the freeze
    with TestClient(App()):
        assert gc.get_freeze_count() <= frozen  # the leftovers were not frozen: once per process
    del leftovers


def test_gc_freeze_off_leaves_the_collector_alone(unfrozen: None) -> None:
    with TestClient(App(settings=Settings(gc_freeze=False))):
        assert gc.get_freeze_count() == 0
