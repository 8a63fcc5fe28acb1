"""Missing optional packages are reported with the pip command that installs them."""

import sys

import pytest

from trellis.exceptions import MissingDependency
from trellis.optional import require


def test_present_module_is_returned() -> None:
    assert require("json", extra="x", feature="JSON") is sys.modules["json"]


def test_missing_module_names_the_extra_and_the_pip_command() -> None:
    with pytest.raises(MissingDependency) as info:
        require("surely_not_installed_pkg.sub", extra="db", feature="The database battery")
    message = str(info.value)
    assert 'pip install "trellis[db]"' in message
    assert "The database battery" in message
    assert "surely_not_installed_pkg" in message
    assert isinstance(info.value, ImportError)


def test_test_client_without_httpx_raises_missing_dependency(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import trellis.testing

    monkeypatch.setitem(sys.modules, "httpx", None)  # an import of httpx now fails
    monkeypatch.delitem(trellis.testing.__dict__, "TestClient", raising=False)
    with pytest.raises(MissingDependency, match=r"trellis\[testing\]"):
        trellis.testing.TestClient  # noqa: B018
