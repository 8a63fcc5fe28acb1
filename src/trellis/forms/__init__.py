"""HTML forms on WTForms: bound to the request, CSRF-checked, derived from models.

A handler asks for its form by annotation and gets it bound to the submitted body::

    from trellis.forms import Form, StringField, DataRequired

    class ContactForm(Form):
        email = StringField("E-mail", [DataRequired()])

    @app.route("/contact", methods=["GET", "POST"])
    def contact(form: ContactForm):
        if form.validate_on_submit():
            ...

``ModelForm``/``model_form`` derive the fields from a model's columns; the templates get
``{% from "forms/macros.html" import render_field, render_form %}``.  WTForms' fields and
validators are re-exported here, so one import line serves a forms module.  Needs the ``forms``
extra (WTForms); names load on first use.  See ``docs/forms.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from trellis.lazy import lazy_exports

if TYPE_CHECKING:
    from wtforms.fields import (
        BooleanField,
        DateField,
        DateTimeField,
        DateTimeLocalField,
        DecimalField,
        EmailField,
        FieldList,
        FloatField,
        FormField,
        HiddenField,
        IntegerField,
        PasswordField,
        RadioField,
        SearchField,
        SelectChoice,
        SelectField,
        SelectMultipleField,
        StringField,
        SubmitField,
        TelField,
        TextAreaField,
        TimeField,
        URLField,
    )
    from wtforms.validators import (
        URL,
        AnyOf,
        DataRequired,
        Email,
        EqualTo,
        InputRequired,
        Length,
        NoneOf,
        NumberRange,
        Optional,
        Regexp,
        StopValidation,
        ValidationError,
    )

    from trellis.forms.battery import Forms, bind_form
    from trellis.forms.files import (
        FileAllowed,
        FileField,
        FileRequired,
        FileSize,
        MultipleFileField,
    )
    from trellis.forms.form import SUBMIT_METHODS, Form
    from trellis.forms.lookups import ModelSelectField, Unique
    from trellis.forms.models import ModelForm, model_fields, model_form

__all__ = [
    "SUBMIT_METHODS",
    "URL",
    "AnyOf",
    "BooleanField",
    "DataRequired",
    "DateField",
    "DateTimeField",
    "DateTimeLocalField",
    "DecimalField",
    "Email",
    "EmailField",
    "EqualTo",
    "FieldList",
    "FileAllowed",
    "FileField",
    "FileRequired",
    "FileSize",
    "FloatField",
    "Form",
    "FormField",
    "Forms",
    "HiddenField",
    "InputRequired",
    "IntegerField",
    "Length",
    "ModelForm",
    "ModelSelectField",
    "MultipleFileField",
    "NoneOf",
    "NumberRange",
    "Optional",
    "PasswordField",
    "RadioField",
    "Regexp",
    "SearchField",
    "SelectChoice",
    "SelectField",
    "SelectMultipleField",
    "StopValidation",
    "StringField",
    "SubmitField",
    "TelField",
    "TextAreaField",
    "TimeField",
    "URLField",
    "Unique",
    "ValidationError",
    "bind_form",
    "model_fields",
    "model_form",
]

_WHERE = {
    "AnyOf": "wtforms.validators",
    "BooleanField": "wtforms.fields",
    "DataRequired": "wtforms.validators",
    "DateField": "wtforms.fields",
    "DateTimeField": "wtforms.fields",
    "DateTimeLocalField": "wtforms.fields",
    "DecimalField": "wtforms.fields",
    "Email": "wtforms.validators",
    "EmailField": "wtforms.fields",
    "EqualTo": "wtforms.validators",
    "FieldList": "wtforms.fields",
    "FileAllowed": "trellis.forms.files",
    "FileField": "trellis.forms.files",
    "FileRequired": "trellis.forms.files",
    "FileSize": "trellis.forms.files",
    "FloatField": "wtforms.fields",
    "Form": "trellis.forms.form",
    "FormField": "wtforms.fields",
    "Forms": "trellis.forms.battery",
    "HiddenField": "wtforms.fields",
    "InputRequired": "wtforms.validators",
    "IntegerField": "wtforms.fields",
    "Length": "wtforms.validators",
    "ModelForm": "trellis.forms.models",
    "ModelSelectField": "trellis.forms.lookups",
    "MultipleFileField": "trellis.forms.files",
    "NoneOf": "wtforms.validators",
    "NumberRange": "wtforms.validators",
    "Optional": "wtforms.validators",
    "PasswordField": "wtforms.fields",
    "RadioField": "wtforms.fields",
    "Regexp": "wtforms.validators",
    "SUBMIT_METHODS": "trellis.forms.form",
    "SearchField": "wtforms.fields",
    "SelectChoice": "wtforms.fields",
    "SelectField": "wtforms.fields",
    "SelectMultipleField": "wtforms.fields",
    "StopValidation": "wtforms.validators",
    "StringField": "wtforms.fields",
    "SubmitField": "wtforms.fields",
    "TelField": "wtforms.fields",
    "TextAreaField": "wtforms.fields",
    "TimeField": "wtforms.fields",
    "URL": "wtforms.validators",
    "URLField": "wtforms.fields",
    "Unique": "trellis.forms.lookups",
    "ValidationError": "wtforms.validators",
    "bind_form": "trellis.forms.battery",
    "model_fields": "trellis.forms.models",
    "model_form": "trellis.forms.models",
}

_NEEDS_SQLALCHEMY = {"trellis.forms.lookups", "trellis.forms.models"}


def _needs_packages(module: str) -> None:
    from trellis.optional import require

    require("wtforms", extra="forms", feature="Forms (trellis.forms)")
    if module in _NEEDS_SQLALCHEMY:
        require("sqlalchemy", extra="db", feature="Model forms (trellis.forms.ModelForm)")


__getattr__ = lazy_exports(__name__, _WHERE, before_import=_needs_packages)
