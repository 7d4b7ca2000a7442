"""Rendering an outbox row's templates, in the worker, just before sending.

Why at send time and not at enqueue: a row stays small (template name and a JSON context,
not 8 KB of markup per subscriber of a campaign), the request that enqueues pays nothing
for rendering, and a corrected template reaches mail that is still queued. The context is
a snapshot of values taken at enqueue, so what is sent does not depend on when it is sent.
The practice's details (name, address… as an admin saved them) are the exception: they are
read once per batch and passed in as ``practice``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from flask import Flask
from jinja2 import Template, TemplateNotFound

from portal.core.practice import PracticeDetails
from portal.mail.compose import header_text


class TemplateProblem(ValueError):
    """The row's templates are missing or fail to render: sending it again will not help."""


# --- personalised rows ---------------------------------------------------------------------
#
# Some values of a message cannot be stored in its row: a link whose token is an HMAC under
# SECRET_KEY (a copy of the database must not open anyone's preferences), or a campaign body
# that would be the same 8 KB in each of 100,000 rows. A feature registers a *personaliser*
# under a name; a row that names it in its context (``PERSONALISE``) gets the values it
# derives merged into the context when rendered, and ``{name}`` placeholders in the row's
# headers filled from them (``List-Unsubscribe: <{unsubscribe_url}>``). The row stays a
# snapshot: a personaliser derives from what the row holds (ids, the token secret as it
# was) and from content that no longer changes (a queued campaign).

PERSONALISE = "personalise"
Personaliser = Callable[[Flask, Mapping[str, Any]], Mapping[str, str]]
_personalisers: dict[str, Personaliser] = {}


def register_personaliser(name: str, personaliser: Personaliser) -> None:
    _personalisers[name] = personaliser


def personalise(
    app: Flask, context: Mapping[str, Any], headers: Mapping[str, str]
) -> tuple[Mapping[str, Any], Mapping[str, str]]:
    """The row's context and headers with its personaliser's values (if it names one)."""
    name = context.get(PERSONALISE)
    if name is None:
        return context, headers
    personaliser = _personalisers.get(name)
    if personaliser is None:
        raise TemplateProblem(f"no personaliser {name!r}")
    try:
        values = personaliser(app, context)
        filled = {header: value.format_map(values) for header, value in headers.items()}
    except TemplateProblem:
        raise
    except Exception as error:  # a row it cannot personalise will not improve with retries
        raise TemplateProblem(f"personalising failed: {type(error).__name__}: {error}") from error
    return {**context, **values}, filled


def template_names(template: str) -> tuple[str, str]:
    return f"email/{template}.txt", f"email/{template}.html"


def check_templates_exist(app: Flask, template: str) -> None:
    """Raise ``TemplateProblem`` now, in the enqueuing request, for a misspelt template."""
    for name in template_names(template):
        try:
            app.jinja_env.get_template(name)
        except TemplateNotFound as error:
            raise TemplateProblem(f"no template {name}") from error


def render_parts(
    app: Flask,
    *,
    template: str,
    subject: str,
    context: Mapping[str, Any],
    practice: PracticeDetails,
) -> tuple[str, str]:
    """The text and HTML bodies. ``.html`` templates autoescape; ``.txt`` ones do not."""
    values = {
        **context,
        "subject": header_text(subject),
        "practice": practice,
        "base_url": app.config["PORTAL_BASE_URL"],
    }
    text_name, html_name = template_names(template)
    try:
        text = _render(app.jinja_env.get_template(text_name), values)
        html = _render(app.jinja_env.get_template(html_name), values)
    except Exception as error:  # any template error is permanent for this row
        raise TemplateProblem(f"{type(error).__name__}: {error}") from error
    return text, html


@lru_cache(maxsize=64)
def _globals_of(template: Template) -> dict[str, Any]:
    """The template's globals (Flask's and Jinja's, a ``ChainMap``) as one dict, made once.

    The environment's globals are set when the app is created and do not change in a worker.
    """
    return dict(template.globals)


def _render(template: Template, values: Mapping[str, Any]) -> str:
    """``template.render(values)``, without merging the globals into a new dict every time.

    ``render`` copies the ``ChainMap`` of 17 globals for each call, a third of the cost of
    rendering a campaign email (8 µs of 25). Here they are merged once (``_globals_of``) and
    the context is built from the result as it is (``shared=True``: no further copy).
    """
    context = template.new_context({**_globals_of(template), **values}, shared=True)
    return template.environment.concat(template.root_render_func(context))
