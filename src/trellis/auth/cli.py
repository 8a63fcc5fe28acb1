"""``trellis createuser [--superuser]``: make an account from the command line.

Interactive by default (the password is asked twice and never echoed); ``--noinput`` reads
``TRELLIS_CREATEUSER_USERNAME``, ``TRELLIS_CREATEUSER_EMAIL`` and ``TRELLIS_CREATEUSER_PASSWORD``
instead, for scripts and container start-up.  Without a password the account gets an unusable
one (it can still get a password through the reset e-mail).  The password passes the same
checks as on the sign-up page.
"""

from __future__ import annotations

import os
from typing import Any

import click

from trellis.cli.discovery import with_app

__all__ = ["createuser"]

ENV_PREFIX = "TRELLIS_CREATEUSER_"


def _auth_of(app: Any) -> Any:
    from trellis.auth.battery import Auth
    from trellis.exceptions import ConfigurationError

    try:
        return Auth.of(app)
    except ConfigurationError as exc:
        raise click.ClickException(str(exc)) from None


def _ask_username(given: str | None) -> str:
    from trellis.auth.passwords import validate_username

    username = given
    while True:
        if username is None:
            username = click.prompt("Username").strip()
        problems = validate_username(username)
        if not problems:
            return username
        click.echo(" ".join(problems), err=True)
        username = None


def _ask_password(auth: Any, username: str) -> str:
    from trellis.auth.passwords import validate_password

    while True:
        password: str = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        problems = validate_password(
            password,
            username=username,
            min_length=auth.options.password_min_length,
            max_length=auth.options.password_max_length,
        )
        if not problems:
            return password
        click.echo(" ".join(problems), err=True)


@click.command()
@click.option("--superuser", is_flag=True, help="Staff member with every permission.")
@click.option("--staff", is_flag=True, help="Staff member (is_staff), without extra permissions.")
@click.option("--username", default=None, help="The username (asked when missing).")
@click.option("--email", default=None, help="The e-mail address (asked when missing).")
@click.option(
    "--noinput",
    "--no-input",
    "no_input",
    is_flag=True,
    help=f"Ask nothing: read {ENV_PREFIX}USERNAME, {ENV_PREFIX}EMAIL and {ENV_PREFIX}PASSWORD.",
)
@with_app
def createuser(
    app: Any,
    superuser: bool,
    staff: bool,
    username: str | None,
    email: str | None,
    no_input: bool,
) -> None:
    """Create a user account (a superuser with --superuser)."""
    from sqlalchemy import select
    from sqlalchemy.exc import SQLAlchemyError

    from trellis.auth.passwords import validate_password, validate_username

    auth = _auth_of(app)
    password: str | None
    if no_input:
        username = (username or os.environ.get(f"{ENV_PREFIX}USERNAME", "")).strip()
        email = email if email is not None else os.environ.get(f"{ENV_PREFIX}EMAIL", "")
        password = os.environ.get(f"{ENV_PREFIX}PASSWORD") or None
        problems = validate_username(username)
        if password is not None:
            problems += validate_password(
                password,
                username=username,
                min_length=auth.options.password_min_length,
                max_length=auth.options.password_max_length,
            )
        if problems:
            raise click.ClickException(" ".join(problems))
    else:
        username = _ask_username(username)
        if email is None:
            email = click.prompt("E-mail", default="", show_default=False).strip()
        password = _ask_password(auth, username)
    model = auth.user_model
    try:
        with auth.database.session() as db:
            if db.scalars(select(model.id).where(model.username == username)).first():
                raise click.ClickException(f"A user named {username!r} exists already.")
            user = model(
                username=username,
                email=email or "",
                is_staff=superuser or staff,
                is_superuser=superuser,
            )
            if password is None:
                user.set_unusable_password()
            else:
                user.set_password(password, hasher=auth.hasher)
            db.add(user)
    except SQLAlchemyError as exc:
        first = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        raise click.ClickException(
            f"the user could not be saved ({first}); has `trellis db migrate` been run?"
        ) from None
    kind = "Superuser" if superuser else "Staff user" if staff else "User"
    click.echo(f"{kind} {username!r} created.")
    if password is None:
        click.echo("It has no usable password yet: set one with the password reset page.")
