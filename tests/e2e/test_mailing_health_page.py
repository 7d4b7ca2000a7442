"""A campaign with too many complaints and bounces, in Chromium: the warnings on its page
and the mark in the campaign list pass axe-core and fit a 360 px phone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from portal.mail.bounces import Report, apply_report
from portal.models import BounceKind
from tests.fixtures.browser import browser_sign_in
from tests.fixtures.mail import deliver, rows
from tests.fixtures.newsletter import Newsletter

pytestmark = pytest.mark.e2e


def _check(page, axe, fits_phone) -> None:  # type: ignore[no-untyped-def]
    axe(page)
    fits_phone(page)
    page.set_viewport_size({"width": 1280, "height": 800})


def test_the_warnings_of_a_campaign_with_complaints_and_bounces(
    app, page, axe, fits_phone, make_user
):
    make_user("theo@example.com", role="staff", name="Theo Therapist")
    Newsletter(app).many(10, topics=("news",))
    browser_sign_in(page, "theo@example.com", "correct-horse-battery-staple")
    page.goto("/staff/newsletter/new")
    page.get_by_label("Subject").fill("Taper week, and a note on recovery runs")
    page.get_by_label("Text (Markdown)").fill("Keep the easy runs easy.")
    page.get_by_role("button", name="Save campaign").click()
    page.get_by_role("link", name=re.compile("Send now to 10 subscribers")).click()
    page.get_by_role("button", name="Send now to 10 subscribers").click()
    deliver(app)
    sent = [row.id for row in rows(app)]
    with app.app_context():
        for kind, row in ((BounceKind.COMPLAINT, sent[0]), (BounceKind.HARD, sent[1])):
            apply_report(app, Report(kind, row, "test"), digest=f"{kind}:{row}")

    page.reload()
    expect(page.get_by_role("alert").first).to_contain_text("reported this campaign as spam")
    expect(page.get_by_role("alert").nth(1)).to_contain_text("of messages bounced")
    _check(page, axe, fits_phone)
    page.goto("/staff/newsletter/")
    expect(page.get_by_text("bounces or complaints too high")).to_be_visible()
    _check(page, axe, fits_phone)
