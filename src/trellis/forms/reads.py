"""The database reads a form needs, done once, before the handler runs.

A model form asks the database two kinds of question: which rows a foreign key may point at (the
choices of its ``<select>``), and whether a value that must be unique is taken.  WTForms validates
synchronously, and an ``async def`` handler must not block its event loop on a query, so the
questions are gathered from the fields and validators (each may define
``database_reads(form, field) -> {key: Read}``) and answered by :func:`fetch`, which the provider
awaits once the form is bound.  Validation then only looks the answers up.

:func:`fetch` uses a short session of its own on the primary database, closed before the handler
runs: it never holds a second pooled connection while the handler holds the request's, and a
unique check never reads a replica that lags behind.  A form built by hand takes ``session=``
instead; a question asked only later (the handler changed a field's data) is answered with a
blocking query when that is safe (in a ``def`` handler's thread), and otherwise raises, naming
``await form.fetch()``.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable, Hashable
from typing import Any

from trellis.concurrency import run_sync
from trellis.exceptions import ConfigurationError

__all__ = ["Read", "fetch", "read"]

# Reads may depend on earlier answers (a value missing from the choices is looked up on its
# own); each round asks what is still unanswered.  Two rounds suffice for the built-in fields.
_ROUNDS = 3


@dataclasses.dataclass(frozen=True, slots=True)
class Read:
    """One question: a statement, and how to turn its result into the answer that is kept."""

    statement: Any
    answer: Callable[[Any], Any]


def _answers(form: Any) -> dict[Hashable, Any]:
    found: dict[Hashable, Any] | None = form.__dict__.get("_database_answers")
    if found is None:
        found = form.__dict__["_database_answers"] = {}
    return found


def _questions(form: Any) -> dict[Hashable, Read]:
    wanted: dict[Hashable, Read] = {}
    for field in form:
        for source in (field, *field.validators):
            ask = getattr(source, "database_reads", None)
            if ask is not None:
                wanted.update(ask(form, field))
    return wanted


async def fetch(form: Any, session: Any = None) -> None:
    """Answer every question ``form``'s fields and validators ask of the database.

    ``session`` may be a ``Session`` (run in the thread pool) or an ``AsyncSession``; by default
    the form's ``meta.session``, else a new session of the app the form's request belongs to.
    Nothing is read when no field asks anything.
    """
    answers = _answers(form)
    for _ in range(_ROUNDS):
        wanted = {key: q for key, q in _questions(form).items() if key not in answers}
        if not wanted:
            return
        answers.update(await _run(form, wanted, session))


def read(form: Any, key: Hashable, question: Read) -> Any:
    """The answer to ``question``: fetched already, or read now if blocking is safe here."""
    answers = _answers(form)
    if key in answers:
        return answers[key]
    session = form.meta.session
    if session is not None and not _is_async(session):
        answer = _run_blocking(session, {key: question})[key]
    elif session is None and not _on_event_loop():
        database = _database_of(form)
        with database.session() as own:
            own.wrote = True  # the primary: a replica may not have the latest rows yet
            answer = _run_blocking(own, {key: question})[key]
    else:
        raise RuntimeError(
            f"{type(form).__name__} needs a database read that was not fetched (a field's data "
            "changed after binding?): call `await form.fetch()` before validating"
        )
    answers[key] = answer
    return answer


async def _run(form: Any, wanted: dict[Hashable, Read], session: Any) -> dict[Hashable, Any]:
    session = session if session is not None else form.meta.session
    if session is not None:
        if _is_async(session):
            return await _run_async(session, wanted)
        return await run_sync(_run_blocking, session, wanted)
    database = _database_of(form)
    own = database.make_async_session()
    own.sync_session.wrote = True  # the primary: a replica may not have the latest rows yet
    try:
        return await _run_async(own, wanted)
    finally:
        await own.close()


async def _run_async(session: Any, wanted: dict[Hashable, Read]) -> dict[Hashable, Any]:
    return {key: q.answer(await session.execute(q.statement)) for key, q in wanted.items()}


def _run_blocking(session: Any, wanted: dict[Hashable, Read]) -> dict[Hashable, Any]:
    return {key: q.answer(session.execute(q.statement)) for key, q in wanted.items()}


def _is_async(session: Any) -> bool:
    return hasattr(session, "sync_session")


def _on_event_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def _database_of(form: Any) -> Any:
    request = form.meta.request
    app = request.scope.get("app") if request is not None else None
    if app is None:
        raise ConfigurationError(
            f"{type(form).__name__} reads the database but has no session: pass session=... "
            "or bind it to a request of an app with the database battery"
        )
    from trellis.db import Database

    return Database.of(app)
