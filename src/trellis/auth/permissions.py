"""Model permissions: ``<label>.add_<model>``, ``change``, ``delete`` and ``view`` for every model.

The label of a model is, in order: its ``__app_label__`` attribute, the name of the blueprint
whose package holds the model's module (``blog`` for ``examples.blog.models``), else the
package the module sits in when the module is called ``models`` (``shop`` for
``myproject.shop.models``), else the module's own last name.  The model part is the class name
in lower case (``BlogPost`` -> ``blogpost``), as in Django.

:func:`sync_permissions` inserts the rows that are missing; the Auth battery calls it when the
app starts (setting ``auth_sync_permissions``), so a new model's permissions exist as soon as
its migration is applied and the app restarted.  It never deletes a row: a permission granted
to a group survives a model being renamed until someone removes it.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from trellis.auth.models import Permission

__all__ = ["ACTIONS", "app_label", "model_permissions", "sync_permissions"]

logger = logging.getLogger("trellis.auth")

#: What a permission is created for, for every model.
ACTIONS = ("add", "change", "delete", "view")
_ATTEMPTS = 3


def _package_of(import_name: str) -> str:
    module = sys.modules.get(import_name)
    if module is not None and hasattr(module, "__path__"):
        return import_name
    return import_name.rpartition(".")[0] or import_name


def blueprint_labels(app: Any) -> dict[str, str]:
    """``{package: blueprint name}`` for the app's blueprints that have an import name."""
    labels: dict[str, str] = {}
    for collector in app.iter_collectors():
        name = getattr(collector, "name", None)
        import_name = getattr(collector, "import_name", None)
        if collector is not app and name and import_name:
            labels.setdefault(_package_of(import_name), name)
    return labels


def app_label(cls: type, blueprints: dict[str, str] | None = None) -> str:
    """The first part of ``cls``'s permission codenames (see the module docstring)."""
    explicit = getattr(cls, "__app_label__", None)
    if explicit:
        return str(explicit)
    module = cls.__module__ or ""
    best = ""
    for package in blueprints or {}:
        if (module == package or module.startswith(package + ".")) and len(package) > len(best):
            best = package
    if best:
        return (blueprints or {})[best]
    parts = module.split(".")
    if len(parts) > 1 and parts[-1] == "models":
        return parts[-2]
    return parts[-1] or "app"


def model_permissions(
    models: Iterable[type], blueprints: dict[str, str] | None = None
) -> dict[str, str]:
    """``{codename: human name}`` of the four permissions of each model."""
    found: dict[str, str] = {}
    for cls in models:
        label = app_label(cls, blueprints)
        model = cls.__name__.lower()
        for action in ACTIONS:
            found[f"{label}.{action}_{model}"] = f"Can {action} {cls.__name__}"
    return found


def mapped_models(app: Any) -> list[type]:
    """Every model class mapped on the base of the app's database battery."""
    from trellis.db.database import Database

    base = Database.of(app).model
    return sorted(
        (mapper.class_ for mapper in base.registry.mappers),
        key=lambda cls: (cls.__module__, cls.__qualname__),
    )


def sync_permissions(app: Any) -> list[str]:
    """Insert the permissions of every model that are not in the database yet; return them.

    Safe to run from several processes at once: a row another process inserted first is
    skipped, not an error.
    """
    from trellis.db.database import Database

    wanted = model_permissions(mapped_models(app), blueprint_labels(app))
    database = Database.of(app)
    for attempt in range(_ATTEMPTS):
        try:
            with database.session() as db:
                existing = set(db.scalars(select(Permission.codename)))
                missing = [code for code in wanted if code not in existing]
                db.add_all(Permission(codename=code, name=wanted[code]) for code in missing)
            return missing
        except IntegrityError:
            if attempt == _ATTEMPTS - 1:
                raise
            logger.debug("permissions were being created by another process; reading again")
    raise AssertionError("unreachable")
