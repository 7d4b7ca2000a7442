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
from tests.conftest import PASSWORD, sign_in
from tests.fixtures.mail import deliver, queue

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
