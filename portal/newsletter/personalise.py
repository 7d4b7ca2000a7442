"""Per-subscriber values of newsletter emails, derived when each message is sent.

A queued newsletter row holds only ``{"personalise": "newsletter", "kind": …, "s": subscriber
id, "k": the subscriber's token secret, …}`` and the id of what it carries (campaign, tip
step, article). Here, in the worker, they become the subscriber's links (an HMAC under
``SECRET_KEY``: a copy of the outbox alone opens no one's preferences) and the body of the
campaign, tip or article, read once per sending process and kept for a few minutes: a queued
campaign and an article mailing never change, and a corrected tip reaches the tips still
queued.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

import sqlalchemy as sa
from flask import Flask

from portal.extensions import db
from portal.mail.render import TemplateProblem, register_personaliser
from portal.models import ArticleMailing, Campaign, TipStep
from portal.newsletter import content
from portal.newsletter.tokens import Purpose, make_token
from portal.web.urls import external_url

NAME = "newsletter"
CACHE_SECONDS = 300.0

_cache: dict[tuple[str, str, int], tuple[float, dict[str, str]]] = {}


def row_context(kind: str, subscriber_id: int, secret: str, **values: Any) -> dict[str, Any]:
    """The context of a newsletter row (what ``INSERT … SELECT`` builds in SQL, too)."""
    return {"personalise": NAME, "kind": kind, "s": subscriber_id, "k": secret, **values}


def _link_prefixes(app: Flask) -> dict[str, str]:
    """``PORTAL_BASE_URL/newsletter/unsubscribe/`` etc., built once per app."""
    found = app.extensions.get("newsletter_link_prefixes")
    if found is None:
        marker = "TOKEN"
        found = {
            name: external_url(endpoint, token=marker).rsplit(marker, 1)[0]
            for name, endpoint in (
                ("unsubscribe_url", "newsletter.unsubscribe"),
                ("preferences_url", "newsletter.preferences"),
            )
        }
        app.extensions["newsletter_link_prefixes"] = found
    return found


def subscriber_links(app: Flask, subscriber_id: int, secret: str) -> dict[str, str]:
    token = make_token(subscriber_id, secret, Purpose.MANAGE, app)
    return {name: prefix + token for name, prefix in _link_prefixes(app).items()}


def _cached(
    app: Flask, kind: str, ident: int, load: Callable[[], dict[str, str]]
) -> dict[str, str]:
    # Keyed by database too: one process may serve several apps (the test suite does).
    key = (app.config["SQLALCHEMY_DATABASE_URI"], kind, ident)
    now = time.monotonic()
    hit = _cache.get(key)
    if hit is not None and hit[0] > now:
        return hit[1]
    value = load()
    if len(_cache) > 256:
        _cache.clear()
    _cache[key] = (now + CACHE_SECONDS, value)
    return value


def _one(statement: sa.Select[*tuple[Any, ...]]) -> sa.Row[*tuple[Any, ...]]:
    with db.engine.connect() as conn:
        row = conn.execute(statement).first()
    if row is None:
        raise TemplateProblem("what this email carries no longer exists")
    return row


def campaign_parts(app: Flask, campaign_id: int) -> dict[str, str]:
    def load() -> dict[str, str]:
        row = _one(
            sa.select(Campaign.html_snapshot, Campaign.text_snapshot).where(
                Campaign.id == campaign_id
            )
        )
        if row.html_snapshot is None:
            raise TemplateProblem("the campaign was never queued")
        return {
            "body_html": row.html_snapshot,
            "body_text": row.text_snapshot or "",
            "browser_url": external_url("newsletter.archive_campaign", campaign_id=campaign_id),
        }

    return _cached(app, "campaign", campaign_id, load)


def tip_parts(app: Flask, step_id: int) -> dict[str, str]:
    def load() -> dict[str, str]:
        row = _one(sa.select(TipStep.body_markdown).where(TipStep.id == step_id))
        return {
            "body_html": content.email_html(row.body_markdown),
            "body_text": content.plain_text(row.body_markdown),
            "browser_url": external_url("newsletter.tip_page", step_id=step_id),
        }

    return _cached(app, "tip", step_id, load)


def article_parts(app: Flask, article_id: int) -> dict[str, str]:
    def load() -> dict[str, str]:
        row = _one(
            sa.select(
                ArticleMailing.title,
                ArticleMailing.summary,
                ArticleMailing.html,
                ArticleMailing.url,
            ).where(ArticleMailing.article_id == article_id)
        )
        return {
            "title": row.title,
            "summary": row.summary,
            "body_html": content.inline_email_css(row.html),
            "browser_url": row.url,
        }

    return _cached(app, "article", article_id, load)


def newsletter_values(app: Flask, context: Mapping[str, Any]) -> dict[str, str]:
    values = subscriber_links(app, int(context["s"]), str(context["k"]))
    kind = context.get("kind")
    if kind == "campaign":
        values.update(campaign_parts(app, int(context["c"])))
    elif kind == "tip":
        values.update(tip_parts(app, int(context["t"])))
    elif kind == "article":
        values.update(article_parts(app, int(context["a"])))
    elif kind == "welcome":
        values["browser_url"] = external_url("newsletter.welcome_page")
    else:
        raise TemplateProblem(f"unknown newsletter email {kind!r}")
    return values


def preview_values(app: Flask, **parts: str) -> dict[str, str]:
    """Links for a test send or a preview: they look real and lead to a "not found" page."""
    prefixes = _link_prefixes(app)
    values = {name: prefix + "preview" for name, prefix in prefixes.items()}
    values.update(parts)
    return values


def install() -> None:
    register_personaliser(NAME, newsletter_values)
