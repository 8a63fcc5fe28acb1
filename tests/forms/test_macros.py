"""The Jinja2 macros render fields accessibly: the HTML is parsed and its attributes checked."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from tests.forms.support import Element, parse, settings

from trellis import App, Template
from trellis.forms import (
    BooleanField,
    DataRequired,
    FileField,
    Form,
    Forms,
    Length,
    RadioField,
    SelectChoice,
    StringField,
    SubmitField,
    TextAreaField,
)
from trellis.security.csrf import CSRF, csrf_exempt
from trellis.templates import Templates
from trellis.testing import TestClient

PAGE = """{% from "forms/macros.html" import render_field, render_form %}
{%- if whole -%}
{{ render_form(form, action="/post", submit_label="Publish", id="post-form") }}
{%- else -%}
{{ render_field(form.title, class_="wide", placeholder="A title", data_role="title") }}
{{ render_field(form.body, help="Markdown works") }}
{{ render_field(form.pinned) }}
{{ render_field(form.kind) }}
{%- endif %}"""


class PostForm(Form):
    title = StringField("Title", [DataRequired(), Length(max=20)], description="Keep it short")
    body = TextAreaField("Body")
    pinned = BooleanField("Pin it")
    kind = RadioField(
        "Kind",
        [DataRequired()],
        choices=[SelectChoice("note", "Note"), SelectChoice("essay", "Essay")],
    )


class UploadForm(Form):
    caption = StringField("Caption")
    image = FileField("Image")
    send = SubmitField("Send it")


def write_page(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "page.html").write_text(PAGE)
    return folder


def make_app(folder: Path, *, csrf: bool = False) -> App:
    app = App(settings=settings())
    app.install(Templates(str(folder)))
    app.install(Forms())
    if csrf:
        app.install(CSRF())

    @app.route("/post", methods=["GET", "POST"])
    @csrf_exempt
    def post(form: PostForm, whole: bool = False) -> Template:
        form.validate_on_submit()
        return Template("page.html", form=form, whole=whole)

    @app.get("/upload")
    def upload(form: UploadForm) -> Template:
        return Template("page.html", form=form, whole=True)

    return app


@pytest.fixture
def client(tmp_path: Path) -> Any:
    with TestClient(make_app(write_page(tmp_path / "templates"))) as client:
        yield client


def described_ids(element: Element) -> list[str]:
    return (element.attrs.get("aria-describedby") or "").split()


def test_a_field_without_errors(client: TestClient) -> None:
    doc = parse(client.get("/post").text)
    label = doc.find("label", for_="title")
    assert label.text == "Title"
    field = doc.find("input", id="title")
    assert "required" in field.attrs  # from DataRequired
    assert field.attrs["maxlength"] == "20"  # from Length
    assert "aria-invalid" not in field.attrs
    assert described_ids(field) == ["title-help"]
    assert doc.find(id="title-help").text == "Keep it short"
    assert doc.find_all("ul") == []
    # keyword arguments become attributes
    assert field.attrs["class"] == "wide"
    assert field.attrs["placeholder"] == "A title"
    assert field.attrs["data-role"] == "title"
    # no help, no errors: nothing to describe it
    assert "aria-describedby" not in doc.find("input", id="pinned").attrs


def test_a_field_with_errors_points_at_them(client: TestClient) -> None:
    doc = parse(client.post("/post", data={"title": "x" * 25, "body": "b"}).text)
    field = doc.find("input", id="title")
    assert field.attrs["aria-invalid"] == "true"
    assert described_ids(field) == ["title-help", "title-errors"]
    errors = doc.find("ul", id="title-errors")
    assert [li.text for li in errors.find_all("li")] == [
        "Field cannot be longer than 20 characters."
    ]
    assert field.attrs["value"] == "x" * 25  # what the user typed comes back
    # help given to the macro wins over the field's description
    body = doc.find("textarea", id="body")
    assert described_ids(body) == ["body-help"]
    assert doc.find(id="body-help").text == "Markdown works"


def test_every_id_aria_describedby_names_exists(client: TestClient) -> None:
    doc = parse(client.post("/post", data={"title": "", "kind": "poem"}).text)
    ids = {e.attrs.get("id") for e in doc.iter()}
    described = [i for e in doc.iter() for i in described_ids(e)]
    assert described
    assert set(described) <= ids


def test_a_checkbox_comes_before_its_label(client: TestClient) -> None:
    doc = parse(client.get("/post").text)
    box = doc.find("input", id="pinned")
    wrapper = next(e for e in doc.iter() if box in e.children)
    tags = [child.tag for child in wrapper.children]
    assert tags == ["input", "label"]
    assert wrapper.children[1].attrs["for"] == "pinned"


def test_radio_buttons_are_a_fieldset_with_a_legend(client: TestClient) -> None:
    doc = parse(client.post("/post", data={"title": "t", "kind": "poem"}).text)
    fieldset = doc.find("fieldset")
    assert fieldset.find("legend").text == "Kind"
    radios = fieldset.find_all("input", type="radio")
    assert [r.attrs["value"] for r in radios] == ["note", "essay"]
    for radio in radios:
        assert fieldset.find("label", for_=radio.attrs["id"])
        assert radio.attrs["aria-invalid"] == "true"
    assert described_ids(fieldset) == ["kind-errors"]
    assert fieldset.find("ul", id="kind-errors").text == "Not a valid choice."


def test_render_form(client: TestClient) -> None:
    doc = parse(client.get("/post", params={"whole": "true"}).text)
    form = doc.find("form")
    assert (form.attrs["method"], form.attrs["action"], form.attrs["id"]) == (
        "post",
        "/post",
        "post-form",
    )
    assert "enctype" not in form.attrs
    assert [b.text for b in form.find_all("button")] == ["Publish"]
    assert [label.attrs["for"] for label in form.find_all("label")][:3] == [
        "title",
        "body",
        "pinned",
    ]


def test_render_form_with_a_file_and_its_own_submit_button(client: TestClient) -> None:
    form = parse(client.get("/upload").text).find("form")
    assert form.attrs["enctype"] == "multipart/form-data"
    assert form.find_all("button") == []  # the form's SubmitField replaces the default button
    assert form.find("input", type="submit").attrs["value"] == "Send it"


def test_a_csrf_failure_is_announced_above_the_form(tmp_path: Path) -> None:
    app = make_app(write_page(tmp_path / "templates"), csrf=True)
    with TestClient(app) as client:
        page = parse(client.get("/post", params={"whole": "true"}).text)
        hidden = page.find("input", name="csrf_token")
        assert hidden.attrs["type"] == "hidden"
        assert hidden.attrs["value"]
        assert page.find_all(role="alert") == []
        failed = parse(client.post("/post?whole=true", data={"title": "t"}).text)
    alert = failed.find(role="alert")
    assert "expired" in alert.text
    form = failed.find("form")
    assert form.children[0] is alert  # first thing in the form


def test_a_project_overrides_the_macros(tmp_path: Path) -> None:
    folder = write_page(tmp_path / "templates")
    (folder / "forms").mkdir()
    (folder / "forms" / "macros.html").write_text(
        "{% macro render_field(field, help=none) %}<b>{{ field.label.text }}</b>"
        "{{ kwargs and '' }}{% endmacro %}"
        "{% macro render_form(form) %}{% endmacro %}"
    )
    with TestClient(make_app(folder)) as client:
        text = client.get("/post").text
    assert re.findall(r"<b>([\w ]+)</b>", text) == ["Title", "Body", "Pin it", "Kind"]


@pytest.mark.parametrize("order", ["templates-first", "forms-first", "convention"])
def test_the_macros_are_found_whatever_the_install_order(tmp_path: Path, order: str) -> None:
    folder = write_page(tmp_path / "templates")
    app = App(settings=settings())
    app.root_path = tmp_path  # the templates convention looks for templates/ here
    if order == "templates-first":
        app.install(Templates(str(folder)))
        app.install(Forms())
    elif order == "forms-first":
        app.install(Forms())
        app.install(Templates(str(folder)))
    else:
        app.install(Forms())

    @app.get("/")
    def index(form: PostForm) -> Template:
        return Template("page.html", form=form, whole=False)

    with TestClient(app) as client:
        response = client.get("/")
    assert response.status_code == 200
    assert parse(response.text).find("label", for_="title").text == "Title"
