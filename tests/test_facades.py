"""A package facade's function never turns into the module of the same name.

Importing ``pkg.name`` sets the attribute ``name`` on the package to the module, which would
shadow a function exported under that name (``from trellis.auth import login`` must stay the
function once the auth battery has loaded its modules).
"""

import importlib
import pkgutil

import pytest

import trellis

FACADES = [
    "trellis.auth",
    "trellis.staticfiles",
    "trellis.sessions",
    "trellis.security",
    "trellis.forms",
    "trellis.mail",
    "trellis.images",
    "trellis.storage",
    "trellis.api",
    "trellis.cors",
    "trellis.ratelimit",
    "trellis.openapi",
    "trellis.health",
    "trellis.templates",
    "trellis.db",
    "trellis.migrations",
    "trellis.http",
    "trellis.testing",
]


@pytest.mark.parametrize("name", FACADES)
def test_no_exported_name_is_also_a_submodule(name: str) -> None:
    package = importlib.import_module(name)
    exported = set(getattr(package, "__all__", ()))
    submodules = {info.name for info in pkgutil.iter_modules(package.__path__)}
    assert exported & submodules == set(), f"{name}: rename the module(s) {exported & submodules}"


def test_the_core_facade_too() -> None:
    submodules = {info.name for info in pkgutil.iter_modules(trellis.__path__)}
    assert set(trellis.__all__) & submodules == set()
