"""Helpers for the migration tests: a minimal database battery, model versions and schema reading.

``SimpleDatabase`` is the smallest object with the shape ``trellis.migrations`` needs from a
database battery (``names``, ``url``, ``sync_engine``, ``metadata_for``, plus ``session`` for the
shell), so these tests exercise the migrations alone; ``tests/examples`` runs them with the
real ``trellis.db.Database``.
"""

from __future__ import annotations

import importlib.util
import sys
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

from sqlalchemy import URL, Engine, MetaData, create_engine, inspect, make_url
from sqlalchemy.orm import DeclarativeBase, Session

from trellis import App


class SimpleDatabase:
    """``{name: (url, metadata)}`` behind the interface of the database battery."""

    def __init__(self, databases: Mapping[str, tuple[str | URL, MetaData]]) -> None:
        self.databases = {name: (make_url(url), md) for name, (url, md) in databases.items()}
        self.engines: dict[str, Engine] = {}

    def install(self, app: App) -> None:
        app.extensions["db"] = self
        app.db = self  # type: ignore[attr-defined]

    @property
    def names(self) -> list[str]:
        return list(self.databases)

    def url(self, name: str = "default") -> URL:
        return self.databases[name][0]

    def sync_engine(self, name: str = "default") -> Engine:
        if name not in self.engines:
            self.engines[name] = create_engine(self.url(name))
        return self.engines[name]

    def metadata_for(self, name: str = "default") -> MetaData:
        return self.databases[name][1]

    @contextmanager
    def session(self, database: str = "default") -> Iterator[Session]:
        with Session(self.sync_engine(database)) as session:
            yield session
            session.commit()

    def dispose(self) -> None:
        for engine in self.engines.values():
            engine.dispose()


def load_module(path: Path) -> ModuleType:
    """Import ``path`` under a unique name, so each model version has its own classes."""
    name = f"_models_{path.stem}_{uuid.uuid4().hex[:8]}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def models_base(source: str, directory: Path, name: str) -> type[DeclarativeBase]:
    """Write ``source`` as ``<directory>/<name>.py``, import it, return its ``Base``."""
    path = directory / f"{name}.py"
    path.write_text(source)
    base: type[DeclarativeBase] = load_module(path).Base
    return base


def make_app(root: Path, databases: Mapping[str, tuple[str | URL, MetaData]]) -> App:
    app = App()
    app.root_path = root
    app.install(SimpleDatabase(databases))
    return app


def dispose(app: App) -> None:
    app.extensions["db"].dispose()


def read_schema(engine: Engine) -> dict[str, dict[str, Any]]:
    """The real schema, as plain data the tests compare: per table its columns, uniques, FKs."""
    inspector = inspect(engine)
    schema: dict[str, dict[str, Any]] = {}
    for table in inspector.get_table_names():
        if table.startswith("alembic_version"):
            continue
        uniques = {tuple(u["column_names"]) for u in inspector.get_unique_constraints(table)}
        indexes = inspector.get_indexes(table)
        uniques |= {tuple(i["column_names"]) for i in indexes if i.get("unique")}
        schema[table] = {
            "columns": {c["name"]: c for c in inspector.get_columns(table)},
            "uniques": uniques,
            "indexes": {i["name"] for i in indexes if not i.get("unique")},
            "foreign_keys": {
                (tuple(fk["constrained_columns"]), fk["referred_table"])
                for fk in inspector.get_foreign_keys(table)
            },
        }
    return schema


def version_tables(engine: Engine) -> set[str]:
    return {t for t in inspect(engine).get_table_names() if t.startswith("alembic_version")}
