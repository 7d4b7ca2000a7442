"""The home page in real Chromium: it renders, is keyboard-reachable and passes axe-core."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.fixtures.browser import browser_sign_in

pytestmark = pytest.mark.e2e


def test_home_page_has_no_axe_violations(page, axe):
    page.goto("/")
    expect(page.locator("h1").first).to_be_visible()
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
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


@pytest.mark.parametrize("path", ["/", "/login", "/register", "/reset-password"])
def test_public_pages_fit_a_phone_screen(page, fits_phone, path):
    page.goto(path)
    fits_phone(page)


def test_account_page_fits_a_phone_screen(page, fits_phone, make_user):
    make_user("phone@example.com")
    browser_sign_in(page, "phone@example.com", "correct-horse-battery-staple")
    page.goto("/account")
    fits_phone(page)


def test_the_csp_blocks_inline_script_and_style_and_the_browser_reports_it(app, request):
    """Proof that the headers work in a real browser (and that console errors are seen)."""
    app.add_url_rule(
        "/csp-probe",
        "csp_probe",
        lambda: (
            "<!doctype html><title>before</title>"
            "<script>document.title = 'inline script ran'</script>"
            '<p id="styled" style="color: rgb(255, 0, 0)">x</p>'
        ),
    )
    browser = request.getfixturevalue("browser")
    live_url = request.getfixturevalue("live_url")
    context = browser.new_context(base_url=live_url)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("console", lambda message: errors.append(message.text))
    tab.goto("/csp-probe")
    assert tab.title() == "before"
    color = tab.eval_on_selector("#styled", "e => getComputedStyle(e).color")
    assert color != "rgb(255, 0, 0)"
    context.close()
    assert any("Content Security Policy" in error for error in errors)
