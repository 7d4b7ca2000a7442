"""A subscriber's journey in Chromium: subscribe from the home page, confirm from the email
that arrives at a loopback SMTP server, change preferences, one-click unsubscribe. Every
page passes axe-core and fits a 360 px phone. And the back office's campaign pages."""

from __future__ import annotations

import re
from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from portal.mail.delivery import deliver_due_mail
from tests.fixtures.browser import browser_sign_in
from tests.fixtures.newsletter import Newsletter

pytestmark = pytest.mark.e2e

RACE = date.today() + timedelta(days=60)


@pytest.fixture
def app(smtp_app):
    """This module's app sends its mail to the loopback SMTP server."""
    return smtp_app


def _deliver(app, smtp_server, count: int):  # type: ignore[no-untyped-def]
    with app.app_context():
        deliver_due_mail(app)
    return smtp_server.wait_for(count)[count - 1]


def _text(received) -> str:  # type: ignore[no-untyped-def]
    return received.message.get_body(preferencelist=("plain",)).get_content()


def _check(page, axe, fits_phone) -> None:  # type: ignore[no-untyped-def]
    axe(page)
    fits_phone(page)
    page.set_viewport_size({"width": 1280, "height": 800})


def test_subscribe_confirm_change_preferences_and_unsubscribe(
    app, smtp_server, page, axe, fits_phone
):
    Newsletter(app).sequence()

    # Subscribe from the box on the home page.
    page.goto("/")
    _check(page, axe, fits_phone)
    box = page.locator(".subscribe-box")
    box.get_by_label("Email").fill("rosa@example.com")
    box.get_by_text("Add your name and goal race").click()
    box.get_by_label("Name").fill("Rosa")
    box.get_by_label("Goal race").fill("Riverside Marathon")
    box.get_by_label("Race date").fill(RACE.isoformat())
    box.get_by_role("button", name="Subscribe").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    _check(page, axe, fits_phone)

    # The confirmation email; its link opens a page, the button confirms.
    confirmation = _deliver(app, smtp_server, 1)
    assert confirmation.recipients == ["rosa@example.com"]
    link = re.search(r"https?://\S+/newsletter/confirm/\S+", _text(confirmation)).group(0)
    page.goto(urlsplit(link).path)
    _check(page, axe, fits_phone)
    page.get_by_role("button", name="Confirm my subscription").click()
    expect(page.get_by_role("heading", name="You are subscribed")).to_be_visible()
    _check(page, axe, fits_phone)

    # The welcome email carries the preferences link and the one-click headers.
    welcome = _deliver(app, smtp_server, 2)
    assert welcome.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe_url = welcome.message["List-Unsubscribe"].strip("<>")
    preferences = re.search(r"https?://\S+/newsletter/preferences/\S+", _text(welcome)).group(0)

    page.goto(urlsplit(preferences).path)
    expect(page.get_by_text("Tips still to come")).to_be_visible()
    _check(page, axe, fits_phone)
    page.get_by_label("Practice news (opening hours, new therapists, events)").uncheck()
    page.get_by_label("New articles from our blog").check()
    page.get_by_label("Race date").fill((RACE + timedelta(days=7)).isoformat())
    page.get_by_role("button", name="Save my choices").click()
    expect(page.get_by_text("Your choices are saved.")).to_be_visible()
    assert page.get_by_label("New articles from our blog").is_checked()
    _check(page, axe, fits_phone)

    # The unsubscribe link opens a page with a button (GET changes nothing) …
    page.goto(urlsplit(unsubscribe_url).path)
    expect(page.get_by_role("button", name="Unsubscribe")).to_be_visible()
    _check(page, axe, fits_phone)
    # … and the mail provider's one-click POST, without cookies or token, unsubscribes.
    response = page.context.request.post(
        urlsplit(unsubscribe_url).path, form={"List-Unsubscribe": "One-Click"}
    )
    assert response.status == 200
    page.goto(urlsplit(unsubscribe_url).path)
    expect(page.get_by_role("heading", name="You are unsubscribed")).to_be_visible()
    _check(page, axe, fits_phone)


def test_the_back_office_campaign_pages(app, smtp_server, page, axe, fits_phone, make_user):
    make_user("theo@example.com", role="staff", name="Theo Therapist")
    Newsletter(app).many(3, topics=("news",))
    browser_sign_in(page, "theo@example.com", "correct-horse-battery-staple")
    page.goto("/staff/newsletter/")
    _check(page, axe, fits_phone)
    page.get_by_role("link", name="New campaign").first.click()
    _check(page, axe, fits_phone)
    page.get_by_label("Subject").fill("Earlier mornings")
    page.get_by_label("Text (Markdown)").fill("## From 7am\n\nSee you **early**.")
    page.get_by_role("button", name="Save campaign").click()
    expect(page.get_by_role("heading", name="Earlier mornings")).to_be_visible()
    frame = page.frame_locator("iframe.email-frame")
    expect(frame.get_by_text("See you")).to_be_visible()
    _check(page, axe, fits_phone)
    # The whole email shows: the frame grows to the email's height (no box to scroll in).
    handle = page.locator("iframe.email-frame")
    expect(frame.get_by_text("Unsubscribe").first).to_be_attached()
    page.wait_for_function(
        "f => f.contentDocument && f.getBoundingClientRect().height + 4 >= "
        "f.contentDocument.documentElement.scrollHeight",
        arg=handle.element_handle(),
    )
    page.get_by_role("link", name=re.compile("Send now to 3 subscribers")).click()
    expect(page.get_by_role("heading", name="Send this campaign now?")).to_be_visible()
    _check(page, axe, fits_phone)
    page.get_by_role("button", name=re.compile("Send now to 3 subscribers")).click()
    expect(page.get_by_role("heading", name="Progress")).to_be_visible()
    expect(page.locator("[data-campaign-status]")).to_have_text("sending")
    _deliver(app, smtp_server, 3)  # sent over SMTP: the page notices by itself, no reload
    expect(page.locator("[data-campaign-status]")).to_have_text("sent", timeout=15_000)
    expect(page.locator('tr[data-state="sent"] td')).to_have_text("3")
    _check(page, axe, fits_phone)
    page.goto("/staff/newsletter/tips")
    _check(page, axe, fits_phone)
    page.goto("/newsletter/archive/")
    page.get_by_role("link", name="Earlier mornings").click()
    expect(page.get_by_role("heading", name="From 7am")).to_be_visible()
    _check(page, axe, fits_phone)
