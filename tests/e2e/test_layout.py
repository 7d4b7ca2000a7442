"""The page frame in real Chromium: space around the content, lists without stray bullets."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD
from tests.fixtures.browser import browser_sign_in

pytestmark = pytest.mark.e2e

GAPS = """() => {
  const header = document.querySelector('.site-header').getBoundingClientRect();
  const footer = document.querySelector('.site-footer').getBoundingClientRect();
  const main = document.querySelector('main');
  const first = main.firstElementChild.getBoundingClientRect();
  const last = main.lastElementChild.getBoundingClientRect();
  return {above: first.top - header.bottom, below: footer.top - last.bottom};
}"""


@pytest.mark.parametrize("width", [360, 1280])
def test_the_content_keeps_its_distance_from_the_header_and_the_footer(page, width):
    """``.wrap{padding:0 1rem}`` used to cancel ``main``'s vertical padding."""
    page.set_viewport_size({"width": width, "height": 800})
    page.goto("/login")
    gaps = page.evaluate(GAPS)
    assert gaps["above"] >= 16, gaps
    assert gaps["below"] >= 32, gaps


def test_back_office_cards_and_mail_log_filters_have_no_bullets(page, make_user):
    make_user("therapist@example.com", role="admin")
    browser_sign_in(page, "therapist@example.com", PASSWORD)
    page.wait_for_url("**/staff/")
    marker = "e => getComputedStyle(e).listStyleType"
    assert page.eval_on_selector("ul.cards", marker) == "none"
    page.goto("/staff/mail/log")
    filters = page.get_by_role("navigation", name="Filter by status").locator("ul")
    assert filters.evaluate(marker) == "none"
