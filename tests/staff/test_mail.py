"""The back office: mail log with a retry button, and the development mailbox."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import OutboxMessage, OutboxStatus
from tests.conftest import sign_in
from tests.fixtures.mail import deliver, queue, rows


def _fail(app, address: str, error: str = "550 5.1.1 No such user") -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        db.session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.to_address == address)
            .values(status=OutboxStatus.FAILED, attempts=1, last_error=error)
        )
        db.session.commit()


@pytest.mark.parametrize(
    "path",
    ["/staff/mail/log", "/staff/mail/mailbox", "/staff/mail/mailbox/1", "/staff/mail/bounces"],
)
def test_mail_pages_are_for_staff_only(client, auth, path):
    assert client.get(path).status_code == 302  # anonymous: to the login page
    auth.login_client()
    assert client.get(path).status_code == 403


def test_the_mail_log_shows_status_attempts_and_errors(app, client, auth, count_queries):
    queue(app, 30)
    _fail(app, "runner3@example.com")
    auth.login_staff()

    with count_queries() as log:
        page = client.get("/staff/mail/log").get_data(as_text=True)
    assert log.count <= 8  # not one query per row

    assert "runner29@example.com" in page and "runner3@example.com" in page
    assert "550 5.1.1 No such user" in page
    assert "Could not be delivered (1)" in page and "Waiting to go (29)" in page
    assert page.count(">Retry</button>") == 1

    failed_only = client.get("/staff/mail/log?status=failed").get_data(as_text=True)
    assert "runner3@example.com" in failed_only and "runner4@example.com" not in failed_only
    assert client.get("/staff/mail/log?status=bogus").status_code == 404


def test_retry_needs_a_post_with_a_csrf_token_and_requeues_the_row(app, client, auth):
    queue(app, 1)
    _fail(app, "runner0@example.com")
    auth.login_staff()
    app.config["WTF_CSRF_ENABLED"] = True
    (row,) = rows(app)
    retry_url = f"/staff/mail/log/{row.id}/retry"

    assert client.get(retry_url).status_code == 405
    assert client.post(retry_url).status_code == 400  # no token
    page = client.get("/staff/mail/log").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post(retry_url, data={"csrf_token": token})

    assert response.status_code == 302
    (row,) = rows(app)
    assert (row.status, row.attempts, row.last_error) == ("pending", 0, None)
    assert deliver(app).sent == 1


def test_only_failed_rows_can_be_retried(app, client, auth):
    queue(app, 1)
    deliver(app)
    auth.login_staff()
    (row,) = rows(app)

    response = client.post(f"/staff/mail/log/{row.id}/retry", follow_redirects=True)

    assert "Only failed messages can be retried" in response.get_data(as_text=True)
    assert rows(app)[0].status == OutboxStatus.SENT
    assert client.post("/staff/mail/log/999/retry").status_code == 404


def test_the_mailbox_shows_both_parts_and_frames_the_html_safely(app, client, auth):
    queue(app, 1, to_name="<script>alert(1)</script>", subject="Hello <b>there</b>")
    deliver(app)
    auth.login_admin()  # the mailbox is for admins only

    listing = client.get("/staff/mail/mailbox").get_data(as_text=True)
    assert "Hello &lt;b&gt;there&lt;/b&gt;" in listing
    link = re.search(r'href="(/staff/mail/mailbox/\d+)"', listing).group(1)

    response = client.get(link)
    page = response.get_data(as_text=True)
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    assert "<script>alert(1)</script>" not in page  # headers and source are escaped
    assert "Hello A Runner," in page  # the text part
    frame = re.search(r'<iframe src="([^"]+)" sandbox', page).group(1)

    html = client.get(frame)
    assert html.status_code == 200
    assert html.mimetype == "text/html"
    policy = html.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "sandbox" in policy
    assert "script-src" not in policy  # falls back to default-src 'none'
    assert "frame-ancestors 'self'" in policy
    assert html.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert "Choose your password" in html.get_data(as_text=True)


def test_an_unknown_mailbox_message_is_404(client, auth):
    auth.login_admin()
    assert client.get("/staff/mail/mailbox/12345").status_code == 404
    assert client.get("/staff/mail/mailbox/12345/html").status_code == 404


def test_the_back_office_links_to_the_mail_pages(client, auth):
    auth.login_staff()
    page = client.get("/staff/").get_data(as_text=True)
    assert 'href="/staff/mail/log"' in page
    assert 'href="/staff/mail/mailbox"' not in page  # admins only
    auth.logout()
    auth.login_admin()
    page = client.get("/staff/").get_data(as_text=True)
    assert 'href="/staff/mail/log"' in page
    assert 'href="/staff/mail/mailbox"' in page


def test_staff_see_a_suppressed_address_and_clear_it(smtp_app, smtp_server):
    """Two hard refusals suppress newsletters; clearing the address lets the next one through."""
    from portal.auth.passwords import hash_password
    from portal.models import AuditEntry, BouncedAddress, MailCategory, User
    from portal.models.types import utcnow

    with smtp_app.app_context():
        db.session.add(
            User(
                email="theo@example.com",
                name="Theo",
                role="staff",
                password_hash=hash_password("correct-horse-battery-staple"),
                email_confirmed_at=utcnow(),
            )
        )
        db.session.commit()
    smtp_server.reply_with("550 5.1.1 No such user", times=None, recipient="gone0@example.com")
    for round_number in range(3):
        queue(
            smtp_app,
            1,
            prefix="gone",
            category=MailCategory.NEWSLETTER,
            idempotency_key=f"tip:{round_number}",
        )
        deliver(smtp_app)
    statuses = [row.status for row in rows(smtp_app)]
    assert statuses == ["failed", "failed", "suppressed"]

    staff = smtp_app.test_client()
    sign_in(staff, "theo@example.com")
    page = staff.get("/staff/mail/bounces").get_data(as_text=True)
    assert "gone0@example.com" in page and "suppressed" in page

    assert (
        staff.post("/staff/mail/bounces/clear", data={"address": "nobody@example.com"}).status_code
        == 404
    )
    response = staff.post("/staff/mail/bounces/clear", data={"address": "GONE0@example.com"})
    assert response.status_code == 302
    with smtp_app.app_context():
        assert db.session.get(BouncedAddress, "gone0@example.com") is None
        entry = db.session.scalar(
            sa.select(AuditEntry).where(AuditEntry.action == "mail.clear_bounces")
        )
        assert entry.detail == "gone0@example.com" and entry.actor_email == "theo@example.com"

    smtp_server.clear_faults()
    queue(smtp_app, 1, prefix="gone", category=MailCategory.NEWSLETTER, idempotency_key="tip:3")
    deliver(smtp_app)
    assert [m.recipients for m in smtp_server.messages] == [["gone0@example.com"]]
