"""The long demo discussion in real Chromium at 360 px, with axe-core: pages of threads with
links between them, and replying in place with the keyboard alone, landing on one's own
comment with its notice beside it. The article page has no script, and the reply form opens
in a tab with JavaScript switched off too (axe itself needs JavaScript, so it runs in the
ordinary tab)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from portal.demo import seed_all
from portal.demo.articles import POPULAR_SLUG

pytestmark = pytest.mark.e2e

ARTICLE = f"/blog/{POPULAR_SLUG}"
PHONE = {"width": 360, "height": 740}


@pytest.fixture
def app(app):
    with app.app_context():
        seed_all()
    return app


@pytest.fixture
def phone(page):
    page.set_viewport_size(PHONE)
    return page


@pytest.fixture
def no_script(browser, live_url):
    """A phone-sized tab with JavaScript switched off."""
    context = browser.new_context(base_url=live_url, viewport=PHONE, java_script_enabled=False)
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def _fits(page) -> None:  # type: ignore[no-untyped-def]
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{page.url} is {overflow}px wider than a 360px phone screen"


def _in_view(locator) -> bool:  # type: ignore[no-untyped-def]
    return locator.evaluate(
        "el => { const r = el.getBoundingClientRect();"
        " return r.bottom > 0 && r.top < window.innerHeight; }"
    )


def test_the_long_discussion_comes_in_pages(phone, axe):
    phone.goto(ARTICLE)
    expect(phone.get_by_role("heading", name=re.compile(r"^\d{3} comments$"))).to_be_visible()
    pages = phone.get_by_role("navigation", name="Comment pages, bottom")
    expect(pages.get_by_text("Page 1")).to_have_attribute("aria-current", "page")
    height = phone.evaluate("() => document.documentElement.scrollHeight")
    assert (
        phone.locator("section.comments > ol.comment-list > li.comment").count() == 50
    )  # threads on page 1
    axe(phone)
    _fits(phone)
    pages.get_by_role("link", name="Newer comments →").click()
    assert phone.url.endswith(f"{ARTICLE}?page=2#comments-heading")
    expect(
        phone.get_by_role("navigation", name="Comment pages, top").get_by_text("Page 2")
    ).to_have_attribute("aria-current", "page")
    assert _in_view(phone.locator("#comments-heading"))
    axe(phone)
    _fits(phone)
    assert height < 47_000


def test_the_reply_form_opens_in_place_without_javascript(no_script):
    no_script.goto(f"{ARTICLE}?page=2")
    first = no_script.locator("section.comments > ol.comment-list > li.comment").first
    first.locator(".comment-actions a", has_text="Reply").first.click()
    form = no_script.locator(f"#{first.get_attribute('id')} .reply-box form.comment-form")
    expect(form).to_be_visible()
    assert _in_view(form.get_by_label("Your comment"))


def test_reply_in_place_with_the_keyboard_and_land_on_ones_comment(phone, axe):
    phone.goto(f"{ARTICLE}?page=2")
    assert phone.locator("script").count() == 0
    first = phone.locator("section.comments > ol.comment-list > li.comment").first
    answered = first.get_attribute("id")
    reply_link = first.locator(".comment-actions a", has_text="Reply").first
    reply_link.focus()
    phone.keyboard.press("Enter")  # the keyboard alone, no script on the page
    expect(phone).to_have_url(re.compile(r"reply_to=\d+#reply-\d+$"))
    form = phone.locator(f"#{answered} .reply-box form.comment-form")
    expect(form).to_be_visible()
    assert _in_view(form.get_by_label("Your comment"))  # shown where the reader is
    axe(phone)
    _fits(phone)

    form.get_by_label("Name").focus()
    phone.keyboard.type("Kai Keyboard")
    phone.keyboard.press("Tab")
    phone.keyboard.type("kai@example.com")
    phone.keyboard.press("Tab")
    phone.keyboard.type("Same here: an easy jog the day before works for me.")
    form.get_by_role("button", name="Post comment").focus()
    phone.keyboard.press("Enter")

    expect(phone).to_have_url(re.compile(rf"{ARTICLE}\?page=2#comment-\d+$"))
    mine = phone.locator(f"#{phone.url.rsplit('#', 1)[1]}")
    expect(mine.get_by_text("Same here: an easy jog")).to_be_visible()
    notice = mine.locator(".comment-notice")
    expect(notice).to_contain_text("awaiting moderation")
    assert _in_view(notice)  # beside the comment, not at the top of a tall page
    assert phone.locator(".flashes").count() == 0
    axe(phone)
    _fits(phone)
