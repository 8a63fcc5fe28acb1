"""A handler's Form parameter is bound to the request: the body on POST/PUT/PATCH/DELETE, nothing
on GET, in ``def`` and ``async def`` handlers alike."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from trellis import App, Request
from trellis.exceptions import ConfigurationError
from trellis.forms import (
    BooleanField,
    DataRequired,
    FileField,
    Form,
    Forms,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
)
from trellis.forms.convention import install_if_used
from trellis.testing import TestClient


class ProfileForm(Form):
    name = StringField("Name", [DataRequired()], default="anonymous")
    age = IntegerField("Age")
    newsletter = BooleanField("Newsletter", default=True)
    avatar = FileField("Avatar")


@dataclass
class Profile:
    name: str = "Ann"
    age: int | None = 40
    newsletter: bool = True
    avatar: Any = None


def describe(form: ProfileForm) -> dict[str, Any]:
    avatar = form.avatar.data
    return {
        "submitted": form.is_submitted(),
        "name": form.name.data,
        "age": form.age.data,
        "newsletter": form.newsletter.data,
        "avatar": None if avatar is None else [avatar.filename, avatar.size],
    }


def make_app() -> App:
    app = App()
    app.install(Forms())

    @app.route("/sync", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    def sync_view(form: ProfileForm) -> dict[str, Any]:
        return describe(form)

    @app.route("/async", methods=["GET", "POST"])
    async def async_view(form: ProfileForm) -> dict[str, Any]:
        return describe(form)

    @app.route("/edit", methods=["GET", "POST"])
    def edit(form: ProfileForm) -> dict[str, Any]:
        form.fill(Profile())
        return describe(form)

    return app


@pytest.fixture
def client() -> Any:
    with TestClient(make_app()) as client:
        yield client


@pytest.mark.parametrize("path", ["/sync", "/async"])
def test_url_encoded_post_is_bound_and_coerced(client: TestClient, path: str) -> None:
    got = client.post(path, data={"name": "Bob", "age": "31"}).json()
    # the unticked checkbox is False even though its default is True: the form was submitted
    assert got == {
        "submitted": True,
        "name": "Bob",
        "age": 31,
        "newsletter": False,
        "avatar": None,
    }


@pytest.mark.parametrize("path", ["/sync", "/async"])
def test_multipart_post_binds_fields_and_files(client: TestClient, path: str) -> None:
    files = {"avatar": ("me.png", b"\x89PNG-bytes", "image/png")}
    got = client.post(path, data={"name": "Cy", "newsletter": "y"}, files=files).json()
    assert got["name"] == "Cy"
    assert got["newsletter"] is True
    assert got["avatar"] == ["me.png", 10]


def test_an_empty_file_input_is_no_file(client: TestClient) -> None:
    # what a browser sends for a file input left empty: a part with no name and no bytes
    files = {"avatar": ("", b"", "application/octet-stream")}
    assert client.post("/sync", data={"name": "x"}, files=files).json()["avatar"] is None


@pytest.mark.parametrize("path", ["/sync", "/async"])
def test_get_is_not_bound_and_shows_the_defaults(client: TestClient, path: str) -> None:
    got = client.get(path, params={"name": "from-query", "age": "9"}).json()
    assert got == {
        "submitted": False,
        "name": "anonymous",
        "age": None,
        "newsletter": True,
        "avatar": None,
    }


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_other_unsafe_methods_are_bound(client: TestClient, method: str) -> None:
    response = client.request(method, "/sync", data={"name": "Dee"})
    assert response.json()["submitted"] is True
    assert response.json()["name"] == "Dee"


def test_a_json_body_binds_nothing(client: TestClient) -> None:
    got = client.post("/sync", json={"name": "Eve"}).json()
    assert got["submitted"] is True
    assert got["name"] == "anonymous"  # JSON is for body models; the form saw no fields


def test_fill_gives_initial_values_and_the_submission_wins(client: TestClient) -> None:
    shown = client.get("/edit").json()
    assert (shown["name"], shown["age"], shown["newsletter"]) == ("Ann", 40, True)
    posted = client.post("/edit", data={"name": "Ann B"}).json()
    assert (posted["name"], posted["newsletter"]) == ("Ann B", False)


def test_a_handler_may_build_its_forms_itself_with_a_prefix() -> None:
    app = App()
    app.install(Forms())

    @app.post("/two")
    async def two(request: Request) -> dict[str, Any]:
        first = await ProfileForm.from_request(request, prefix="a")
        second = await ProfileForm.from_request(request, prefix="b")
        return {"a": first.name.data, "b": second.name.data}

    with TestClient(app) as client:
        got = client.post("/two", data={"a-name": "one", "b-name": "two", "name": "neither"})
    assert got.json() == {"a": "one", "b": "two"}


class ColourForm(Form):
    colour = SelectField("Colour")

    async def prepare(self) -> None:
        await super().prepare()
        self.colour.choices = [SelectChoice("red", "Red"), SelectChoice("blue", "Blue")]


def test_prepare_runs_before_the_handler_and_may_await() -> None:
    app = App()
    app.install(Forms())

    @app.route("/colour", methods=["GET", "POST"])
    def colour(form: ColourForm) -> dict[str, Any]:
        return {"valid": form.validate_on_submit(), "errors": form.errors}

    with TestClient(app) as client:
        assert client.post("/colour", data={"colour": "blue"}).json()["valid"] is True
        refused = client.post("/colour", data={"colour": "green"}).json()
    assert refused == {"valid": False, "errors": {"colour": ["Not a valid choice."]}}


def test_a_form_parameter_binds_without_installing_anything() -> None:
    # The trellis.conventions entry point installs Forms() at start-up, as forms are in use.
    app = App()

    @app.post("/x")
    def view(form: ProfileForm) -> str:
        return type(form).__name__

    client = TestClient(app)
    assert client.post("/x", data={}).text == "ProfileForm"
    assert isinstance(app.extensions["forms"], Forms)


def test_the_convention_installs_the_battery_once_forms_are_imported() -> None:
    app = App()
    battery = install_if_used(app)
    assert isinstance(battery, Forms)  # this module defined forms: trellis.forms.form is loaded
    assert app.extensions["forms"] is battery
    assert install_if_used(app) is None  # installed already: left alone
    with pytest.raises(ConfigurationError, match="already"):
        app.install(Forms())


def test_max_choices_comes_from_the_settings_and_must_be_positive(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TRELLIS_FORMS_MAX_CHOICES", "7")
    assert App().install(Forms()).max_choices == 7
    assert App().install(Forms(max_choices=3)).max_choices == 3
    with pytest.raises(ConfigurationError, match="at least 1"):
        App().install(Forms(max_choices=0))


def test_data_and_populate_obj() -> None:
    form = ProfileForm(_FormData({"name": ["Zed"], "age": ["5"]}))
    assert form.data == {"name": "Zed", "age": 5, "newsletter": False, "avatar": None}
    profile = Profile()
    form.populate_obj(profile)
    assert (profile.name, profile.age, profile.newsletter) == ("Zed", 5, False)
    assert form.is_submitted()
    assert ProfileForm().is_submitted() is False


class _FormData(dict[str, list[str]]):
    def getlist(self, key: str) -> list[str]:
        return self.get(key, [])
