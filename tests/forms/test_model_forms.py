"""Model forms: which fields, validators and defaults come from which columns (no database)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from tests.forms.models import Status, Story
from wtforms import DateTimeLocalField, validators

from trellis.exceptions import ConfigurationError
from trellis.forms import (
    BooleanField,
    DateField,
    DecimalField,
    FloatField,
    IntegerField,
    ModelForm,
    ModelSelectField,
    SelectField,
    StringField,
    TextAreaField,
    Unique,
    model_form,
)
from trellis.forms.columns import BLANK_CHOICE

StoryForm = model_form(Story)


class FormData(dict[str, list[str]]):
    """A multidict as WTForms reads it (``getlist``), for forms built outside a request."""

    def __init__(self, **values: str) -> None:
        super().__init__({key: [value] for key, value in values.items()})

    def getlist(self, key: str) -> list[str]:
        return self.get(key, [])


def kinds(form: Any) -> dict[str, type]:
    return {field.name: type(field) for field in form}


def checks(field: Any) -> list[type]:
    return [type(validator) for validator in field.validators]


def test_the_fields_follow_the_columns_in_order() -> None:
    assert kinds(StoryForm()) == {
        "title": StringField,
        "slug": StringField,
        "body": TextAreaField,
        "subtitle": StringField,
        "status": SelectField,
        "rating": IntegerField,
        "price": DecimalField,
        "score": FloatField,
        "published": DateField,
        "starts_at": DateTimeLocalField,
        "pinned": BooleanField,
        "views": IntegerField,
        "token": StringField,
        "writer_id": ModelSelectField,
        "editor_id": ModelSelectField,
        "desk_id": ModelSelectField,
    }  # no id (primary key), created/updated (Timestamped), extra (JSON)
    assert StoryForm.__name__ == "StoryForm"
    assert StoryForm.__model__ is Story


def test_validators_come_from_nullability_defaults_lengths_and_uniqueness() -> None:
    form = StoryForm()
    assert checks(form.title) == [validators.DataRequired, validators.Length]
    assert form.title.validators[1].max == 80
    assert checks(form.slug) == [validators.DataRequired, validators.Length, Unique]
    assert checks(form.subtitle) == [validators.Optional, validators.Length]
    assert checks(form.body) == [validators.Optional]  # NOT NULL, but has a default
    assert checks(form.rating) == [validators.Optional]
    assert checks(form.views) == [validators.Optional]
    assert checks(form.pinned) == []  # unticked is an answer
    assert checks(form.writer_id) == [validators.InputRequired]  # id 0 would be a fine answer
    assert checks(form.editor_id) == [validators.Optional]
    assert checks(form.status) == [validators.Optional]
    assert form.title.flags.required
    assert not form.subtitle.flags.required


def test_labels_help_and_defaults() -> None:
    form = StoryForm()
    assert (form.title.label.text, form.title.description) == ("Title", "Shown in the page title")
    assert form.writer_id.label.text == "Writer"  # "_id" dropped for a foreign key
    assert form.starts_at.label.text == "Starts at"
    assert (form.status.data, form.pinned.data, form.views.data) == (Status.draft, False, 0)
    assert form.price.places == 2


def test_submitted_values_become_column_types() -> None:
    token = uuid.uuid4()
    data = FormData(
        title="T",
        subtitle="",
        status="published",
        price="3.50",
        starts_at="2024-05-01T10:30",
        token=str(token),
    )
    form = StoryForm(data)
    assert form.subtitle.data is None  # a nullable string left blank is NULL, not ""
    assert form.status.data is Status.published
    assert form.price.data == Decimal("3.50")
    assert form.starts_at.data == datetime(2024, 5, 1, 10, 30, tzinfo=UTC)
    assert form.token.data == token
    assert StoryForm(FormData(token="nope")).token.process_errors == ["Not a valid UUID."]
    blank = StoryForm(FormData(status=""))
    assert blank.status.data is None
    assert blank.status.process_errors == []


def test_choices_of_an_enum_column() -> None:
    options = [(c.value, c.label) for c in StoryForm().status.choices]
    assert options == [("", BLANK_CHOICE), ("draft", "draft"), ("published", "published")]


def test_only_and_exclude() -> None:
    form = model_form(Story, only=["slug", "title", "id"])()
    assert list(kinds(form)) == ["slug", "title", "id"]  # only's order; a key when asked for
    rest = model_form(Story, exclude=["body", "writer_id", "editor_id"])()
    assert {"body", "writer_id", "editor_id"}.isdisjoint(kinds(rest))
    assert "title" in kinds(rest)


def test_naming_a_column_that_does_not_exist_is_an_error() -> None:
    with pytest.raises(ConfigurationError, match="no column named titel"):
        model_form(Story, only=["titel"])
    with pytest.raises(ConfigurationError, match="no column named nope"):
        model_form(Story, field_args={"nope": {}})
    with pytest.raises(ConfigurationError, match="cannot edit"):
        model_form(Story, only=["extra"])
    with pytest.raises(TypeError, match="need model="):

        class Broken(ModelForm, only=["title"]):
            pass


class HeadlineForm(
    ModelForm,
    model=Story,
    only=["title", "slug", "body"],
    field_args={"slug": {"label": "Address", "description": "In the URL"}},
):
    confirm = BooleanField("I checked the spelling")
    body = TextAreaField("Text", render_kw={"rows": 12})


def test_class_fields_replace_derived_ones_in_place_and_extras_come_last() -> None:
    form = HeadlineForm()
    assert list(kinds(form)) == ["title", "slug", "body", "confirm"]
    assert (form.slug.label.text, form.slug.description) == ("Address", "In the URL")
    assert form.body.label.text == "Text"
    assert form.body.render_kw == {"rows": 12}


def test_a_subclass_inherits_the_model_fields() -> None:
    class Stricter(HeadlineForm):
        pass

    assert list(kinds(Stricter())) == ["title", "slug", "body", "confirm"]
    assert Stricter.__model__ is Story


def test_populate_obj_writes_model_attributes_and_keeps_defaults() -> None:
    form = model_form(Story, only=["title", "subtitle", "views", "body"])(
        FormData(title="Hello", subtitle="", views="", body="")
    )
    story = Story(title="old", subtitle="old", views=7)
    form.populate_obj(story)
    assert (story.title, story.subtitle) == ("Hello", None)
    assert story.views == 7  # left empty: the column keeps its value (or default)
    assert story.body == ""  # an empty string is a value for a string column


def test_populate_obj_skips_fields_that_are_not_columns() -> None:
    form = HeadlineForm(FormData(title="T", slug="t", confirm="y"))
    story = Story()
    form.populate_obj(story)
    assert (story.title, story.slug) == ("T", "t")
    assert not hasattr(story, "confirm")


def test_data_leaves_out_empty_fields_whose_column_has_a_default() -> None:
    form = model_form(Story, only=["title", "views", "rating"])(FormData(title="T", views=""))
    assert form.data == {"title": "T", "rating": None}
    story = Story(**form.data)
    assert story.views is None  # unset: the default (0) applies on insert


def test_a_form_may_be_declared_before_the_models_its_model_relates_to() -> None:
    class Base(DeclarativeBase):
        pass

    class Shelf(Base):
        __tablename__ = "shelf"
        id: Mapped[int] = mapped_column(Integer, primary_key=True)
        label: Mapped[str] = mapped_column(String(20))
        books: Mapped[list[Book]] = relationship(back_populates="shelf")

    shelf_form = model_form(Shelf)  # "Book" names a class that does not exist yet

    class Book(Base):
        __tablename__ = "book"
        id: Mapped[int] = mapped_column(Integer, primary_key=True)
        shelf_id: Mapped[int] = mapped_column(ForeignKey("shelf.id"))
        shelf: Mapped[Shelf] = relationship(back_populates="books")

    assert list(shelf_form().data) == ["label"]
    assert list(model_form(Book)().data) == ["shelf_id"]
