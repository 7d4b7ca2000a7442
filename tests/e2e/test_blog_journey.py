"""The reader's journey in real Chromium: a guest comments on a demo article and sees it
awaiting moderation, staff approve it in the queue, it shows publicly, the guest's second
comment appears at once, a reply notification reaches the loopback SMTP server and its
stop link works. axe-core on the article, the queue and the editor; 360 px fits."""

from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from portal.demo import seed_all
from tests.fixtures.browser import browser_sign_in
from tests.fixtures.mail import deliver

pytestmark = pytest.mark.e2e

ARTICLE = "/blog/self-massage-for-calves"


@pytest.fixture
def app(smtp_app):
    """This module's app sends its mail to the loopback SMTP server, with the demo data."""
    with smtp_app.app_context():
        seed_all()
    return smtp_app


def _text(received) -> str:  # type: ignore[no-untyped-def]
    return received.message.get_body(preferencelist=("plain",)).get_content()


def _to_gina(smtp_server, count: int) -> list:  # type: ignore[no-untyped-def]
    """Gina's messages, once ``count`` have arrived (the demo data queues mail of its own)."""
    deadline = time.monotonic() + 10
    while True:
        found = [m for m in smtp_server.messages if m.recipients == ["gina@example.com"]]
        if len(found) >= count:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"Gina got {len(found)} messages, expected {count}")
        time.sleep(0.05)


def test_guest_comment_moderation_reply_notification_and_stop(
    app, smtp_server, page, browser, live_url, axe, fits_phone
):
    # A guest comments and asks to hear about replies.
    page.goto(ARTICLE)
    axe(page)
    page.locator("form.comment-form").get_by_label("Name").fill("Gina Guest")
    page.locator("form.comment-form").get_by_label("Email", exact=True).fill("gina@example.com")
    page.locator("form.comment-form").get_by_label("Your comment").fill(
        "Does the *roller* routine work after a long run too?"
    )
    page.locator("form.comment-form").get_by_label(
        "Email me when someone replies to my comment"
    ).check()
    page.locator("form.comment-form").get_by_role("button", name="Post comment").click()
    held = page.locator(".comment.is-held")
    expect(held.get_by_text("Does the")).to_be_visible()
    expect(page.get_by_text("Your comment is awaiting moderation").first).to_be_visible()
    axe(page)
    fits_phone(page)

    # Nobody else sees it yet.
    stranger = browser.new_context(base_url=live_url).new_page()
    stranger.goto(ARTICLE)
    assert stranger.get_by_text("Does the").count() == 0

    # Gina confirms reply notifications from her email (a button, not the link itself).
    deliver(app)
    (confirmation,) = _to_gina(smtp_server, 1)
    link = re.search(r"https?://\S+/blog/notifications/confirm/\S+", _text(confirmation)).group(0)
    page.goto(urlsplit(link).path)
    axe(page)
    page.get_by_role("button", name="Yes, email me replies").click()
    expect(page.get_by_role("heading", name="Reply notifications are on")).to_be_visible()

    # Staff approve it in the queue.
    staff_context = browser.new_context(base_url=live_url)
    staff = staff_context.new_page()
    browser_sign_in(staff, "therapist@example.com", "therapist-demo-pass")
    staff.goto("/staff/comments")
    axe(staff)
    fits_phone(staff)
    staff.set_viewport_size({"width": 1280, "height": 900})
    staff.get_by_role("button", name="Approve the comment by Gina Guest").click()
    expect(staff.get_by_text("1 comment approved")).to_be_visible()

    # It shows publicly, and Gina's second comment appears at once.
    stranger.goto(ARTICLE)
    expect(stranger.get_by_text("Does the")).to_be_visible()
    page.goto(ARTICLE)
    page.locator("form.comment-form").get_by_label("Name").fill("Gina Guest")
    page.locator("form.comment-form").get_by_label("Email", exact=True).fill("gina@example.com")
    page.locator("form.comment-form").get_by_label("Your comment").fill(
        "Tried it tonight, calves feel great."
    )
    page.locator("form.comment-form").get_by_role("button", name="Post comment").click()
    expect(page.get_by_text("Your comment is published.")).to_be_visible()
    stranger.goto(ARTICLE)
    expect(stranger.get_by_text("Tried it tonight")).to_be_visible()

    # The therapist replies to Gina's first comment: a notification goes to Gina.
    staff.goto(ARTICLE)
    staff.get_by_role("link", name="Reply to Gina Guest").first.click()
    staff.locator("form.comment-form").get_by_label("Your comment").fill(
        "Yes: keep it light the day after a long run."
    )
    staff.locator("form.comment-form").get_by_role("button", name="Post comment").click()
    expect(staff.get_by_text("Your comment is published.")).to_be_visible()
    deliver(app)
    reply = _to_gina(smtp_server, 2)[-1]
    assert reply.recipients == ["gina@example.com"]
    assert reply.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    stop_url = reply.message["List-Unsubscribe"].strip("<>")
    assert stop_url in _text(reply)

    # The stop link opens a page with a button, which stops the emails.
    page.goto(urlsplit(stop_url).path)
    axe(page)
    page.get_by_role("button", name="Stop these emails").click()
    expect(page.get_by_role("heading", name="Reply emails stopped")).to_be_visible()

    # The editor passes axe and fits a phone.
    staff.goto("/staff/posts/new")
    axe(staff)
    staff.get_by_label("Title").fill("Hill repeats and your calves")
    staff.get_by_label("Article").fill("## Why hills\n\nThey build *strength*.")
    staff.get_by_role("button", name="Preview").click()
    expect(staff.get_by_role("heading", name="Preview (not saved)")).to_be_visible()
    axe(staff)
    fits_phone(staff)
    staff_context.close()
    stranger.context.close()


@pytest.mark.parametrize(
    "path",
    ["/blog/", "/blog/the-session-before-race-day", "/blog/tag/calves", "/blog/?q=calf"],
)
def test_blog_pages_pass_axe_and_fit_a_phone(app, page, axe, fits_phone, path):
    page.goto(path)
    axe(page)
    fits_phone(page)


@pytest.mark.parametrize(
    "path", ["/staff/posts", "/staff/posts/images", "/staff/comments/words", "/staff/posts/1"]
)
def test_back_office_blog_pages_pass_axe_and_fit_a_phone(app, page, axe, fits_phone, path):
    browser_sign_in(page, "therapist@example.com", "therapist-demo-pass")
    page.goto(path)
    axe(page)
    fits_phone(page)


def test_a_member_sees_the_portal_explanation(app, page, axe, make_user):
    make_user("mia@example.com", role="member")
    browser_sign_in(page, "mia@example.com", "correct-horse-battery-staple")
    page.wait_for_url("**/blog/")
    page.goto("/portal/")
    expect(page.get_by_role("heading", name="The client portal")).to_be_visible()
    axe(page)
