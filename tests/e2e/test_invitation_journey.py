"""A client's first visit, end to end in Chromium: staff invite them in the back office, the
invitation arrives at a real SMTP server on loopback, the client follows the link, chooses a
password and lands on their dashboard."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from portal.mail.delivery import deliver_due_mail
from tests.fixtures.browser import browser_sign_in

pytestmark = pytest.mark.e2e

STAFF_PASSWORD = "correct-horse-battery-staple"
CLIENT_PASSWORD = "negative-splits-at-dawn"


@pytest.fixture
def app(smtp_app):
    """This module's app sends its mail to the loopback SMTP server."""
    return smtp_app


def test_invited_client_sets_a_password_and_lands_on_the_dashboard(
    app, smtp_server, page, axe, make_user
):
    make_user("theo@example.com", role="staff", name="Theo Therapist")

    # Staff invite the client through the back office.
    browser_sign_in(page, "theo@example.com", STAFF_PASSWORD)
    page.goto("/staff/clients/invite")
    page.get_by_label("Name").fill("Mara Miles")
    page.get_by_label("Email").fill("mara@example.com")
    page.get_by_role("button", name=re.compile("invit", re.I)).click()
    expect(page.get_by_text("Invitation sent to mara@example.com")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    # A worker delivers the outbox to the loopback SMTP server.
    with app.app_context():
        report = deliver_due_mail(app)
    assert report.sent == 1
    (received,) = smtp_server.wait_for(1)
    assert received.recipients == ["mara@example.com"]
    text = received.message.get_body(preferencelist=("plain",)).get_content()
    link = re.search(r"https?://\S+/invitation/\S+", text).group(0)

    # The client follows the link (on this test server) and chooses a password.
    page.goto(urlsplit(link).path)
    axe(page)
    expect(page.get_by_text("mara@example.com")).to_be_visible()
    page.get_by_label("New password", exact=True).fill(CLIENT_PASSWORD)
    page.get_by_label("Repeat the new password").fill(CLIENT_PASSWORD)
    page.get_by_role("button", name="Save password").click()

    page.wait_for_url("**/portal/")
    expect(page.get_by_text("Welcome! Your password is set")).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("Mara Miles"))).to_be_visible()
    axe(page)

    # The link is spent: a second use says so.
    page.goto(urlsplit(link).path)
    expect(page.get_by_text("This link has already been used")).to_be_visible()
