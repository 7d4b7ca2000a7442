"""Account pages in Chromium: register, confirm, sign in, the account page; axe-core on each."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from portal.extensions import db
from portal.models import OutboxMessage

pytestmark = pytest.mark.e2e

PASSWORD = "recovery-week-easy-miles"


def queued_link(app, template: str) -> str:
    with app.app_context():
        message = db.session.scalar(
            sa.select(OutboxMessage)
            .where(OutboxMessage.template == template)
            .order_by(OutboxMessage.id.desc())
        )
        return urlsplit(message.context["link"]).path


def test_reader_registers_confirms_and_is_signed_in(app, page, axe):
    page.goto("/register")
    axe(page)
    page.get_by_label("Name").fill("Nina Reader")
    page.get_by_label("Email").fill("nina@example.com")
    page.get_by_label("New password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat the new password").fill("something-else-entirely")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_text("The two passwords differ.")).to_be_visible()
    assert page.get_by_label("Name").input_value() == "Nina Reader"  # kept
    axe(page)  # the page with errors is accessible too

    page.get_by_label("New password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat the new password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()

    page.goto(queued_link(app, "confirm_email"))
    axe(page)
    page.get_by_role("button", name="Confirm my email address").click()
    # Confirming signs the reader in (issue 8, item 12): no empty sign-in form.
    expect(
        page.get_by_text("Welcome, Nina Reader! Your email address is confirmed.")
    ).to_be_visible()
    axe(page)
    page.goto("/account")
    expect(page.get_by_text("Signed in as nina@example.com")).to_be_visible()
    axe(page)


def test_reset_request_page_is_accessible(page, axe):
    page.goto("/reset-password")
    axe(page)
    page.get_by_label("Email").fill("nobody@example.com")
    page.get_by_role("button", name="Email me a reset link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
