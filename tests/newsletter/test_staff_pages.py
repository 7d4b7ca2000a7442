"""The back office's newsletter pages: compose, preview, test, schedule, send, progress,
pause; the tip sequences; bounds, bad input and query counts."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import AuditEntry, BouncedAddress, Campaign, OutboxMessage, TipSequence, TipStep
from tests.fixtures.mail import deliver, rows

CAMPAIGN = {
    "subject": "Summer opening hours",
    "body_markdown": "## Mornings\n\nWe open at **7am**.\n\n<script>alert(1)</script>",
    "topics": ["news"],
}


def create(client, **changes) -> int:  # type: ignore[no-untyped-def]
    response = client.post("/staff/newsletter/new", data={**CAMPAIGN, **changes})
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rsplit("/", 1)[1])


def count_of(page: str, state: str) -> int:
    """The progress table's count of messages in outbox state ``state``."""
    found = re.search(
        rf'<tr data-state="{state}"><th scope="row">[^<]+</th><td class="number">(\d+)</td>', page
    )
    assert found, state
    return int(found.group(1))


def actions(app) -> list[str]:  # type: ignore[no-untyped-def]
    with app.app_context():
        return list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))


def test_compose_preview_test_send_and_watch(app, client, auth, newsletter):
    auth.login_staff("theo@example.com")
    newsletter.many(3, topics=("news",))
    campaign_id = create(client)
    page = client.get(f"/staff/newsletter/{campaign_id}").get_data(as_text=True)
    assert "Subscribers it would reach now" in page and ">3<" in page
    assert "List-Unsubscribe-Post" in page and "List-Unsubscribe=One-Click" in page
    assert "MORNINGS" not in page  # the text part keeps the case
    assert "Mornings\n========" in page  # the text part, from the same Markdown
    assert f'src="/staff/newsletter/{campaign_id}/preview.html" sandbox="allow-same-origin"' in page

    frame = client.get(f"/staff/newsletter/{campaign_id}/preview.html")
    assert frame.status_code == 200
    assert "sandbox" in frame.headers["Content-Security-Policy"]
    html = frame.get_data(as_text=True)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'style="font-size: 20px;' in html  # css-inline did its work

    client.post(f"/staff/newsletter/{campaign_id}/test")
    (test,) = rows(app)
    assert test.to_address == "theo@example.com" and test.subject.startswith("[Test] ")
    assert "List-Unsubscribe" not in test.headers  # it belongs to no subscription

    response = client.post(f"/staff/newsletter/{campaign_id}/send")
    assert response.status_code == 302
    page = client.get(f"/staff/newsletter/{campaign_id}").get_data(as_text=True)
    assert count_of(page, "pending") == 3 and "Pause sending" in page
    deliver(app)
    page = client.get(f"/staff/newsletter/{campaign_id}").get_data(as_text=True)
    assert count_of(page, "sent") == 3 and "Pause sending" not in page
    assert actions(app) == ["campaign.create", "campaign.test", "campaign.send"]

    # Sent: it can no longer be edited or sent again, and it is in the public archive.
    assert client.post(f"/staff/newsletter/{campaign_id}/send").status_code == 302
    assert len(rows(app)) == 4
    assert client.get(f"/staff/newsletter/{campaign_id}/edit").status_code == 302
    archive = client.get("/newsletter/archive/").get_data(as_text=True)
    assert "Summer opening hours" in archive
    public = client.get(f"/newsletter/archive/{campaign_id}").get_data(as_text=True)
    assert "<strong>7am</strong>" in public and "<script>" not in public


def test_pause_and_resume_from_the_page(app, client, auth, newsletter):
    auth.login_staff()
    newsletter.many(4, topics=("news",))
    campaign_id = create(client)
    client.post(f"/staff/newsletter/{campaign_id}/send")
    client.post(f"/staff/newsletter/{campaign_id}/pause")
    page = client.get(f"/staff/newsletter/{campaign_id}").get_data(as_text=True)
    assert count_of(page, "paused") == 4 and "Resume sending" in page
    assert deliver(app).sent == 0
    assert client.get(f"/newsletter/archive/{campaign_id}").status_code == 404  # paused
    client.post(f"/staff/newsletter/{campaign_id}/resume")
    assert deliver(app).sent == 4
    # Pausing what is not sending is refused with a message, not a 500.
    response = client.post(f"/staff/newsletter/{campaign_id}/resume", follow_redirects=True)
    assert "Only a paused campaign can be resumed." in response.get_data(as_text=True)


def test_scheduling(app, client, auth):
    auth.login_staff()
    campaign_id = create(client)
    url = f"/staff/newsletter/{campaign_id}/schedule"
    for bad, message in (
        ("", "Choose a date and time."),
        ("2001-01-01T09:00", "in the future"),
        ((datetime.now() + timedelta(days=400)).strftime("%Y-%m-%dT%H:%M"), "at most 365"),
        ("99999-01-01T09:00", "Not a valid datetime value."),
        ("2030-01-01T09:00\x00", "Use one line of ordinary text"),
    ):
        response = client.post(url, data={"send_at": bad})
        assert response.status_code == 422, bad
        assert message in response.get_data(as_text=True), bad
    when = (datetime.now() + timedelta(days=2)).replace(second=0, microsecond=0)
    assert client.post(url, data={"send_at": when.strftime("%Y-%m-%dT%H:%M")}).status_code == 302
    with app.app_context():
        campaign = db.session.get(Campaign, campaign_id)
        assert campaign.status == "scheduled" and campaign.scheduled_for is not None
    client.post(f"/staff/newsletter/{campaign_id}/unschedule")
    with app.app_context():
        assert db.session.get(Campaign, campaign_id).status == "draft"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"subject": ""}, "This field is required."),
        ({"subject": "Hi\r\nBcc: all@example.com"}, "Use one line of ordinary text"),
        ({"body_markdown": "a\x00b"}, "Remove the control characters"),
        ({"body_markdown": "x" * 50_001}, "Field cannot be longer than 50000 characters."),
        ({"topics": []}, "Choose at least one topic."),
        ({"race_from": "2030-02-01", "race_to": "2030-01-01"}, "must end on or after"),
        ({"race_from": "1800-01-01"}, "Enter a date between 1900 and 2100."),
    ],
)
def test_bad_campaigns_are_refused_with_the_form_kept(app, client, auth, changes, message):
    auth.login_staff()
    response = client.post("/staff/newsletter/new", data={**CAMPAIGN, **changes})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Campaign.id))) == 0


@pytest.mark.parametrize(
    "url",
    [
        "/staff/newsletter/999",
        "/staff/newsletter/999/edit",
        "/staff/newsletter/999/preview.html",
        "/staff/newsletter/99999999999999999999",
        "/staff/newsletter/tips/999",
        "/staff/newsletter/tips/999/steps/new",
        "/staff/newsletter/tips/1/steps/999",
        "/newsletter/archive/999",
        "/newsletter/archive/99999999999999999999",
        "/newsletter/tips/999",
        "/newsletter/archive/?page=99999",
    ],
)
def test_unknown_or_absurd_ids_are_404(client, auth, newsletter, url):
    auth.login_staff()
    newsletter.sequence()
    assert client.get(url).status_code == 404


def test_tip_sequences_and_steps(app, client, auth, newsletter):
    auth.login_staff()
    response = client.post(
        "/staff/newsletter/tips/new",
        data={"name": "Marathon", "slug": "marathon", "is_default": "y"},
    )
    assert response.status_code == 302
    sequence = int(response.headers["Location"].rsplit("/", 1)[1])
    duplicate = client.post("/staff/newsletter/tips/new", data={"name": "M", "slug": "marathon"})
    assert duplicate.status_code == 422
    assert "Another sequence has this short name." in duplicate.get_data(as_text=True)
    bad_slug = client.post("/staff/newsletter/tips/new", data={"name": "M", "slug": "Bad Slug"})
    assert "single dashes" in bad_slug.get_data(as_text=True)

    step = {"offset_days": "-10", "subject": "Book the pre-race session", "body_markdown": "Do."}
    new_step = f"/staff/newsletter/tips/{sequence}/steps/new"
    assert client.post(new_step, data=step).status_code == 302
    again = client.post(new_step, data=step)
    assert again.status_code == 422
    assert "already has a tip on that day" in again.get_data(as_text=True)
    for offset in ("-121", "31", "abc", "99999999999999999999"):
        response = client.post(new_step, data={**step, "offset_days": offset})
        assert response.status_code == 422, offset

    with app.app_context():
        step_id = db.session.scalar(sa.select(TipStep.id))
    other = newsletter.sequence("shorter", default=False)
    # A step through another sequence's URL is a 404, for reading, editing and deleting.
    assert client.get(f"/staff/newsletter/tips/{other}/steps/{step_id}").status_code == 404
    assert client.post(f"/staff/newsletter/tips/{other}/steps/{step_id}/delete").status_code == 404
    edit = f"/staff/newsletter/tips/{sequence}/steps/{step_id}"
    assert client.post(edit, data={**step, "subject": "Book it now"}).status_code == 302
    page = client.get(f"/staff/newsletter/tips/{sequence}").get_data(as_text=True)
    assert "Book it now" in page and "10 days before" in page
    # Only one default sequence.
    with app.app_context():
        defaults = db.session.scalars(
            sa.select(TipSequence.slug).where(TipSequence.is_default.is_(True))
        ).all()
    assert defaults == ["marathon"]
    assert client.post(f"{edit}/delete").status_code == 302
    assert "tips.step_delete" in actions(app)


@pytest.mark.parametrize(
    "url", ["/staff/newsletter/", "/staff/newsletter/tips", "/newsletter/archive/"]
)
def test_list_pages_cost_the_same_for_few_and_many(
    app, client, auth, newsletter, count_queries, url
):
    auth.login_staff()

    def add(count: int, start: int) -> None:
        with app.app_context():
            for number in range(start, start + count):
                campaign = Campaign(
                    subject=f"Issue {number}",
                    body_markdown="Hi",
                    topics="news",
                    status="queued",
                    recipients=10,
                )
                from portal.models.types import utcnow

                campaign.queued_at = utcnow()
                db.session.add(campaign)
            db.session.commit()

    add(2, 0)
    newsletter.sequence("a")
    client.get(url)
    with count_queries() as few:
        assert client.get(url).status_code == 200
    add(40, 2)
    for slug in ("b", "c", "d"):
        newsletter.sequence(slug, default=False)
    client.get(url)  # new sequences bump the global version: the site menu is read again once
    with count_queries() as many:
        assert client.get(url).status_code == 200
    assert few.count == many.count, (few.statements, many.statements)


def test_the_campaign_page_costs_the_same_for_few_and_many_subscribers(
    app, client, auth, newsletter, count_queries
):
    auth.login_staff()
    campaign_id = create(client)
    newsletter.many(3, topics=("news",))
    client.get(f"/staff/newsletter/{campaign_id}")
    with count_queries() as few:
        client.get(f"/staff/newsletter/{campaign_id}")
    newsletter.many(200, prefix="more", topics=("news",))
    with count_queries() as many:
        client.get(f"/staff/newsletter/{campaign_id}")
    assert few.count == many.count
    client.post(f"/staff/newsletter/{campaign_id}/send")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 203


def test_a_test_copy_received_over_smtp_has_no_dead_link(smtp_app, smtp_server, make_user):
    """Its ``List-Unsubscribe`` pointed at ``/newsletter/unsubscribe/preview``: a 404 to the
    one-click POST. Every link the received copy has must answer."""
    import re
    from urllib.parse import urlsplit

    from tests.conftest import sign_in

    make_user("theo@example.com", role="staff")
    client = smtp_app.test_client()
    assert sign_in(client, "theo@example.com").status_code == 302
    campaign_id = create(client)
    assert client.post(f"/staff/newsletter/{campaign_id}/test").status_code == 302
    deliver(smtp_app)
    (received,) = smtp_server.messages
    message = received.message
    assert message["Subject"].startswith("[Test] ") and message["List-Id"]
    assert message["List-Unsubscribe"] is None and message["List-Unsubscribe-Post"] is None
    html = message.get_body(("html",)).get_content()
    text = message.get_body(("plain",)).get_content()
    links = set(re.findall(r'href="([^"]+)"', html)) | set(re.findall(r"https?://\S+", text))
    base = smtp_app.config["PORTAL_BASE_URL"]
    own = {link for link in links if link.startswith(base)}
    assert base + "/newsletter/archive/" in own, links
    visitor = smtp_app.test_client()
    for link in own:
        assert visitor.get(urlsplit(link).path).status_code == 200, link
    assert "own links here" in html and "own links here" in text


def test_sending_asks_on_its_own_page_then_speaks_plain_words(app, client, auth, newsletter):
    auth.login_staff("theo@example.com")
    newsletter.many(3, topics=("news",))
    newsletter.subscriber("gone@example.com", topics=("news",))
    campaign_id = create(client)
    detail = client.get(f"/staff/newsletter/{campaign_id}").get_data(as_text=True)
    # The campaign page only links to the question; nothing is sent from it.
    assert f'href="/staff/newsletter/{campaign_id}/send">Send now to 4 subscribers…</a>' in detail

    confirm = client.get(f"/staff/newsletter/{campaign_id}/send")
    page = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and rows(app) == []  # a GET sends nothing
    assert "Send this campaign now?" in page
    assert "<dd>Summer opening hours</dd>" in page and "<dd>4 subscribers</dd>" in page
    assert f'action="/staff/newsletter/{campaign_id}/send"' in page
    assert ">Send now to 4 subscribers</button>" in page

    assert client.post(f"/staff/newsletter/{campaign_id}/send").status_code == 302
    with app.app_context():  # the address bounces for good while the campaign is queued
        db.session.add(BouncedAddress(address="gone@example.com", hard_failures=99))
        db.session.commit()
    page = client.get(f"/staff/newsletter/{campaign_id}").get_data(as_text=True)
    assert "<dd data-campaign-status>sending</dd>" in page
    assert 'id="progress" data-refresh-seconds="5"' in page  # it follows itself (a script)
    assert re.search(r'<script src="/static/js/progress-refresh\.\w+\.js" defer>', page)
    assert "Waiting to be sent" in page and "Being sent now" in page
    assert "Not sent: the address bounced or unsubscribed" in page
    listing = client.get("/staff/newsletter/").get_data(as_text=True)
    assert '<td data-label="Status">sending</td>' in listing

    deliver(app)
    page = client.get(f"/staff/newsletter/{campaign_id}").get_data(as_text=True)
    assert "<dd data-campaign-status>sent</dd>" in page and "data-refresh-seconds" not in page
    assert count_of(page, "sent") + count_of(page, "suppressed") == 4
    listing = client.get("/staff/newsletter/").get_data(as_text=True)
    assert '<td data-label="Status">sent</td>' in listing

    # Asking again after it went: back to the campaign, nothing queued twice.
    again = client.get(f"/staff/newsletter/{campaign_id}/send")
    assert again.status_code == 302 and again.headers["Location"].endswith(f"/{campaign_id}")


def test_the_preview_frame_is_sized_to_the_whole_email(app, client, auth):
    """The frame's document shares the page's origin (so the page's script can measure it)
    yet runs no script: the policy allows none and the sandbox lacks ``allow-scripts``."""
    auth.login_staff()
    campaign_id = create(client)
    page = client.get(f"/staff/newsletter/{campaign_id}").get_data(as_text=True)
    assert re.search(r'<script src="/static/js/email-frame\.\w+\.js" defer>', page)
    assert "Open the whole email in its own tab" in page
    frame = client.get(f"/staff/newsletter/{campaign_id}/preview.html")
    policy = frame.headers["Content-Security-Policy"]
    assert "sandbox allow-same-origin" in policy and "allow-scripts" not in policy
    assert "default-src 'none'" in policy
