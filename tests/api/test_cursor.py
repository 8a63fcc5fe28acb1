"""Cursor pagination over lists, and the cursor itself: typed, signed, refused when forged."""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid
from decimal import Decimal
from typing import Any

import pytest

from trellis import App
from trellis.api import CursorPage, CursorParams, Pagination
from trellis.api.cursor import decode_cursor, encode_cursor, signer_for
from trellis.conf import Settings
from trellis.exceptions import BadRequest
from trellis.testing import TestClient

OLD_KEY = "T3aICvdF_y202jHqPHw7UTLGRmOWTCP_N-24NPudqohXagDy72k9Ow"
NEW_KEY = "cvSvNi6QMYyr9FGOO5dKIOBSYwJ3KcwSCM7kOuMg6q6rz_o-kbWt3A"
EVENTS = [{"id": i, "day": dt.date(2024, 1, 1 + i // 3)} for i in range(1, 12)]


def make_app(settings: Settings | None = None) -> App:
    app = App(settings=settings)
    app.install(Pagination(default_limit=4))

    @app.get("/events")
    def events(page: CursorParams) -> CursorPage[Any]:
        return page.paginate(EVENTS, key=lambda e: (e["day"], e["id"]))

    @app.get("/newest")
    def newest(page: CursorParams) -> CursorPage[Any]:
        ordered = sorted(EVENTS, key=lambda e: e["id"], reverse=True)
        return page.paginate(ordered, key=lambda e: e["id"], descending=True)

    return app


def ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.text
    return [e["id"] for e in response.json()["items"]]


def walk(client: TestClient, url: str, direction: str) -> list[list[int]]:
    pages = []
    while url:
        response = client.get(url)
        pages.append(ids(response))
        url = response.json()[direction]
    return pages


def test_forward_and_back_again() -> None:
    with TestClient(make_app()) as client:
        forward = walk(client, "/events", "next")
        assert forward == [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11]]
        last = client.get("/events").headers["link"].split(", ")[-1]
        assert last.endswith('rel="last"')
        last_url = last.split(";")[0].strip("<>")
        backward = walk(client, last_url, "previous")
    assert backward == [[8, 9, 10, 11], [4, 5, 6, 7], [1, 2, 3]]


def test_descending_lists() -> None:
    with TestClient(make_app()) as client:
        assert walk(client, "/newest?limit=5", "next") == [
            [11, 10, 9, 8, 7],
            [6, 5, 4, 3, 2],
            [1],
        ]


def test_the_envelope_and_links() -> None:
    with TestClient(make_app()) as client:
        first = client.get("/events?limit=2").json()
        second = client.get(first["next"])
    body = second.json()
    assert set(body) == {"items", "limit", "next", "previous", "next_cursor", "previous_cursor"}
    assert first["previous"] is None
    assert first["previous_cursor"] is None
    assert first["next"] == f"/events?limit=2&cursor={first['next_cursor']}"
    assert body["previous"] is not None
    rels = [part.split('rel="')[1].rstrip('"') for part in second.headers["link"].split(", ")]
    assert rels == ["first", "prev", "next", "last"]


def forge(cursor: str, change: dict[str, Any]) -> str:
    payload, _, signature = cursor.rpartition(".")
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    data.update(change)
    raw = base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")
    return f"{raw}.{signature}"


@pytest.mark.parametrize(
    "mangle",
    [
        lambda c: c[:-2] + ("AA" if not c.endswith("AA") else "BB"),  # signature broken
        lambda c: forge(c, {"v": [["i", 1000]]}),  # a value edited, old signature
        lambda c: "not a cursor",
        lambda c: "x" * 2000,  # longer than max_cursor_length
        lambda c: "",  # empty: no cursor, first page
    ],
)
def test_a_bad_cursor_is_a_400(mangle: Any) -> None:
    with TestClient(make_app()) as client:
        cursor = client.get("/events").json()["next_cursor"]
        response = client.get("/events", params={"cursor": mangle(cursor)})
    if mangle(cursor) == "":
        assert response.status_code == 200
    else:
        assert response.status_code == 400
        assert "Invalid cursor" in response.text


def test_a_cursor_for_another_listing_is_a_400() -> None:
    with TestClient(make_app()) as client:
        cursor = client.get("/events").json()["next_cursor"]
        response = client.get("/newest", params={"cursor": cursor})
    assert response.status_code == 400
    assert "another listing" in response.text


def test_cursors_are_signed_with_the_secret_key_and_survive_rotation() -> None:
    old = make_app(Settings(secret_key=OLD_KEY))
    with TestClient(old) as client:
        cursor = client.get("/events").json()["next_cursor"]
    with TestClient(make_app()) as client:  # no secret key: another key, refused
        assert client.get("/events", params={"cursor": cursor}).status_code == 400
    rotated = make_app(Settings(secret_key=NEW_KEY, secret_key_fallbacks=[OLD_KEY]))
    with TestClient(rotated) as client:
        assert ids(client.get("/events", params={"cursor": cursor})) == [5, 6, 7, 8]


@pytest.mark.parametrize(
    "values",
    [
        (1, "a", True, 2.5),
        (dt.datetime(2024, 5, 1, 12, 30, 1, 5, tzinfo=dt.UTC), 7),
        (dt.date(2024, 5, 1), dt.time(8, 15)),
        (Decimal("12.3400"), uuid.UUID(int=5)),
    ],
)
def test_typed_values_round_trip(values: tuple[Any, ...]) -> None:
    signer = signer_for(None)
    text = encode_cursor(signer, values, True, "f")
    decoded = decode_cursor(signer, text, 1024)
    assert decoded.values == values
    assert [type(v) for v in decoded.values or ()] == [type(v) for v in values]
    assert decoded.forward is True


def test_forged_types_are_refused() -> None:
    signer = signer_for(None)
    bad = signer.dumps({"v": [["i", "1"]], "d": "n", "f": "x"})
    with pytest.raises(BadRequest):
        decode_cursor(signer, bad, 1024)
    with pytest.raises(BadRequest):
        decode_cursor(signer, signer.dumps({"v": [["zz", 1]], "d": "n", "f": "x"}), 1024)
    with pytest.raises(TypeError, match="bytes"):
        encode_cursor(signer, (b"raw",), True, "f")


def test_list_cursor_needs_a_key() -> None:
    with pytest.raises(TypeError, match="key"):
        CursorParams().paginate([1, 2, 3])
    page = CursorParams(limit=2).paginate([1, 2, 3], key=lambda n: n)
    assert page.items == [1, 2]
    assert page.next_cursor is not None
    assert page.next == page.links["next"]
