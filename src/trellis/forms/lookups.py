"""Fields and validators that ask the database: ``Unique`` and ``ModelSelectField``.

Both work on any :class:`~trellis.forms.Form` (model forms add them from the columns); their
queries run before the handler, see :mod:`trellis.forms.reads`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapper
from wtforms.fields.choices import SelectChoice, SelectField
from wtforms.validators import ValidationError

from trellis.forms.battery import DEFAULT_MAX_CHOICES
from trellis.forms.reads import Read, read

__all__ = ["BLANK_CHOICE", "LABEL_ATTRIBUTES", "ModelSelectField", "Unique", "could_be_stored"]

#: The text of the empty first option of a ``<select>`` (Django's).
BLANK_CHOICE = "---------"

#: Attributes tried, in order, for an option's text when the model has no ``__str__``.
LABEL_ATTRIBUTES = ("name", "title", "username", "email", "label", "slug", "code")


def _attribute(column: Any) -> tuple[type, Any]:
    """``Post.slug`` -> ``(Post, Post.slug)``; refuses anything that is not a mapped column."""
    cls = getattr(column, "class_", None)
    prop = getattr(column, "property", None)
    if cls is None or not isinstance(prop, sa.orm.ColumnProperty):
        raise TypeError(f"expected a model's column attribute (Post.slug), got {column!r}")
    return cls, column


def _identity(obj: Any) -> tuple[Any, ...] | None:
    state = sa.inspect(obj, raiseerr=False) if obj is not None else None
    identity = getattr(state, "identity", None)
    return tuple(identity) if identity is not None else None


class Unique:
    """The value must not be in ``column`` already (``Unique(Post.slug)``).

    The check asks the database, so it agrees with the unique constraint it mirrors (MariaDB
    compares strings without case, SQLite and PostgreSQL with it).  The row being edited
    (``form.fill(post)``) does not count against itself.  Two submissions may still race past the
    check: the constraint stays the last word, and its ``IntegrityError`` is the handler's to
    answer.
    """

    def __init__(self, column: Any, message: str | None = None) -> None:
        self.model, self.column = _attribute(column)
        mapper: Mapper[Any] = sa.inspect(self.model)
        self.primary_key: tuple[Any, ...] = tuple(mapper.primary_key)
        self.message = message

    def _question(self, value: Any) -> Read:
        stmt = sa.select(*self.primary_key).where(self.column == value).limit(2)
        return Read(stmt, lambda result: [tuple(row) for row in result])

    def _checks(self, field: Any) -> bool:
        value = field.data
        return _checkable(field, value) and could_be_stored(self.column.property.columns[0], value)

    def database_reads(self, form: Any, field: Any) -> dict[Hashable, Read]:
        if not self._checks(field):
            return {}
        return {(self, field.data): self._question(field.data)}

    def __call__(self, form: Any, field: Any) -> None:
        value = field.data
        if not self._checks(field):
            return
        mine = _identity(form.meta.obj)
        taken = [row for row in read(form, (self, value), self._question(value)) if row != mine]
        if taken:
            raise ValidationError(self.message or field.gettext("This value is already taken."))


def _checkable(field: Any, value: Any) -> bool:
    return not field.process_errors and value not in (None, "") and isinstance(value, Hashable)


# The widest integer each column type holds: a bigger one cannot be in the column, and sending it
# would be the driver's error (a 500) instead of the form's answer.
_INTEGER_BITS = ((sa.SmallInteger, 15), (sa.BigInteger, 63), (sa.Integer, 31))


def could_be_stored(column: Any, value: Any) -> bool:
    """Whether ``value`` fits ``column``'s type, so a query comparing them is safe to send.

    A value that cannot be stored cannot be taken (nor be a foreign key's target), so the
    question is not asked: an out-of-range number, a string longer than the column or holding
    a NUL byte (PostgreSQL refuses those outright), a NaN or an infinity.
    """
    kind = column.type
    while isinstance(kind, sa.TypeDecorator):
        kind = kind.impl_instance
    if isinstance(value, bool):
        return True
    if isinstance(value, int):
        bits: int = next((b for cls, b in _INTEGER_BITS if isinstance(kind, cls)), 63)
        return bool(-(2**bits) <= value < 2**bits)
    if isinstance(value, float | Decimal):
        return value.is_finite() if isinstance(value, Decimal) else math.isfinite(value)
    if isinstance(value, str):
        length = getattr(kind, "length", None)
        return "\x00" not in value and (length is None or len(value) <= length)
    return True


def _coercer(python_type: type) -> Callable[[Any], Any]:
    def coerce(value: Any) -> Any:
        if value is None or value == "":
            return None
        if isinstance(value, python_type):
            return value
        try:
            return python_type(value)
        except Exception as exc:  # int("x"), UUID("x"), Decimal("x"): a bad choice, not a 500
            raise ValueError(str(exc)) from exc

    return coerce


def _python_type(column: sa.Column[Any]) -> type:
    try:
        return column.type.python_type
    except NotImplementedError:
        return str


def mapper_for_table(table: Any, registry: Any) -> Mapper[Any] | None:
    """The mapper of ``registry`` whose table is ``table`` (a foreign key's target), if any."""
    for mapper in registry.mappers:
        if mapper.local_table is table:
            found: Mapper[Any] = mapper
            return found
    return None


class ModelSelectField(SelectField):  # type: ignore[misc]
    """A ``<select>`` of the rows a foreign key may point at: ``data`` is the key (``3``).

    ``to`` is the referenced column (``Author.id``); the options are that model's rows, labelled
    by ``label_attribute`` (an attribute name or a function of the row), else the model's own
    ``__str__``, else the first of :data:`LABEL_ATTRIBUTES` it has.  ``blank`` is the text of the empty first
    option (``None`` for none); an empty choice is ``None``, and whether that is allowed is the
    validators' call (``Optional`` or ``InputRequired``).  At most ``max_choices`` rows are
    listed; a submitted key past them is accepted when the row exists.
    """

    def __init__(
        self,
        label: str | None = None,
        validators: Any = None,
        *,
        to: Any,
        label_attribute: str | Callable[[Any], str] | None = None,
        blank: str | None = BLANK_CHOICE,
        max_choices: int | None = None,
        **kwargs: Any,
    ) -> None:
        self.target_model, self.target = _attribute(to)
        self.label_attribute = label_attribute
        self.blank = blank
        self.max_choices = max_choices
        column = self.target.property.columns[0]
        super().__init__(label, validators, coerce=_coercer(_python_type(column)), **kwargs)

    # --- what is asked of the database --------------------------------------------------------

    def _limit(self) -> int:
        if self.max_choices is not None:
            return self.max_choices
        request = self.meta.request
        app = request.scope.get("app") if request is not None else None
        forms = getattr(app, "extensions", {}).get("forms")
        return int(getattr(forms, "max_choices", DEFAULT_MAX_CHOICES))

    def _label_column(self) -> str:
        """The column the options are labelled (and ordered) by, when there is one."""
        mapper: Mapper[Any] = sa.inspect(self.target_model)
        columns = mapper.columns
        chosen = self.label_attribute
        if isinstance(chosen, str):
            return chosen if chosen in columns else self.target.key
        return next((n for n in LABEL_ATTRIBUTES if n in columns), self.target.key)

    def _label_of(self) -> Callable[[Any], str]:
        chosen = self.label_attribute
        if callable(chosen):
            return chosen
        if chosen is None and _has_own_str(self.target_model):
            return str
        name = chosen or self._label_column()
        return lambda row: str(getattr(row, name))

    def _choices_question(self) -> Read:
        model, key, label = self.target_model, self.target.key, self._label_of()
        order = getattr(model, self._label_column())
        limit = self._limit()
        stmt: Any = sa.select(model).order_by(order, self.target).limit(limit + 1)

        def answer(result: Any) -> tuple[list[tuple[Any, str]], bool]:
            rows = result.scalars().all()
            return [(getattr(row, key), label(row)) for row in rows[:limit]], len(rows) > limit

        return Read(stmt, answer)

    def _exists_question(self, value: Any) -> Read:
        stmt = sa.select(self.target).where(self.target == value).limit(1)
        return Read(stmt, lambda result: result.first() is not None)

    def _may_exist(self, value: Any) -> bool:
        return could_be_stored(self.target.property.columns[0], value)

    def database_reads(self, form: Any, field: Any) -> dict[Hashable, Read]:
        if self._choices is not None:  # choices set by hand: nothing to read
            return {}
        wanted: dict[Hashable, Read] = {(self, "choices"): self._choices_question()}
        answers = form.__dict__.get("_database_answers") or {}
        listed = answers.get((self, "choices"))
        value = self.data
        if listed is not None and listed[1] and not self._listed(value) and self._may_exist(value):
            wanted[(self, "exists", value)] = self._exists_question(value)
        return wanted

    # --- choices and validation ---------------------------------------------------------------

    def _rows(self) -> tuple[list[tuple[Any, str]], bool]:
        answer: tuple[list[tuple[Any, str]], bool] = read(
            self._form, (self, "choices"), self._choices_question()
        )
        return answer

    def _listed(self, value: Any) -> bool:
        return value is None or any(key == value for key, _ in self._rows()[0])

    @property
    def choices(self) -> list[SelectChoice]:
        if self._choices is not None:  # set by hand: those win
            return list(self._choices)
        options = [SelectChoice(str(key), label) for key, label in self._rows()[0]]
        if self.blank is not None:
            options.insert(0, SelectChoice("", self.blank))
        return options

    @choices.setter
    def choices(self, value: Any) -> None:
        self._choices = value

    def pre_validate(self, form: Any) -> None:
        value = self.data
        if self.process_errors or value is None or not self.validate_choice:
            return
        if self._choices is not None:
            super().pre_validate(form)
            return
        if self._listed(value):
            return
        _, truncated = self._rows()
        exists = self._exists_question(value)
        if truncated and self._may_exist(value) and read(form, (self, "exists", value), exists):
            return
        raise ValidationError(self.invalid_choice_message or self.gettext("Not a valid choice."))


def _has_own_str(cls: type) -> bool:
    """Whether ``cls`` (or a project base class) defines ``__str__``, not just ``object``."""
    for klass in cls.__mro__:
        if "__str__" in vars(klass):
            return klass is not object
    return False
