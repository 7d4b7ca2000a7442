"""Every newsletter route, fed absurd ids, tokens and form values, answers 4xx or a form
error, never 500 (on SQLite and PostgreSQL), and the pipeline pieces fail rows cleanly."""

from __future__ import annotations

import logging

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.mail import enqueue_email
from portal.models import OutboxMessage
from portal.web.log_redaction import redact
from tests.fixtures.mail import deliver, rows
from tests.routes import example_path, rules

ODD_VALUES = [
    "x",
    "0",
    "99999999999999999999999",
    "1." + "A" * 43,
    "%00",
    "a%0D%0Ab",
    "é",
    "1.%00" + "a" * 41,
    "../..",
    "x" * 3000,
]
ODD_FORM = {
    "email": "a@b.c\x00",
    "topics": ["tips", "\x00", "\r\n"],
    "race_on": "0000-00-00",
    "race_distance": "-1",
    "paused_until": "9999-12-31",
    "subject": "\x00",
    "body_markdown": "\x1b[31m",
    "send_at": "2026-13-45T25:61",
    "offset_days": "1e400",
    "slug": "\u2028",
    "next": "//evil.example/",
    "List-Unsubscribe": "One-Click",
}


def newsletter_rules(app, method):  # type: ignore[no-untyped-def]
    return [
        rule
        for rule in rules(app, method)
        if rule.endpoint.startswith("newsletter.") or "/staff/newsletter" in rule.rule
    ]


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_no_newsletter_route_answers_500_to_odd_values(app, auth, client, newsletter, method):
    newsletter.sequence()
    newsletter.subscriber("rosa@example.com")
    auth.login_staff()
    found = newsletter_rules(app, method)
    assert len(found) > 10
    for rule in found:
        for value in ODD_VALUES:
            path = example_path(rule, number=value if value.isdigit() else 1, text=value)
            response = client.open(path, method=method, data=ODD_FORM if method == "POST" else None)
            assert response.status_code < 500, (method, path, response.status_code)


def test_newsletter_tokens_never_reach_the_access_log():
    for path in ("confirm", "confirmed", "preferences", "unsubscribe"):
        line = f'"GET /newsletter/{path}/12.SeCrEt_token-x HTTP/1.1" 200 -'
        assert redact(line) == f'"GET /newsletter/{path}/[redacted] HTTP/1.1" 200 -'
    assert "SeCrEt" not in redact("POST /newsletter/preferences/12.SeCrEt/new-links")
    assert redact("GET /newsletter/archive/12") == "GET /newsletter/archive/12"
    assert logging.getLogger("werkzeug").filters


def test_a_row_naming_an_unknown_personaliser_fails_without_retries(app):
    with app.app_context():
        enqueue_email(
            to="rosa@example.com",
            subject="Hi",
            template="newsletter_campaign",
            context={"personalise": "nobody"},
            idempotency_key="odd:1",
        )
        db.session.commit()
    deliver(app)
    (row,) = rows(app)
    assert row.status == "failed" and "no personaliser 'nobody'" in row.last_error


def test_a_campaign_row_whose_campaign_is_gone_fails_permanently(app, newsletter):
    subscriber = newsletter.subscriber()
    with app.app_context():
        enqueue_email(
            to="reader@example.com",
            subject="Hi",
            template="newsletter_campaign",
            context={
                "personalise": "newsletter",
                "kind": "campaign",
                "s": subscriber,
                "k": "x",
                "c": 999,
            },
            headers={"List-Unsubscribe": "<{unsubscribe_url}>"},
            idempotency_key="odd:2",
            category="newsletter",
        )
        db.session.commit()
    deliver(app)
    with app.app_context():
        row = db.session.scalars(sa.select(OutboxMessage)).one()
        assert row.status == "failed" and "no longer exists" in row.last_error


def test_the_feature_tasks_are_on_the_workers_queue(tmp_path):
    from portal.mail.queue import mail_queue
    from tests.conftest import make_test_app

    app = make_test_app(
        f"sqlite:///{tmp_path / 'q.sqlite'}",
        HUEY_IMMEDIATE=False,
        HUEY_SQLITE_PATH=str(tmp_path / "tasks.sqlite"),
    )
    from tests.fixtures.tasks import periodic_task_names

    names = periodic_task_names(mail_queue(app).huey)
    assert {"newsletter_dispatch", "newsletter_tips", "newsletter_expire_pending"} <= names
    assert "sweep_outbox" in names
