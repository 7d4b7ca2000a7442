"""Password rules: at least 12 characters, not a common password, not the email itself.

The common-password list (19,640 entries) comes from Django's password validation data
(BSD licence, see README); it is read once per process.
"""

from __future__ import annotations

import gzip
from functools import cache
from pathlib import Path

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024
COMMON_PASSWORDS_FILE = Path(__file__).parent / "data" / "common-passwords.txt.gz"


@cache
def common_passwords() -> frozenset[str]:
    with gzip.open(COMMON_PASSWORDS_FILE, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip().lower() for line in lines if line.strip())


def password_problem(password: str, *, email: str | None = None) -> str | None:
    """The message to show for an unacceptable password, or ``None`` if it is fine."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Use at least {MIN_PASSWORD_LENGTH} characters."
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"Use at most {MAX_PASSWORD_LENGTH} characters."
    lowered = password.strip().lower()
    if lowered in common_passwords():
        return "That password is too common; choose one that others are unlikely to use."
    if email and lowered in {email.lower(), email.split("@", 1)[0].lower()}:
        return "Your password must not be your email address."
    if len(set(password)) < 4:
        return "That password repeats too few characters; choose something less predictable."
    return None
