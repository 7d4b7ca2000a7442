"""The development mailbox cannot be used to take over an account (issue 8, item 1).

The attack: a therapist asks for a reset of the admin's address, opens the caught message in
the mailbox and follows the link. Now the mailbox is for admins only, and outside development
it shows one-time links redacted, in every view of a message.
"""

from __future__ import annotations

import re

import pytest

from tests.conftest import sign_in
from tests.fixtures.mail import deliver


@pytest.fixture
def reset_for_admin(app, make_user, outbox) -> str:
    """A therapist and an admin exist; someone asked for the admin's reset link, which now
    sits in the mailbox. Returns the token."""
    make_user("admin@example.com", role="admin")
    make_user("therapist@example.com", role="staff")
    app.test_client().post("/reset-password", data={"email": "admin@example.com"})
    deliver(app)
    return outbox.link("reset_password", "admin@example.com").rsplit("/", 1)[1]


def _message_url(client) -> str:
    listing = client.get("/staff/mail/mailbox").get_data(as_text=True)
    return re.search(r'href="(/staff/mail/mailbox/\d+)"', listing).group(1)


def test_a_therapist_can_no_longer_take_over_the_admin(app, reset_for_admin):
    admin = app.test_client()
    sign_in(admin, "admin@example.com")
    message = _message_url(admin)

    therapist = app.test_client()
    sign_in(therapist, "therapist@example.com")
    for path in ("/staff/mail/mailbox", message, f"{message}/html"):
        response = therapist.get(path)
        assert response.status_code == 403, path
        assert reset_for_admin not in response.get_data(as_text=True)
    index = therapist.get("/staff/").get_data(as_text=True)
    assert "/staff/mail/mailbox" not in index
    assert "/staff/accounts" not in index  # admins only, like the mailbox


def test_the_admin_sees_the_message_with_its_one_time_link_redacted(app, reset_for_admin):
    admin = app.test_client()
    sign_in(admin, "admin@example.com")
    assert 'href="/staff/mail/mailbox"' in admin.get("/staff/").get_data(as_text=True)
    message = _message_url(admin)

    page = admin.get(message).get_data(as_text=True)
    html = admin.get(f"{message}/html").get_data(as_text=True)
    for view in (page, html):
        assert reset_for_admin not in view
    # The text part and the source (both on the page), and the HTML part's link and text.
    assert page.count("/reset-password/[redacted]") >= 2
    assert re.search(r'href="[^"]*/reset-password/\[redacted\]"', html)
    assert "only their recipient may use them" in page

    # The token really is gone, not merely hidden from the search above.
    assert admin.get(f"/reset-password/{reset_for_admin}").status_code == 200  # still valid
    assert len(reset_for_admin) >= 40


@pytest.mark.config(MAILBOX_SHOW_TOKEN_LINKS=True)
def test_development_shows_the_links_so_a_demo_can_confirm_an_address(app, reset_for_admin):
    admin = app.test_client()
    sign_in(admin, "admin@example.com")
    message = _message_url(admin)
    assert reset_for_admin in admin.get(message).get_data(as_text=True)
    assert reset_for_admin in admin.get(f"{message}/html").get_data(as_text=True)


def test_a_link_split_by_quoted_printable_is_redacted_in_the_source(app, make_user, outbox):
    """A long link in a quoted-printable body is cut by soft line breaks (``=`` at the end
    of a line): redaction works on the decoded parts, not on the raw bytes."""
    make_user("admin@example.com", role="admin")
    invitee = "a-rather-long-address-for-a-long-line@example.com"
    make_user(invitee, password=None)
    admin = app.test_client()
    sign_in(admin, "admin@example.com")
    with app.app_context():
        from portal.auth.invitations import send_invitation
        from portal.extensions import db
        from portal.models import User

        send_invitation(db.session.scalar(db.select(User).where(User.email == invitee)))
        db.session.commit()
    deliver(app)
    token = outbox.link("invite", invitee).rsplit("/", 1)[1]
    page = admin.get(_message_url(admin)).get_data(as_text=True)
    source = page.split("Message source", 1)[1]
    for piece in (token[:12], token[12:24], token[-12:]):
        assert piece not in page
    assert "/invitation/[redacted]" in source


def test_the_mailbox_is_admin_only_for_every_view(client, auth):
    auth.login_staff()
    for path in ("/staff/mail/mailbox", "/staff/mail/mailbox/1", "/staff/mail/mailbox/1/html"):
        assert client.get(path).status_code == 403, path
    assert client.get("/staff/mail/log").status_code == 200  # the mail log stays staff
