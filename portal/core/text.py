"""What text people send may contain: one rule for single-line text, one for multi-line text.

Why one place: a name, a race name, a subject or a title ends up in outputs with strict
formats (email headers, iCalendar lines, JSON exports, the database itself: PostgreSQL
refuses NUL). A line break that slips into a client's name once broke their calendar feed
for good. Forms refuse such input with a message (``portal.web.forms``); code that takes text
from elsewhere (imports, the command line) flattens it with ``single_line``.
"""

from __future__ import annotations

import re
from typing import overload

# Single-line text: no C0 control (tab and line breaks included), no DEL, no C1 control, no
# Unicode line or paragraph separator.
_NOT_IN_A_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# Multi-line text keeps tab, LF and CR (and the Unicode separators, turned into LF).
_NOT_IN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_UNICODE_BREAKS = re.compile("[\u2028\u2029]")

SINGLE_LINE_MESSAGE = "Use one line of ordinary text: no line breaks or control characters."
MULTI_LINE_MESSAGE = "Remove the control characters from this text (tabs and line breaks are fine)."


def strip(value: str | None) -> str | None:
    """A form filter: surrounding white space removed; non-strings pass through."""
    return value.strip() if isinstance(value, str) else value


@overload
def normalise_email(value: str) -> str: ...
@overload
def normalise_email(value: None) -> None: ...
@overload
def normalise_email(value: str | None) -> str | None: ...
def normalise_email(value: str | None) -> str | None:
    """The one spelling of an address the site stores and compares: trimmed, lower case."""
    return value.strip().lower() if isinstance(value, str) else value


def is_single_line(value: str) -> bool:
    return _NOT_IN_A_LINE.search(value) is None


def is_clean_text(value: str) -> bool:
    """True for multi-line text without control characters other than tab, CR and LF."""
    return _NOT_IN_TEXT.search(value) is None


def single_line(value: str) -> str:
    """``value`` flattened to one line: each run of control characters becomes a space."""
    return " ".join(_NOT_IN_A_LINE.sub(" ", value).split())


def clean_text(value: str) -> str:
    """Multi-line ``value`` without control characters; Unicode line separators become LF."""
    return _NOT_IN_TEXT.sub("", _UNICODE_BREAKS.sub("\n", value))
