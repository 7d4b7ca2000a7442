"""Password hashing with argon2id, at the OWASP ASVS parameters (19 MiB, t=2, p=1) unless the
settings say otherwise.

The parameters are settings (``PASSWORD_HASH_TIME_COST``, ``PASSWORD_HASH_MEMORY_KIB``) so
that the test suite, which creates and signs in thousands of accounts, can hash cheaply
(``TestingConfig``); every other environment keeps the defaults. A hash made with other
parameters is rehashed at the next sign-in (``needs_rehash``).
"""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app, has_app_context

TIME_COST = 2
MEMORY_KIB = 19 * 1024
PARALLELISM = 1


@cache
def _hasher(time_cost: int, memory_kib: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=PARALLELISM)


def current_hasher() -> PasswordHasher:
    """The hasher of the app's settings (the ASVS parameters outside an app)."""
    if not has_app_context():
        return _hasher(TIME_COST, MEMORY_KIB)
    config = current_app.config
    return _hasher(
        config.get("PASSWORD_HASH_TIME_COST", TIME_COST),
        config.get("PASSWORD_HASH_MEMORY_KIB", MEMORY_KIB),
    )


@cache
def _dummy_hash(hasher: PasswordHasher) -> str:
    """Verified against when the email is unknown, so that a login for an unknown address
    costs the same time as one for a known address (no enumeration by timing)."""
    return hasher.hash("this is not anybody's password")


def hash_password(password: str) -> str:
    return current_hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True if ``password`` matches; a missing hash still spends the time of a check."""
    hasher = current_hasher()
    try:
        return hasher.verify(password_hash or _dummy_hash(hasher), password) and bool(password_hash)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return current_hasher().check_needs_rehash(password_hash)
