"""``trellis check [--deploy]`` for auth: settings that make passwords or logins weaker than meant."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from trellis.checks import CheckMessage

if TYPE_CHECKING:
    from trellis.app import App

__all__ = ["auth_checks"]

#: OWASP's argon2id floor: 19 MiB of memory with two passes.
MIN_MEMORY_KIB = 19 * 1024
MIN_TIME_COST = 2


def auth_checks(app: App, deploy: bool) -> Iterator[CheckMessage]:
    from trellis.auth.battery import Auth

    options = Auth.of(app).options
    if deploy and (
        options.argon2_memory_cost < MIN_MEMORY_KIB or options.argon2_time_cost < MIN_TIME_COST
    ):
        yield CheckMessage(
            "auth.W001",
            "warning",
            f"argon2 costs (memory {options.argon2_memory_cost} KiB, time "
            f"{options.argon2_time_cost}) are below OWASP's minimum: a stolen password table "
            "is cheap to crack",
            f"raise TRELLIS_AUTH_ARGON2_MEMORY_COST to at least {MIN_MEMORY_KIB} and "
            f"TRELLIS_AUTH_ARGON2_TIME_COST to at least {MIN_TIME_COST}; stored hashes are "
            "upgraded at each user's next login",
        )
    if options.throttle_failures <= 0 and options.throttle_address_failures <= 0:
        yield CheckMessage(
            "auth.W002",
            "warning",
            "login throttling is off: passwords can be guessed without limit",
            "set TRELLIS_AUTH_THROTTLE_FAILURES (per account) and "
            "TRELLIS_AUTH_THROTTLE_ADDRESS_FAILURES (per address) above 0",
        )
