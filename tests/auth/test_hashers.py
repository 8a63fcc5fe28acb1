"""argon2id hashing: the stored format, verification, and rehashing when the costs change."""

from __future__ import annotations

import pytest
from tests.auth.support import FAST, PASSWORD

from trellis.auth import Argon2Parameters, PasswordHasher, User
from trellis.auth.hashers import UNUSABLE_PREFIX
from trellis.exceptions import ConfigurationError


def test_hashes_are_salted_argon2id_with_the_configured_costs() -> None:
    hasher = PasswordHasher(Argon2Parameters(time_cost=2, memory_cost=16, parallelism=1))
    first, second = hasher.hash(PASSWORD), hasher.hash(PASSWORD)
    assert first.startswith("$argon2id$v=19$m=16,t=2,p=1$")
    assert first != second  # a new salt each time
    assert PASSWORD not in first
    assert hasher.verify(first, PASSWORD)
    assert not hasher.verify(first, PASSWORD + "!")


def test_default_costs_are_rfc_9106_low_memory() -> None:
    encoded = PasswordHasher().hash("x")
    assert encoded.startswith("$argon2id$v=19$m=65536,t=3,p=4$")


@pytest.mark.parametrize("encoded", ["", UNUSABLE_PREFIX, "!abc", "$argon2id$garbage", "md5$x"])
def test_unusable_or_malformed_hashes_never_verify(encoded: str) -> None:
    assert not PasswordHasher(FAST).verify(encoded, "")
    assert not PasswordHasher(FAST).verify(encoded, PASSWORD)


def test_needs_rehash_when_the_costs_or_the_variant_change() -> None:
    old = PasswordHasher(FAST)
    new = PasswordHasher(Argon2Parameters(time_cost=2, memory_cost=16, parallelism=1))
    encoded = old.hash(PASSWORD)
    assert not old.needs_rehash(encoded)
    assert new.needs_rehash(encoded)
    assert new.verify(encoded, PASSWORD)  # the old hash still logs in
    argon2i = "$argon2i$v=19$m=8,t=1,p=1$c29tZXNhbHQ$h4U2KQwULdN4g4WWF4iLvuYvmtALpgXrNG9o6Ax2q8o"
    assert old.needs_rehash(argon2i)
    assert not old.needs_rehash(UNUSABLE_PREFIX)


def test_check_password_upgrades_an_old_hash_in_place() -> None:
    user = User(username="ann")
    user.set_password(PASSWORD, hasher=PasswordHasher(FAST))
    before = user.password_hash
    stronger = PasswordHasher(Argon2Parameters(time_cost=2, memory_cost=32, parallelism=1))
    assert not user.check_password("wrong", hasher=stronger)
    assert user.password_hash == before  # a wrong password changes nothing
    assert user.check_password(PASSWORD, hasher=stronger)
    assert user.password_hash != before
    assert user.password_hash.startswith("$argon2id$v=19$m=32,t=2,p=1$")


def test_unusable_passwords() -> None:
    user = User(username="sso")
    assert not user.has_usable_password()  # a new user has none until one is set
    user.set_password(PASSWORD, hasher=PasswordHasher(FAST))
    assert user.has_usable_password()
    user.set_unusable_password()
    assert not user.has_usable_password()
    assert not user.check_password(PASSWORD, hasher=PasswordHasher(FAST))


@pytest.mark.parametrize(
    ("time_cost", "memory_cost", "parallelism"), [(0, 8, 1), (1, 8, 0), (1, 15, 2)]
)
def test_impossible_costs_are_refused(time_cost: int, memory_cost: int, parallelism: int) -> None:
    with pytest.raises(ConfigurationError):
        Argon2Parameters(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)


def test_the_hasher_holds_no_password() -> None:
    hasher = PasswordHasher(FAST)
    hasher.verify(hasher.hash(PASSWORD), PASSWORD)
    hasher.spend_time(PASSWORD)
    assert PASSWORD not in repr(vars(hasher))
