"""One daily budget for the emails anybody can cause to one address (issue 17, item 2):
newsletter confirmation, reply-notification confirmation, registration, reset and lockout
notice share at most three a day, counted in the database."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.mail import budget
from portal.mail.retention import apply_retention
from portal.models import MailBudget, OutboxMessage, OutboxStatus
from portal.models.types import utcnow
from tests.blog.conftest import Blog, guest

VICTIM = "vera@example.com"
LIMITS = {
    "LOGIN_FAILURES_PER_ACCOUNT": "3 per hour",
    "COMMENT_FLOOD_SECONDS": 0,
    "RESET_LIMIT_PER_IP": "100 per minute",
    "RESET_LIMIT_PER_ACCOUNT": "100 per hour",
}


def _rows(app, to: str = VICTIM) -> list[OutboxMessage]:
    with app.app_context():
        found = list(
            db.session.scalars(
                sa.select(OutboxMessage)
                .where(OutboxMessage.to_address == to)
                .order_by(OutboxMessage.id)
            )
        )
        db.session.expunge_all()
        return found


def _sent(rows: list[OutboxMessage]) -> list[str]:
    return [row.template for row in rows if row.status != OutboxStatus.SUPPRESSED]


def _from(number: int) -> dict[str, str]:
    return {"REMOTE_ADDR": f"10.1.{number // 250}.{number % 250 + 1}"}


@pytest.mark.config(**LIMITS)
def test_every_kind_of_email_anybody_can_cause_shares_three_a_day(app, make_user):
    make_user(VICTIM, name="Vera Victim")
    Blog(app).post(slug="calves")
    attacker = app.test_client()
    asks = [
        lambda n: attacker.post(
            "/newsletter/subscribe", data={"email": VICTIM, "topics": ["tips"], "source": "/"}
        ),
        lambda n: attacker.post(
            "/reset-password", data={"email": VICTIM}, environ_base=_from(n)
        ),
        lambda n: attacker.post(
            "/register",
            data={"name": "N", "email": VICTIM, "password": "easy-pace-long-run",
                  "confirm": "easy-pace-long-run"},
            environ_base=_from(n),
        ),
        lambda n: attacker.post(
            "/blog/calves/comments",
            data=guest(app, f"Reply to me {n}", email=VICTIM, notify="y"),
            environ_base=_from(n),
        ),
    ]  # fmt: skip
    answers = [ask(n).status_code for n, ask in enumerate(asks)]
    for n in range(4):  # a sign-in lockout notice, from many addresses
        attacker.post(
            "/login", data={"email": VICTIM, "password": f"guess-{n}"}, environ_base=_from(50 + n)
        )
    again = attacker.post("/reset-password", data={"email": VICTIM}, environ_base=_from(99))

    rows = _rows(app)
    assert _sent(rows) == ["newsletter_confirm", "reset_password", "already_registered"]
    withheld = [row for row in rows if row.status == OutboxStatus.SUPPRESSED]
    assert {row.template for row in withheld} == {
        "comment_notify_confirm",
        "login_locked",
        "reset_password",
    }
    assert {row.last_error for row in withheld} == {budget.BUDGET_SPENT}
    # The same answers once the budget is spent: nothing tells the asker.
    assert answers == [200, 200, 200, 302] and again.status_code == 200
    with app.app_context():
        assert budget.asked_today(VICTIM) == 6
    # Other addresses have budgets of their own.
    attacker.post("/reset-password", data={"email": "other@example.com"}, environ_base=_from(7))
    make_user("other@example.com")
    attacker.post("/reset-password", data={"email": "other@example.com"}, environ_base=_from(8))
    assert _sent(_rows(app, "other@example.com")) == ["reset_password"]


@pytest.mark.config(**LIMITS)
def test_an_unknown_address_spends_nothing_and_gets_the_same_answer(app, make_user):
    make_user(VICTIM)
    client = app.test_client()
    for n in range(4):
        client.post("/reset-password", data={"email": VICTIM}, environ_base=_from(n))
    known = client.post("/reset-password", data={"email": VICTIM}, environ_base=_from(10))
    unknown = client.post(
        "/reset-password", data={"email": "nobody@example.com"}, environ_base=_from(11)
    )
    assert known.status_code == unknown.status_code == 200
    assert known.get_data(as_text=True).replace(VICTIM, "nobody@example.com") == unknown.get_data(
        as_text=True
    )
    assert len(_sent(_rows(app))) == 3
    with app.app_context():
        assert budget.asked_today("nobody@example.com") == 0  # the rehearsal was rolled back


@pytest.mark.config(**LIMITS)
def test_concurrent_requests_from_many_addresses_send_three_at_most(app, make_user):
    make_user(VICTIM)
    barrier = threading.Barrier(8)
    statuses: list[int] = []

    def reset(number: int) -> None:
        client = app.test_client()
        barrier.wait()
        response = client.post(
            "/reset-password", data={"email": VICTIM}, environ_base=_from(number)
        )
        statuses.append(response.status_code)

    threads = [threading.Thread(target=reset, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 8
    rows = _rows(app)
    assert len(rows) == 8 and len(_sent(rows)) == 3


def test_the_budget_is_per_day_and_past_days_are_deleted(app):
    yesterday = utcnow() - timedelta(days=1)
    with app.app_context():
        assert [budget.spend(VICTIM, yesterday) for _ in range(4)] == [True, True, True, False]
        assert budget.spend("VERA@Example.com ") is True  # a new day, one spelling
        db.session.commit()
    with app.app_context(), db.engine.connect() as conn:
        assert apply_retention(app, conn, now=utcnow()).budgets_deleted == 1
    with app.app_context():
        assert db.session.scalars(sa.select(MailBudget.asked)).all() == [1]


@pytest.mark.config(MAIL_ANONYMOUS_PER_ADDRESS_PER_DAY=1, **LIMITS)
def test_the_budget_is_a_setting(app, make_user):
    make_user(VICTIM)
    client = app.test_client()
    for n in range(2):
        client.post("/reset-password", data={"email": VICTIM}, environ_base=_from(n))
    assert _sent(_rows(app)) == ["reset_password"]
