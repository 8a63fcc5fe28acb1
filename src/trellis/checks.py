"""Checks with stable IDs: deployment and consistency problems found before they bite.

A check is a function ``(app, deploy) -> Iterable[CheckMessage]``.  The core has a few;
batteries add theirs with ``app.add_check(fn)`` (the database battery compares models with
migrations, the security battery looks at cookies and hosts).  ``trellis check [--deploy]`` runs
them all; ``deploy`` asks for the production-only ones too.  IDs never change meaning, so they can
be silenced or searched for, as Django's ``urls.W002``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from trellis.conf import MAKE_KEY_COMMAND, MIN_KEY_LENGTH, secret_key_problem

if TYPE_CHECKING:
    from trellis.app import App

__all__ = ["CheckFunction", "CheckMessage", "core_checks", "run_checks"]

Level = Literal["error", "warning", "info"]
CheckFunction = Callable[["App", bool], Iterable["CheckMessage"]]


@dataclass(frozen=True, slots=True)
class CheckMessage:
    """One finding: ``id`` like ``trellis.W001``, a level, what is wrong, and how to fix it."""

    id: str
    level: Level
    message: str
    hint: str | None = None

    def __str__(self) -> str:
        hint = f"\n\tHINT: {self.hint}" if self.hint else ""
        return f"{self.id} ({self.level}): {self.message}{hint}"


def core_checks(app: App, deploy: bool) -> Iterable[CheckMessage]:
    """What the core can tell about a production setup."""
    settings = app.settings
    if not deploy:
        return
    if settings.debug:
        yield CheckMessage(
            "trellis.W001",
            "warning",
            "debug is on: tracebacks and local variables are shown to anyone who triggers an error",
            "set TRELLIS_DEBUG=0 (or App(debug=False)) in production",
        )
    key = settings.secret_key.get_secret_value() if settings.secret_key else None
    if key is None:
        yield CheckMessage(
            "trellis.W002",
            "warning",
            "no secret_key is set; sessions, CSRF and signed URLs cannot work outside debug",
            f"set TRELLIS_SECRET_KEY to the output of: {MAKE_KEY_COMMAND}",
        )
    elif (problem := secret_key_problem(key)) is not None:
        # The same judgement the signing batteries make before they start.
        yield CheckMessage(
            "trellis.W003",
            "warning",
            f"secret_key is weak: {problem}",
            f"use at least {MIN_KEY_LENGTH} random characters: {MAKE_KEY_COMMAND}",
        )
    if "*" in settings.allowed_hosts:
        yield CheckMessage(
            "trellis.W004",
            "warning",
            "allowed_hosts contains '*': any Host header is accepted",
            "list the host names the site answers to in TRELLIS_ALLOWED_HOSTS",
        )


def run_checks(app: App, *, deploy: bool = False) -> list[CheckMessage]:
    """Every registered check's findings; a check that crashes is itself reported as an error."""
    found: list[CheckMessage] = []
    for check in (core_checks, *app.checks):
        try:
            found.extend(check(app, deploy))
        except Exception as exc:
            name = getattr(check, "__qualname__", repr(check))
            found.append(CheckMessage("trellis.E000", "error", f"the check {name} failed: {exc!r}"))
    return found
