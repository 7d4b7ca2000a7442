"""Practice settings (issue 8, item 10): an admin edits the practice's details in the back
office; the footer, the dashboard's "how to book" and every email use them."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.auth.passwords import hash_password
from portal.core import practice
from portal.extensions import db
from portal.models import AuditEntry, PracticeSettings, Role, User
from portal.models.types import utcnow
from tests.blog.conftest import Blog
from tests.conftest import PASSWORD, sign_in
from tests.fixtures.mail import deliver, queue


@pytest.fixture
def blog(app):
    return Blog(app)


NEW = {
    "name": "Tempo Sports Massage",
    "address": "3 Mill Yard, Upper Riverside, RS2 9QT",
    "phone": "+44 1632 960 555",
    "opening_hours": "Tue–Sat 8:00–19:00",
    "booking_url": "https://book.tempo.example/online",
    "booking_email": "Book@Tempo.example",
    "sender_email": "desk@tempo.example",
}


def _save(client, **changes: str):
    return client.post("/staff/settings", data={**NEW, **changes})


def test_admin_saves_settings_and_the_footer_and_dashboard_show_them(
    app, client, auth, records, make_user
):
    auth.login_admin()
    form = client.get("/staff/settings").get_data(as_text=True)
    assert app.config["PRACTICE_ADDRESS"] in form  # the configuration's until saved
    assert "Not saved yet" in form

    response = _save(client)
    assert response.status_code == 302
    page = client.get("/staff/settings").get_data(as_text=True)
    assert "Practice settings saved." in page and "Not saved yet" not in page
    with app.app_context():
        saved = db.session.get(PracticeSettings, 1)
        assert saved.booking_email == "book@tempo.example"
        entry = db.session.scalar(sa.select(AuditEntry).order_by(AuditEntry.id.desc()))
        assert (entry.action, entry.target_type) == ("settings.update", "practice_settings")
        assert "phone" in entry.detail and "sender_email" in entry.detail
    auth.logout()

    home = client.get("/").get_data(as_text=True)
    assert "Tempo Sports Massage" in home and "3 Mill Yard, Upper Riverside" in home
    assert '<a href="tel:+441632960555">+44 1632 960 555</a>' in home
    assert "Tue–Sat 8:00–19:00" in home
    assert app.config["PRACTICE_ADDRESS"] not in home

    rosa = make_user("rosa@example.com", name="Rosa Runner")
    records.race(rosa, in_days=20)
    auth.login("rosa@example.com")
    dashboard = client.get("/portal/").get_data(as_text=True)
    how = dashboard[dashboard.index("How to book") :]
    assert 'href="https://book.tempo.example/online"' in how
    assert "mailto:book@tempo.example" in how and "+44 1632 960 555" in how
    assert "Open Tue–Sat 8:00–19:00." in how
    assert dashboard.index("When to book next") < dashboard.index("How to book")


def test_a_change_shows_on_the_next_request(app, client, auth):
    auth.login_admin()
    _save(client)
    _save(client, name="Second Name")
    assert "Second Name" in client.get("/").get_data(as_text=True)


def test_the_details_are_read_once_per_request(app, client, auth, records, count_queries):
    rosa = auth.login_client("rosa@example.com")
    records.race(rosa, in_days=20)
    client.get("/portal/")
    with count_queries() as log:
        client.get("/account")  # a page that reads no render version: one read
    reads = [s for s in log.statements if "FROM practice_settings" in s]
    assert len(reads) == 1  # the footer of the account page
    app.extensions["client_parts"].clear()
    app.extensions.pop("practice_by_version", None)
    with count_queries() as log:
        client.get("/portal/")  # rendering the dashboard: footer and "how to book" share it
        client.get("/portal/")  # from the cache: under the same global version, no read
    reads = [s for s in log.statements if "FROM practice_settings" in s]
    assert len(reads) == 1


def test_saved_settings_show_on_the_next_page_in_every_process(app, database_url, client, auth):
    """The process keeps the details under the global render version, which a save bumps."""
    from tests.conftest import built_app

    auth.login_client("rosa@example.com")
    assert "01632 960999" not in client.get("/portal/").get_data(as_text=True)
    with built_app(database_url) as other, other.app_context():
        admin = User(email="ada@example.com", name="Ada", role=Role.ADMIN.value)
        db.session.add(admin)
        db.session.flush()
        details = practice.current()
        values = {name: getattr(details, name) for name in practice.EDITABLE}
        practice.save({**values, "phone": "01632 960999"}, by=admin)
        db.session.commit()
    assert "01632 960999" in client.get("/portal/").get_data(as_text=True)


def test_emails_carry_the_saved_name_address_and_sender(smtp_app, smtp_server, count_queries):
    with smtp_app.app_context():
        admin = User(
            email="ada@example.com",
            name="Ada Admin",
            role=Role.ADMIN.value,
            password_hash=hash_password(PASSWORD),
            email_confirmed_at=utcnow(),
        )
        db.session.add(admin)
        db.session.commit()
    browser = smtp_app.test_client()
    assert sign_in(browser, "ada@example.com").status_code == 302
    assert _save(browser).status_code == 302

    queue(smtp_app, 3)
    with smtp_app.app_context():
        engine = db.engine
    reads: list[str] = []

    def remember(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        if "FROM practice_settings" in statement:
            reads.append(statement)

    sa.event.listen(engine, "before_cursor_execute", remember)
    try:
        assert deliver(smtp_app).sent == 3
    finally:
        sa.event.remove(engine, "before_cursor_execute", remember)

    assert len(reads) == 1  # once for the batch, not once per message
    for received in smtp_server.messages:
        assert received.mail_from == "desk@tempo.example"
        assert received.message["From"] == "Tempo Sports Massage <desk@tempo.example>"
        html = received.message.get_body(("html",)).get_content()
        assert "Tempo Sports Massage" in html and "3 Mill Yard, Upper Riverside" in html
        text = received.message.get_body(("plain",)).get_content()
        assert "Tempo Sports Massage has created a staff account" in text


def test_until_saved_emails_use_the_configuration(smtp_app, smtp_server):
    queue(smtp_app, 1)
    deliver(smtp_app)
    (received,) = smtp_server.messages
    assert received.message["From"] == smtp_app.config["MAIL_DEFAULT_SENDER"]
    html = received.message.get_body(("html",)).get_content()
    assert smtp_app.config["PRACTICE_ADDRESS"] in html


def test_therapists_cannot_see_or_change_the_settings(app, client, auth):
    auth.login_staff()
    assert client.get("/staff/settings").status_code == 403
    assert _save(client).status_code == 403
    with app.app_context():
        assert db.session.get(PracticeSettings, 1) is None
    assert "Practice settings" not in client.get("/staff/").get_data(as_text=True)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "Tempo\nSports", "Use one line of ordinary text"),
        ("address", "3 Mill Yard\r\nRS2 9QT", "Use one line of ordinary text"),
        ("opening_hours", "Mon\x00", "Use one line of ordinary text"),
        ("name", "", "This field is required."),
        ("phone", "call us", "Enter a phone number"),
        ("booking_url", "javascript:alert(1)", "starts with https:// or http://"),
        ("booking_url", "ftp://book.example/", "starts with https:// or http://"),
        ("booking_email", "not-an-address", "Invalid email address."),
        ("sender_email", "desk@", "Invalid email address."),
        ("sender_email", "", "This field is required."),
        ("sender_email", "dësk@tempo.example", "plain address in ASCII"),
    ],
)
def test_bad_input_is_explained_and_nothing_is_saved(app, client, auth, field, value, message):
    auth.login_admin()
    response = _save(client, **{field: value})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert 'value="3 Mill Yard, Upper Riverside, RS2 9QT"' in page or field == "address"
    with app.app_context():
        assert db.session.get(PracticeSettings, 1) is None


def _head_title(page: str) -> str:
    return page[page.index("<title>") + 7 : page.index("</title>")]


def test_saved_settings_reach_cached_article_pages_and_the_feed_at_once(
    app, client, auth, blog, make_user
):
    """Article pages were cached under the article's version alone: after a save they kept
    the old title, footer, ``og:site_name`` and staff badge until the article changed."""
    theo = make_user("theo@example.com", role="staff", name="Theo Therapist")
    post_id = blog.post("Easy runs", slug="easy-runs", author_id=theo)
    blog.comment(post_id, "Try ten minutes slower.", author_id=theo)
    reader = app.test_client()
    member = app.test_client()
    make_user("mia@example.com", role="member", name="Mia Member")
    assert sign_in(member, "mia@example.com").status_code == 302
    old = app.config["PRACTICE_NAME"]
    for browser in (reader, member, reader, member):  # rendered, then from the cache
        page = browser.get("/blog/easy-runs").get_data(as_text=True)
        assert _head_title(page).endswith(f"· {old}")
        assert f'<span class="badge">{old}</span>' in page

    auth.login_admin()
    assert _save(client).status_code == 302

    for browser in (reader, member):
        page = browser.get("/blog/easy-runs").get_data(as_text=True)
        assert _head_title(page) == "Easy runs · Tempo Sports Massage"
        assert '<meta property="og:site_name" content="Tempo Sports Massage">' in page
        assert '<span class="badge">Tempo Sports Massage</span>' in page
        assert "3 Mill Yard, Upper Riverside" in page  # the footer
        assert old not in page
    feed = reader.get("/blog/feed.xml").get_data(as_text=True)
    assert "<title>Tempo Sports Massage: articles</title>" in feed and old not in feed


def test_an_authors_new_name_and_a_commenters_new_role_reach_the_cached_pages(app, blog, make_user):
    theo = make_user("theo@example.com", role="staff", name="Theo Therapist")
    mia = make_user("mia@example.com", role="member", name="Mia Member")
    post_id = blog.post("Easy runs", slug="easy-runs", author_id=theo)
    blog.comment(post_id, "Thanks!", author_id=mia)
    reader = app.test_client()
    for _ in range(2):
        page = reader.get("/blog/easy-runs").get_data(as_text=True)
    assert "by Theo Therapist" in page and 'class="badge"' not in page

    author = app.test_client()
    assert sign_in(author, "theo@example.com").status_code == 302
    assert author.post("/account/name", data={"name-name": "Theo Hartley"}).status_code == 302
    page = reader.get("/blog/easy-runs").get_data(as_text=True)
    assert "by Theo Hartley" in page and "Theo Therapist" not in page

    with app.app_context():  # Mia joins the practice's staff
        db.session.get(User, mia).role = Role.STAFF.value
        db.session.commit()
    page = reader.get("/blog/easy-runs").get_data(as_text=True)
    assert f'<span class="badge">{app.config["PRACTICE_NAME"]}</span>' in page


def test_newsletter_emails_and_consent_use_the_saved_name(app, client, auth, newsletter):
    """The consent wording, the subjects and ``List-Id`` used ``PRACTICE_NAME``."""
    from portal.models import Consent, OutboxMessage
    from portal.newsletter.tokens import Purpose

    auth.login_admin()
    assert _save(client).status_code == 302
    auth.logout()
    response = client.post(
        "/newsletter/subscribe",
        data={"email": "new@example.com", "topics": ["tips", "news"], "source": "/"},
    )
    assert response.status_code == 200
    with app.app_context():
        confirm = db.session.scalars(sa.select(OutboxMessage)).one()
    assert confirm.subject == "Confirm your subscription to the Tempo Sports Massage newsletter"
    token = newsletter.token(newsletter.by_email("new@example.com").id, Purpose.CONFIRM)
    page = client.get(f"/newsletter/confirm/{token}").get_data(as_text=True)
    assert "the Tempo Sports Massage newsletter" in page
    assert client.post(f"/newsletter/confirm/{token}").status_code == 302
    with app.app_context():
        consents = db.session.scalars(sa.select(Consent).order_by(Consent.id)).all()
        welcome = db.session.scalar(
            sa.select(OutboxMessage).where(OutboxMessage.template == "newsletter_welcome")
        )
    assert consents[-1].wording == (
        "Press the button to confirm your subscription to the Tempo Sports Massage newsletter."
    )
    assert app.config["PRACTICE_NAME"] not in " ".join(c.wording for c in consents)
    assert welcome.subject == "Welcome to the Tempo Sports Massage newsletter"
    list_id = "Tempo Sports Massage newsletter <newsletter.tempo.example>"
    assert welcome.headers["List-Id"] == list_id
