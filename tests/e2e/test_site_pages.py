"""The public site in real Chromium (issue 19): the home page and the practice's pages pass
axe-core at 1280 and 360 px, the header says how to book, and on a phone the header and any
sub-menu stay within about 120 px and the menu opens without JavaScript."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from portal.demo import seed_all
from tests.conftest import PASSWORD
from tests.fixtures.browser import browser_sign_in

pytestmark = pytest.mark.e2e

HEADER_LIMIT = 125  # px from the top of the page to the first heading of the content
FIRST_HEADING = "() => Math.round(document.querySelector('main h1').getBoundingClientRect().top)"


@pytest.fixture
def demo(app):
    with app.app_context():
        seed_all()


@pytest.mark.parametrize("width", [1280, 360])
@pytest.mark.parametrize("path", ["/", "/services", "/visit", "/privacy"])
def test_public_pages_pass_axe_and_fit(page, axe, fits_phone, demo, path, width):
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(path)
    expect(page.locator("main h1")).to_be_visible()
    axe(page)
    if width == 360:
        fits_phone(page)
        assert page.evaluate(FIRST_HEADING) <= HEADER_LIMIT


def test_home_leads_with_booking_and_the_header_has_the_way_to_book(page, demo):
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto("/")
    hero = page.locator(".hero")
    expect(hero.get_by_role("link", name="Book a session by email")).to_be_visible()
    header = page.locator(".site-header")
    expect(header.get_by_role("link", name="Book a session")).to_be_visible()
    expect(header.get_by_role("link", name="Services and prices")).to_be_visible()
    expect(page.locator("main").get_by_role("link", name="Client sign in")).to_be_visible()
    assert page.locator("main a.button", has_text="sign in").count() == 0


def test_the_phone_menu_opens_without_javascript(browser, live_url, demo):
    context = browser.new_context(base_url=live_url, java_script_enabled=False)
    tab = context.new_page()
    tab.set_viewport_size({"width": 360, "height": 740})
    tab.goto("/")
    about = tab.locator(".nav-narrow").get_by_role("link", name="About")
    expect(about).to_be_hidden()
    tab.locator(".nav-narrow summary").click()
    expect(about).to_be_visible()
    about.click()
    expect(tab.locator("main h1")).to_have_text("About")
    context.close()


@pytest.mark.parametrize("path", ["/staff/", "/staff/pages", "/staff/mail/log", "/portal/"])
def test_signed_in_pages_keep_header_and_sub_menu_short_on_a_phone(page, make_user, demo, path):
    role = "client" if path.startswith("/portal") else "admin"
    make_user(f"{role}-phone@example.com", role=role)
    browser_sign_in(page, f"{role}-phone@example.com", PASSWORD)
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(path)
    assert page.evaluate(FIRST_HEADING) <= HEADER_LIMIT


def test_staff_write_a_page_with_a_preview(page, axe, make_user):
    make_user("writer@example.com", role="staff")
    browser_sign_in(page, "writer@example.com", PASSWORD)
    page.goto("/staff/pages/new")
    axe(page)
    page.get_by_label("Title").fill("Visit us")
    page.get_by_label("Page text").fill("Park behind the building. **Free** for two hours.")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator(".preview strong")).to_have_text("Free")
    page.get_by_label("Status").select_option("published")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".flash-success")).to_contain_text("is published")
    page.goto("/visit-us")
    expect(page.locator("main h1")).to_have_text("Visit us")
    axe(page)
