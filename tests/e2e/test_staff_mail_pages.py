"""The mail pages in real Chromium: the HTML part renders in its sandbox, axe-core passes."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from portal.extensions import db
from portal.models import OutboxMessage
from tests.conftest import PASSWORD
from tests.fixtures.browser import browser_sign_in
from tests.fixtures.mail import deliver, queue

pytestmark = pytest.mark.e2e


def _sign_in_as_staff(page, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user("therapist@example.com", role="staff")
    browser_sign_in(page, "therapist@example.com", PASSWORD)
    page.wait_for_url("**/staff/")


def test_a_caught_message_shows_its_html_in_a_sandboxed_frame(app, page, axe, make_user):
    queue(app, 1)
    deliver(app)
    make_user("admin@example.com", role="admin")  # the mailbox is for admins only
    browser_sign_in(page, "admin@example.com", PASSWORD)
    page.wait_for_url("**/staff/")

    page.goto("/staff/mail/mailbox")
    axe(page)
    page.get_by_role("link", name="Your Massage Works client account").click()
    frame = page.frame_locator("iframe")
    expect(frame.get_by_role("link", name="Choose your password")).to_be_visible()
    expect(page.get_by_text("Hello A Runner,").first).to_be_visible()
    axe(page)


def test_the_mail_log_retries_a_failed_message(app, page, axe, make_user):
    queue(app, 1)
    with app.app_context():
        db.session.execute(sa.update(OutboxMessage).values(status="failed", last_error="550 gone"))
        db.session.commit()
    _sign_in_as_staff(page, make_user)

    page.goto("/staff/mail/log")
    axe(page)
    page.get_by_role("button", name="Retry").click()
    expect(page.get_by_text("will be sent again")).to_be_visible()


def test_bounced_addresses_page_is_accessible(app, page, axe, make_user):
    from portal.models import BouncedAddress

    with app.app_context():
        db.session.add(
            BouncedAddress(address="gone@example.com", hard_failures=2, last_error="550")
        )
        db.session.commit()
    _sign_in_as_staff(page, make_user)
    page.goto("/staff/mail/bounces")
    axe(page)
    page.get_by_role("button", name="Clear").click()
    expect(page.get_by_text("gone@example.com will receive newsletters again")).to_be_visible()
