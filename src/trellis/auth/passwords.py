"""What a new password must be: long enough, not too long, not all digits, not the username.

The upper bound is there because hashing is deliberately slow and memory-hungry: a megabyte
"password" must be refused before argon2 sees it.  The sign-up, password-change and reset views
and ``trellis createuser`` apply the same rules.
"""

from __future__ import annotations

import re

__all__ = ["USERNAME_PATTERN", "validate_password", "validate_username"]

#: Letters, digits and ``@ . + - _``: names that are safe in URLs and unambiguous on screen.
USERNAME_PATTERN = re.compile(r"[\w.@+-]+")
USERNAME_MAX_LENGTH = 150


def validate_password(
    password: str, *, username: str = "", min_length: int = 8, max_length: int = 1024
) -> list[str]:
    """The reasons ``password`` is refused (an empty list when it is acceptable)."""
    problems: list[str] = []
    if len(password) < min_length:
        problems.append(f"The password must have at least {min_length} characters.")
    if len(password) > max_length:
        problems.append(f"The password must have at most {max_length} characters.")
    if password.isdigit():
        problems.append("The password cannot be only digits.")
    name = username.casefold()
    if len(name) >= 3 and name in password.casefold():
        problems.append("The password cannot contain the username.")
    return problems


def validate_username(username: str) -> list[str]:
    """The reasons ``username`` is refused (an empty list when it is acceptable)."""
    if not username:
        return ["Choose a username."]
    if len(username) > USERNAME_MAX_LENGTH:
        return [f"The username must have at most {USERNAME_MAX_LENGTH} characters."]
    if not USERNAME_PATTERN.fullmatch(username):
        return ["The username may contain only letters, digits and @ . + - _ characters."]
    return []
