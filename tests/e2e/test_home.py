"""The home page in real Chromium: it renders, is keyboard-reachable and passes axe-core."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e


def test_home_page_has_no_axe_violations(page, axe):
    page.goto("/")
    assert page.locator("h1").first.is_visible()
    axe(page)


def test_login_page_has_no_axe_violations_and_works_by_keyboard(page, axe, make_user):
    make_user("keyboard@example.com")
    page.goto("/login")
    axe(page)
    page.keyboard.press("Tab")  # the skip link comes first
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.get_by_label("Email").fill("keyboard@example.com")
    page.get_by_label("Password").fill("correct-horse-battery-staple")
    page.get_by_label("Password").press("Enter")
    page.wait_for_url("**/")
    assert page.get_by_role("button", name="Sign out").is_visible()


@pytest.mark.parametrize("path", ["/", "/login", "/register", "/reset-password"])
def test_public_pages_fit_a_phone_screen(page, fits_phone, path):
    page.goto(path)
    fits_phone(page)


def test_account_page_fits_a_phone_screen(page, fits_phone, make_user):
    make_user("phone@example.com")
    page.goto("/login")
    page.get_by_label("Email").fill("phone@example.com")
    page.get_by_label("Password").fill("correct-horse-battery-staple")
    page.get_by_role("button", name="Sign in").click()
    page.goto("/account")
    fits_phone(page)
