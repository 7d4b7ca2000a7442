"""Every page of the demo, as each kind of visitor reaches it, on a 360 px phone (issue 8, item 7).

For the anonymous visitor, a client, a therapist and an admin, the test follows the links of
the demo site from that person's start page (same site, GET only, as a person clicking
around would; the site changes nothing on GET) and fails on any page that scrolls sideways
at 360 px, logs a console error (a CSP refusal, a missing file) or answers 5xx. It finds the
pages from the links, so pages added later (blog, newsletter) are covered without a change
here. Pages of one kind (``/portal/sessions/<id>``) are sampled, and each visitor sees at
most ``MAX_PAGES``.
"""

from __future__ import annotations

import re
import socket
from urllib.parse import urljoin, urlsplit

import pytest

from portal.extensions import db
from tests.fixtures.mail import deliver, queue

pytestmark = pytest.mark.e2e

MAX_PAGES = 80  # the practice's pages (menu and footer) come first in every crawl
PER_KIND = 3  # pages that differ only by their numbers or query values
SKIP = re.compile(r"\.(ics|json|xml|csv|png|jpe?g|webp|svg|ico)$|/logout|/static/", re.I)
PHONE = {"width": 360, "height": 740}

VISITORS = [
    ("anonymous", None, None, "/"),
    ("client", "runner@example.com", "runner-demo-pass", "/portal/"),
    ("staff", "therapist@example.com", "therapist-demo-pass", "/staff/"),
    ("admin", "admin@example.com", "admin-demo-pass", "/staff/"),
    ("member", "member@example.com", "member-demo-pass", "/portal/"),
]


@pytest.fixture
def demo_site(app):
    """The demo data of ``make run``, and a caught email so the mailbox has a message.

    Emails link the practice's logo at ``PORTAL_BASE_URL``: it is the live server's address,
    as in ``make run``, so the previews of emails load it."""
    from portal.demo import seed_all

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app.config["LIVESERVER_PORT"] = port
    app.config["PORTAL_BASE_URL"] = f"http://127.0.0.1:{port}"
    with app.app_context():
        seed_all()
        db.session.remove()
    queue(app, 1)
    deliver(app)
    return app


def kind_of(target: str) -> str:
    """``/portal/sessions/12?page=2`` → ``/portal/sessions/#?page=``: one kind of page."""
    parts = urlsplit(target)
    path = re.sub(r"\d+", "#", parts.path)
    keys = sorted(item.split("=", 1)[0] for item in parts.query.split("&") if item)
    return path + ("?" + "&".join(f"{key}=" for key in keys) if keys else "")


def crawl(page, base: str, start: str) -> tuple[list[str], list[str]]:
    """Visit pages from ``start``; return (pages visited, problems found)."""
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    seen: list[str] = []
    queued, kinds = [start], {kind_of(start): 1}
    problems: list[str] = []
    while queued and len(seen) < MAX_PAGES:
        target = queued.pop(0)
        seen.append(target)
        errors.clear()
        response = page.goto(urljoin(base, target))
        status = response.status if response else 0
        if status >= 500:
            problems.append(f"{target}: HTTP {status}")
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        if overflow > 0:
            problems.append(f"{target}: {overflow}px wider than a 360px screen")
        problems.extend(f"{target}: console: {error[:200]}" for error in errors)
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"):
            url = urlsplit(urljoin(base + target, href))
            if url.scheme not in ("http", "https") or url.netloc != urlsplit(base).netloc:
                continue
            if SKIP.search(url.path):
                continue
            found = url.path + (f"?{url.query}" if url.query else "")
            kind = kind_of(found)
            if found in seen or found in queued or kinds.get(kind, 0) >= PER_KIND:
                continue
            kinds[kind] = kinds.get(kind, 0) + 1
            queued.append(found)
    return seen, problems


def sign_in(page, email: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    assert "/login" not in page.url, f"could not sign in as {email}"


def test_no_page_scrolls_sideways_errs_or_fails_for_anyone(demo_site, browser, live_url):
    report: dict[str, list[str]] = {}
    visited: dict[str, list[str]] = {}
    for who, email, password, start in VISITORS:
        context = browser.new_context(base_url=live_url, viewport=PHONE)
        context.set_default_timeout(15_000)
        page = context.new_page()
        if email:
            sign_in(page, email, password)
        seen, problems = crawl(page, live_url, start)
        context.close()
        visited[who] = seen
        if problems:
            report[who] = problems
    assert not report, "\n".join(f"{who}: {p}" for who, lines in report.items() for p in lines)
    # The crawl really reached each role's pages (and so would reach new ones).
    assert "/portal/sessions" in visited["client"]
    assert any(re.fullmatch(r"/portal/sessions/\d+", p) for p in visited["client"])
    assert "/staff/mail/log" in visited["staff"] and "/staff/audit" in visited["staff"]
    assert any(re.fullmatch(r"/staff/clients/\d+", p) for p in visited["staff"])
    assert "/staff/settings" in visited["admin"] and "/staff/accounts" in visited["admin"]
    assert any(p.startswith("/staff/mail/mailbox/") for p in visited["admin"] + visited["staff"])
    assert "/login" in visited["anonymous"]
