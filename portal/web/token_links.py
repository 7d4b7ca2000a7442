"""Links that carry a secret, and how to hide them: one registry for the whole site.

A one-time link (a password reset, an invitation, an email confirmation…) lets whoever holds
it act as its recipient until it is used. Two places show links to other people: the access
log (``portal.web.log_redaction``) and the development mailbox (``portal.staff.mail``). Both call
``redact``, which replaces the secret part of every registered link with ``[redacted]``.

Blueprints register their own token URLs when their routes module is imported, next to the
routes themselves:

    from portal.web.token_links import register_token_parameter, register_token_route

    register_token_route("/newsletter/confirm/", "/newsletter/unsubscribe/")
    register_token_parameter("token")  # for ``…?token=<secret>``

A route prefix is the path up to the token, ending in ``/``: the path segment after it is
the secret (``/newsletter/confirm/<token>``). A parameter name redacts ``name=<secret>`` in
query strings. ``tests/test_token_links.py`` walks the URL map: a rule with a ``<token>``
variable that no prefix covers fails the suite, so a new token route cannot be forgotten.
"""

from __future__ import annotations

import re

MARKER = "[redacted]"

_route_prefixes: set[str] = set()
_parameters: set[str] = set()
_patterns: tuple[re.Pattern[str], re.Pattern[str] | None] | None = None


def register_token_route(*prefixes: str) -> None:
    """Treat the path segment after each of ``prefixes`` (``"/x/confirm/"``) as a secret."""
    global _patterns
    for prefix in prefixes:
        if not (prefix.startswith("/") and prefix.endswith("/")):
            raise ValueError(f"a token route prefix starts and ends with '/': {prefix!r}")
        _route_prefixes.add(prefix)
    _patterns = None


def register_token_parameter(*names: str) -> None:
    """Treat the value of each query parameter in ``names`` as a secret."""
    global _patterns
    _parameters.update(names)
    _patterns = None


def token_route_prefixes() -> frozenset[str]:
    return frozenset(_route_prefixes)


def _compiled() -> tuple[re.Pattern[str], re.Pattern[str] | None]:
    global _patterns
    if _patterns is None:
        # Longest first, so that a prefix inside another cannot cut a match short.
        prefixes = sorted(_route_prefixes, key=len, reverse=True)
        # Nothing registered: a pattern that never matches (``(?!)``).
        routes = "|".join(re.escape(prefix) for prefix in prefixes) or "(?!)"
        # The secret runs to the end of the path segment: up to a slash, query, fragment,
        # quote, angle bracket or white space (text, HTML attributes and log lines alike).
        path_pattern = re.compile(rf"({routes})[^\s/?#\"'<>]+")
        query_pattern = None
        if _parameters:
            names = "|".join(re.escape(name) for name in sorted(_parameters))
            # ``&amp;`` is how an HTML attribute writes ``&``. A query string on its own
            # (gunicorn's ``%(q)s`` atom has no ``?``) starts with the parameter itself.
            query_pattern = re.compile(rf"((?:^|[?&])(?:amp;)?(?:{names})=)[^\s&#\"'<>]+")
        _patterns = (path_pattern, query_pattern)
    return _patterns


def redact(text: str) -> str:
    """``text`` with the secret of every registered link replaced by ``[redacted]``."""
    path_pattern, query_pattern = _compiled()
    text = path_pattern.sub(rf"\1{MARKER}", text)
    if query_pattern is not None:
        text = query_pattern.sub(rf"\1{MARKER}", text)
    return text
