"""Password rules: at least 12 characters, not a common password, not the email itself,
not a word of this site (``CONTEXT_WORDS`` and the practice's name) with digits or
punctuation around it.

The common-password list (19,640 entries) comes from Django's password validation data
(BSD licence, see README); it is read once per process.
"""

from __future__ import annotations

import gzip
import re
from functools import cache
from pathlib import Path

from flask import current_app, has_app_context

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024
COMMON_PASSWORDS_FILE = Path(__file__).parent / "data" / "common-passwords.txt.gz"


# Words anyone guessing a password for this site would try first (ASVS 6.1.2, 6.2.11). A
# password that is one of them, or the practice's name, once digits, punctuation and
# spaces are taken away ("MassageWorks2026!", "sports-massage-1") is refused.
CONTEXT_WORDS = frozenset(
    {
        "massage",
        "massages",
        "massageworks",
        "sportsmassage",
        "sportmassage",
        "massagetherapy",
        "massagetherapist",
        "therapist",
        "runner",
        "running",
        "marathon",
        "portal",
        "clientportal",
        "password",
        "welcome",
    }
)
_NOT_LETTERS = re.compile(r"[\W\d_]+")


def _letters(text: str) -> str:
    return _NOT_LETTERS.sub("", text.lower())


def context_words() -> frozenset[str]:
    words = set(CONTEXT_WORDS)
    if has_app_context():
        from portal.core import practice  # the practice's models import this module

        words.add(_letters(str(current_app.config.get("PRACTICE_NAME") or "")))
        words.add(_letters(practice.current().name))
    words.discard("")
    return frozenset(words)


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
    if _letters(password) in context_words():
        return "That password is too easy to guess for this site; choose something else."
    if len(set(password)) < 4:
        return "That password repeats too few characters; choose something less predictable."
    return None
