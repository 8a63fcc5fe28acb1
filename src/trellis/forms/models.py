"""Model forms: the fields of a form derived from a model's columns.

``class PostForm(ModelForm, model=Post)`` or ``model_form(Post, only=[...])``.  Fields declared in
the class body replace the derived ones of the same name (and keep their place); other declared
fields come after the model's.  See :mod:`trellis.forms.columns` for the rules.
"""

from __future__ import annotations

import types
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

import sqlalchemy as sa
from wtforms.fields.core import UnboundField
from wtforms.form import FormMeta

from trellis.exceptions import ConfigurationError
from trellis.forms.columns import field_for, keeps_default
from trellis.forms.form import Form

__all__ = ["ModelForm", "model_fields", "model_form"]

#: Columns a form never shows unless ``only=`` names them (``Timestamped`` keeps them itself).
_MANAGED = ("created", "updated")


def _editable(model: type, name: str, column: sa.Column[Any]) -> bool:
    if column.primary_key or column.info.get("form") is False:
        return False
    if column.computed is not None or column.identity is not None or column.onupdate is not None:
        return False
    from trellis.db.models import Timestamped

    return not (issubclass(model, Timestamped) and name in _MANAGED)


def _columns(model: type) -> dict[str, sa.Column[Any]]:
    mapper: Any = sa.inspect(model, raiseerr=False)
    if mapper is None or not isinstance(mapper, sa.orm.Mapper):
        raise ConfigurationError(f"{model!r} is not a mapped model class")
    # ``mapper.columns``, not ``column_attrs``: reading it does not configure the mappers, so a
    # form may be declared before the models its model's relationships name are imported.
    return {key: c for key, c in mapper.columns.items() if isinstance(c, sa.Column)}


def model_fields(
    model: type,
    *,
    only: Iterable[str] | None = None,
    exclude: Iterable[str] | None = None,
    field_args: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, UnboundField]:
    """The unbound fields for ``model``'s columns, in ``only``'s order or the model's.

    Naming a column that does not exist (in ``only``, ``exclude`` or ``field_args``) is a
    ``ConfigurationError``: a typo would otherwise drop a field without a word.
    """
    columns = _columns(model)
    only = list(only) if only is not None else None
    excluded = set(exclude or ())
    args = dict(field_args or {})
    unknown = sorted(({*(only or ()), *excluded, *args}) - set(columns))
    if unknown:
        raise ConfigurationError(
            f"model form for {model.__name__}: no column named {', '.join(unknown)}; "
            f"columns: {', '.join(columns)}"
        )
    if only is not None:
        names = [name for name in only if name not in excluded]
    else:
        names = [n for n, c in columns.items() if n not in excluded and _editable(model, n, c)]
    fields: dict[str, UnboundField] = {}
    for name in names:
        field = field_for(model, name, columns[name], dict(args.get(name, {})))
        if field is None:
            if only is not None:
                raise ConfigurationError(
                    f"model form for {model.__name__}: column {name!r} has a type a form "
                    "cannot edit; declare its field in the form class"
                )
            continue
        fields[name] = field
    return fields


def _renumber(field: UnboundField) -> None:
    UnboundField.creation_counter += 1
    field.creation_counter = UnboundField.creation_counter


class _ModelFormMeta(FormMeta):  # type: ignore[misc]
    """Accepts the class keywords (``model=``, ``only=``...) that ``__init_subclass__`` reads."""

    def __init__(cls, name: str, bases: tuple[type, ...], attrs: dict[str, Any], **kwargs: Any):
        super().__init__(name, bases, attrs)


class ModelForm(Form, metaclass=_ModelFormMeta):
    """A form whose fields come from a model: ``class PostForm(ModelForm, model=Post)``.

    Class keywords: ``only`` (these columns, in this order), ``exclude``, and ``field_args``
    (``{"title": {"label": "Headline"}}``: keyword arguments that replace the derived ones).
    :meth:`populate_obj` writes only the model's attributes, and leaves a column with a default
    alone when its field was left empty.
    """

    #: The model the fields come from (``None`` on ``ModelForm`` itself).
    __model__: ClassVar[type | None] = None
    #: Attributes whose column keeps its default when the field is empty.
    __keeps_default__: ClassVar[frozenset[str]] = frozenset()

    def __init_subclass__(
        cls,
        *,
        model: type | None = None,
        only: Iterable[str] | None = None,
        exclude: Iterable[str] | None = None,
        field_args: Mapping[str, Mapping[str, Any]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init_subclass__(**kwargs)
        if model is None:
            if only is not None or exclude is not None or field_args is not None:
                raise TypeError(f"{cls.__name__}: only/exclude/field_args need model=")
            return
        declared = {
            name: value for name, value in vars(cls).items() if isinstance(value, UnboundField)
        }
        derived = model_fields(model, only=only, exclude=exclude, field_args=field_args)
        for name, field in derived.items():
            if name in declared:  # the class's own field, in the column's place
                declared[name].creation_counter = field.creation_counter
            else:
                setattr(cls, name, field)
        extras = [f for n, f in declared.items() if n not in derived]
        for field in sorted(extras, key=lambda f: f.creation_counter):
            _renumber(field)
        cls.__model__ = model
        columns = _columns(model)
        cls.__keeps_default__ = frozenset(n for n, c in columns.items() if keeps_default(c))

    def _model_attributes(self, obj: Any) -> set[str]:
        mapper = sa.inspect(type(obj), raiseerr=False)
        return set(mapper.attrs.keys()) if isinstance(mapper, sa.orm.Mapper) else set()

    def _left_to_default(self, name: str, field: Any) -> bool:
        return field.data is None and name in self.__keeps_default__

    def populate_obj(self, obj: Any) -> None:
        """Copy the fields onto ``obj``: only its model attributes, never the CSRF token.

        A field left empty whose column has a default is skipped, so the default applies on
        insert and an update keeps the current value.
        """
        attributes = self._model_attributes(obj)
        for name, field in self._fields.items():
            if name in attributes and not self._left_to_default(name, field):
                field.populate_obj(obj, name)

    @property
    def data(self) -> dict[str, Any]:
        """Like :attr:`Form.data`, without the empty fields whose column has a default, so
        ``Post(**form.data)`` lets the defaults apply."""
        data = super().data
        return {n: d for n, d in data.items() if not self._left_to_default(n, self._fields[n])}


def model_form(
    model: type,
    *,
    only: Iterable[str] | None = None,
    exclude: Iterable[str] | None = None,
    field_args: Mapping[str, Mapping[str, Any]] | None = None,
    base: type[ModelForm] = ModelForm,
    name: str | None = None,
) -> type[ModelForm]:
    """A ``ModelForm`` subclass for ``model``: ``PostForm = model_form(Post, only=["title"])``."""
    keywords = {"model": model, "only": only, "exclude": exclude, "field_args": field_args}
    created: type[ModelForm] = types.new_class(name or f"{model.__name__}Form", (base,), keywords)
    created.__module__ = getattr(model, "__module__", __name__)
    return created
