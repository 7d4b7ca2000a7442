"""The returning client's journey in real Chromium, with axe-core on every page it visits.

Demo data as ``make run`` loads it; the client signs in, opens her history and the latest
session, marks that session's recommendation done and finds it under "Done".
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.fixtures.browser import browser_sign_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def demo_data(app) -> None:
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output


def test_client_reviews_a_session_and_marks_its_recommendation_done(demo_data, page, axe):
    browser_sign_in(page, "runner@example.com", "runner-demo-pass")
    page.wait_for_url("**/portal/")
    expect(page.get_by_role("heading", name="When to book next")).to_be_visible()
    axe(page)

    portal_nav = page.get_by_role("navigation", name="Your portal")
    portal_nav.get_by_role("link", name="Sessions").click()
    page.wait_for_url("**/portal/sessions")
    expect(page.get_by_role("heading", name="Your sessions")).to_be_visible()
    axe(page)

    page.locator("table.history tbody tr").first.get_by_role("link").click()
    page.wait_for_url("**/portal/sessions/*")
    expect(page.get_by_role("heading", name="Notes from your therapist")).to_be_visible()
    axe(page)

    item = page.locator("li.recommendation", has_text="Calves with a roller stick")
    item.get_by_role("button", name="Mark done").click()
    page.wait_for_url("**/portal/sessions/*")
    expect(page.get_by_text("Marked done: Calves with a roller stick.")).to_be_visible()
    axe(page)

    portal_nav = page.get_by_role("navigation", name="Your portal")
    portal_nav.get_by_role("link", name="Recommendations").click()
    page.wait_for_url("**/portal/recommendations")
    done = page.locator("#done-recommendations")
    expect(done.get_by_role("heading", name="Calves with a roller stick")).to_be_visible()
    active = page.locator("#active-recommendations")
    assert active.get_by_text("Calves with a roller stick").count() == 0
    axe(page)


@pytest.mark.parametrize("path", ["/portal/progress", "/portal/profile", "/portal/calendar"])
def test_other_portal_pages_pass_axe(demo_data, page, axe, path):
    browser_sign_in(page, "runner@example.com", "runner-demo-pass")
    page.wait_for_url("**/portal/")
    page.goto(path)
    axe(page)


@pytest.mark.parametrize(
    "path", ["/staff/clients", "/staff/clients/{id}", "/staff/clients/{id}/sessions/new"]
)
def test_staff_client_pages_pass_axe(demo_data, app, page, axe, path):
    import sqlalchemy as sa

    from portal.extensions import db
    from portal.models import User

    with app.app_context():
        rosa = db.session.scalar(sa.select(User.id).where(User.email == "runner@example.com"))
    browser_sign_in(page, "therapist@example.com", "therapist-demo-pass")
    page.wait_for_url("**/staff/")
    page.goto(path.format(id=rosa))
    axe(page)
