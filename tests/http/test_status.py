from __future__ import annotations

from http import HTTPStatus

from trellis.http import status


def test_every_http_status_has_a_constant() -> None:
    # __members__ includes the aliases newer Pythons add (HTTP_413_CONTENT_TOO_LARGE ...)
    for name, code in HTTPStatus.__members__.items():
        assert getattr(status, f"HTTP_{code.value}_{name}") == code.value
    assert status.HTTP_413_CONTENT_TOO_LARGE == status.HTTP_413_REQUEST_ENTITY_TOO_LARGE


def test_common_names() -> None:
    assert status.HTTP_200_OK == 200
    assert status.HTTP_404_NOT_FOUND == 404
    assert status.HTTP_413_REQUEST_ENTITY_TOO_LARGE == 413
    assert status.WS_1000_NORMAL_CLOSURE == 1000
    assert status.WS_1008_POLICY_VIOLATION == 1008


def test_all_lists_every_constant() -> None:
    public = {name for name in vars(status) if name.startswith(("HTTP_", "WS_"))}
    assert set(status.__all__) == public
