"""Validation: errors per field, ``validate_on_submit`` only for submissions, file validators."""

from __future__ import annotations

from typing import Any

import pytest

from trellis import App
from trellis.forms import (
    DataRequired,
    EqualTo,
    FileAllowed,
    FileField,
    FileRequired,
    FileSize,
    Form,
    Forms,
    IntegerField,
    Length,
    MultipleFileField,
    NumberRange,
    PasswordField,
    StringField,
    ValidationError,
)
from trellis.testing import TestClient


class SignupForm(Form):
    username = StringField("Username", [DataRequired(), Length(min=3, max=12)])
    age = IntegerField("Age", [NumberRange(min=13)])
    password = PasswordField("Password", [DataRequired()])
    confirm = PasswordField("Repeat", [EqualTo("password", message="Passwords differ.")])

    def validate_username(self, field: Any) -> None:
        if field.data.lower() == "admin":
            raise ValidationError("That name is reserved.")


class UploadForm(Form):
    photo = FileField("Photo", [FileRequired(), FileAllowed(["png", ".JPG"]), FileSize(8)])
    extras = MultipleFileField("Extras", [FileAllowed([".txt"]), FileSize(100, min_size=1)])


def make_app() -> App:
    app = App()
    app.install(Forms())

    @app.route("/signup", methods=["GET", "POST"])
    def signup(form: SignupForm) -> tuple[dict[str, Any], int]:
        if form.validate_on_submit():
            return {"created": form.data["username"]}, 201
        return {"errors": form.errors}, 422 if form.is_submitted() else 200

    @app.post("/upload")
    async def upload(form: UploadForm) -> dict[str, Any]:
        return {
            "valid": form.validate(),
            "errors": form.errors,
            "extras": [f.filename for f in form.extras.data],
        }

    return app


@pytest.fixture
def client() -> Any:
    with TestClient(make_app()) as client:
        yield client


GOOD = {"username": "ann", "age": "30", "password": "s3cret", "confirm": "s3cret"}


def test_a_valid_submission(client: TestClient) -> None:
    response = client.post("/signup", data=GOOD)
    assert response.status_code == 201
    assert response.json() == {"created": "ann"}


def test_each_field_carries_its_own_errors(client: TestClient) -> None:
    bad = {"username": "an", "age": "eleven", "password": "", "confirm": "other"}
    response = client.post("/signup", data=bad)
    assert response.status_code == 422
    assert response.json()["errors"] == {
        "username": ["Field must be between 3 and 12 characters long."],
        "age": ["Not a valid integer value.", "Number must be at least 13."],
        "password": ["This field is required."],
        "confirm": ["Passwords differ."],
    }


def test_inline_validators_run(client: TestClient) -> None:
    errors = client.post("/signup", data={**GOOD, "username": "Admin"}).json()["errors"]
    assert errors == {"username": ["That name is reserved."]}


def test_get_never_validates(client: TestClient) -> None:
    # the form is empty (invalid), but a GET is not a submission: no errors to show yet
    response = client.get("/signup")
    assert response.status_code == 200
    assert response.json() == {"errors": {}}


PNG = ("cat.png", b"12345678", "image/png")


def test_files_that_pass(client: TestClient) -> None:
    files = [("photo", PNG), ("extras", ("a.txt", b"a", "text/plain"))]
    files.append(("extras", ("b.txt", b"bb", "text/plain")))
    got = client.post("/upload", files=files).json()
    assert got == {"valid": True, "errors": {}, "extras": ["a.txt", "b.txt"]}


def test_a_required_file_that_is_missing(client: TestClient) -> None:
    files = {"photo": ("", b"", "application/octet-stream")}
    assert client.post("/upload", files=files).json()["errors"] == {"photo": ["Choose a file."]}


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (("cat.gif", b"1", "image/gif"), "Allowed files: .png, .jpg."),
        (("cat.png", b"123456789", "image/png"), "Each file must be at most 8 bytes."),
    ],
)
def test_file_type_and_size(
    client: TestClient, upload: tuple[str, bytes, str], message: str
) -> None:
    errors = client.post("/upload", files={"photo": upload}).json()["errors"]
    assert errors == {"photo": [message]}


def test_each_of_several_files_is_checked(client: TestClient) -> None:
    files = [("photo", PNG), ("extras", ("a.txt", b"", "text/plain"))]
    errors = client.post("/upload", files=files).json()["errors"]
    assert errors == {"extras": ["Each file must be between 1 bytes and 100 bytes."]}


def test_file_validator_arguments_are_checked() -> None:
    with pytest.raises(ValueError, match="extension"):
        FileAllowed([])
    with pytest.raises(ValueError, match="min_size"):
        FileSize(10, min_size=20)
    assert FileAllowed(["PNG", ".jpg"]).field_flags == {"accept": ".png,.jpg"}
