"""What Alembic's ``env.py`` does, written once here instead of in every project.

Alembic calls ``template/env.py`` inside an ``EnvironmentContext``; that file calls :func:`run`,
which reads the :class:`~trellis.migrations.config.MigrationTarget` from the config and runs the
migrations online (on the database's engine) or offline (SQL text, for ``trellis db sql``).
The comparison options live in :func:`context_options` so that ``trellis check`` compares models
with a database exactly as ``makemigrations`` does.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from alembic import context

from trellis.migrations.config import ATTRIBUTE, MigrationTarget

if TYPE_CHECKING:
    from alembic.autogenerate.api import AutogenContext

__all__ = ["context_options", "run"]

# Dialects whose reflected server defaults compare reliably with the models' (Alembic renders and
# normalises them); elsewhere a default that did not change could show up as a change.
_SERVER_DEFAULTS_COMPARED = {"postgresql", "sqlite", "mysql", "mariadb"}


def context_options(target: MigrationTarget) -> dict[str, Any]:
    """The options given to ``context.configure`` (and to ``MigrationContext.configure``)."""
    return {
        "target_metadata": target.metadata,
        "version_table": target.version_table,
        # SQLite alters little in place; batch mode rebuilds the table so column changes work.
        "render_as_batch": target.dialect == "sqlite",
        "compare_type": True,
        "compare_server_default": (
            _compare_server_default if target.dialect in _SERVER_DEFAULTS_COMPARED else False
        ),
        "include_name": functools.partial(_include_name, target),
        "render_item": _render_item,
    }


def _include_name(target: MigrationTarget, name: str | None, type_: str, parent_names: Any) -> bool:
    # Another database's tables, or its history table, in the same physical database are not
    # this database's tables to drop.
    if type_ != "table" or name is None:
        return True
    if name in target.other_tables:
        return False
    return not name.startswith("alembic_version")


def _compare_server_default(
    context: Any,
    inspected_column: Any,
    metadata_column: Any,
    inspected_default: str | None,
    metadata_default: Any,
    rendered_metadata_default: str | None,
) -> bool | None:
    # MySQL and MariaDB store ``false``/``true`` as 0/1 and give them back so; the same default
    # must not become a migration on every run.  Anything else is Alembic's call (None).
    if inspected_default is None or rendered_metadata_default is None:
        return None
    if _normal_default(inspected_default) == _normal_default(rendered_metadata_default):
        return False
    return None


def _normal_default(value: str) -> str:
    text = value.strip().strip("()").strip().strip("'\"").lower()
    return {"false": "0", "true": "1"}.get(text, text)


def _render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | bool:
    # Alembic writes a custom type as ``package.module.Type()`` without importing its module.
    if type_ == "type":
        module = type(obj).__module__
        if not module.startswith("sqlalchemy") and module != "builtins":
            autogen_context.imports.add(f"import {module}")
    return False


def run() -> None:
    """Run the migrations Alembic asks for, online or offline."""
    target = context.config.attributes[ATTRIBUTE]
    assert isinstance(target, MigrationTarget)
    options = context_options(target)
    if context.is_offline_mode():
        context.configure(
            url=target.url,
            literal_binds=True,
            dialect_opts={"paramstyle": "named"},
            **options,
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    with target.engine.connect() as connection:
        context.configure(connection=connection, **options)
        with context.begin_transaction():
            context.run_migrations()
