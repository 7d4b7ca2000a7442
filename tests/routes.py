"""Walking the URL map: tests that cover every route, including routes added later.

``example_path(rule)`` fills each variable of a rule with a value of the right kind, so a
test can call every route without knowing them. The CSRF test, the client-isolation test and
the bad-input test use it.
"""

from __future__ import annotations

import re

from flask import Flask
from werkzeug.routing import IntegerConverter, Rule


def example_path(rule: Rule, *, number: int | str = 1, text: str = "x") -> str:
    """``rule`` as a path, numbers for ``int`` variables and ``text`` for the others."""
    path = rule.rule
    for name, converter in rule._converters.items():  # noqa: SLF001
        value = number if isinstance(converter, IntegerConverter) else text
        path = re.sub(rf"<(?:[^:<>]+:)?{name}>", str(value), path)
    return path


def rules(app: Flask, method: str) -> list[Rule]:
    """Every rule that answers ``method``, except static files."""
    return sorted(
        (
            rule
            for rule in app.url_map.iter_rules()
            if method in (rule.methods or ()) and rule.endpoint != "static"
        ),
        key=lambda rule: rule.rule,
    )


def has_int_variable(rule: Rule) -> bool:
    return any(isinstance(c, IntegerConverter) for c in rule._converters.values())  # noqa: SLF001
