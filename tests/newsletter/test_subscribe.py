"""Subscribing: double opt-in, the consent record, the same answer (and work) for every
address, at most one email an hour, throttling, expiry, bad input."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import Consent, OutboxMessage, Subscriber, SubscriberStatus
from portal.models.types import utcnow
from portal.newsletter import subscriptions
from tests.conftest import csrf_token
from tests.fixtures.mail import deliver
from tests.fixtures.newsletter import path_of

FORM = {"email": "new@example.com", "topics": ["tips", "news"], "source": "/"}


def post(client, **changes):  # type: ignore[no-untyped-def]
    data = {**FORM, **changes}
    return client.post("/newsletter/subscribe", data=data)


def messages(app, template=None):  # type: ignore[no-untyped-def]
    with app.app_context():
        query = sa.select(OutboxMessage).order_by(OutboxMessage.id)
        if template:
            query = query.where(OutboxMessage.template == template)
        found = list(db.session.scalars(query))
        db.session.expunge_all()
        return found


def test_the_subscribe_page_and_the_home_page_box(client):
    page = client.get("/newsletter/subscribe").get_data(as_text=True)
    assert 'name="email"' in page and "Race distance" not in page  # no sequences yet
    home = client.get("/").get_data(as_text=True)
    assert 'action="/newsletter/subscribe"' in home
    assert 'name="source" type="hidden" value="/"' in home
    assert 'name="csrf_token"' not in home  # an anonymous reader's box carries no token
    assert subscriptions.SUBSCRIBE_WORDING.split("{")[0] in home


def test_subscribing_records_consent_and_sends_a_confirmation_link_that_needs_a_post(
    app, client, newsletter
):
    response = post(client, **{"name": "Rosa", "source": "/blog/easy-runs"})
    assert response.status_code == 200
    assert "Check your email" in response.get_data(as_text=True)

    subscriber = newsletter.by_email("new@example.com")
    assert subscriber.status == SubscriberStatus.PENDING and subscriber.name == "Rosa"
    with app.app_context():
        consent = db.session.scalars(sa.select(Consent)).one()
        assert consent.action == "requested"
        assert consent.source == "/blog/easy-runs"
        assert consent.ip_address == "127.0.0.1"
        assert consent.wording.startswith("By subscribing you agree that we email you")
        assert consent.topics == "tips,news"

    (confirmation,) = messages(app)
    assert confirmation.template == "newsletter_confirm"
    assert confirmation.category == "transactional"
    link = path_of(confirmation.context["link"])

    # Opening the link (a mail scanner does) changes nothing.
    page = client.get(link)
    assert page.status_code == 200 and "Confirm my subscription" in page.get_data(as_text=True)
    assert newsletter.by_email("new@example.com").status == SubscriberStatus.PENDING

    response = client.post(link)
    assert response.status_code == 302
    assert newsletter.by_email("new@example.com").status == SubscriberStatus.CONFIRMED
    assert "You are subscribed" in client.get(response.headers["Location"]).get_data(as_text=True)
    welcome = messages(app, "newsletter_welcome")
    assert len(welcome) == 1 and welcome[0].category == "newsletter"
    assert welcome[0].headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # Pressing it again sends no second welcome.
    assert client.post(link).status_code == 200
    assert len(messages(app, "newsletter_welcome")) == 1
    with app.app_context():
        actions = db.session.scalars(sa.select(Consent.action).order_by(Consent.id)).all()
    assert actions == ["requested", "confirmed"]


def _page(response) -> str:  # type: ignore[no-untyped-def]
    return response.get_data(as_text=True)


def test_new_pending_and_confirmed_addresses_get_the_same_page(app, newsletter):
    newsletter.subscriber("confirmed@example.com")
    newsletter.subscriber("pending@example.com", status=SubscriberStatus.PENDING)
    answers = {}
    for email in ("fresh@example.com", "pending@example.com", "confirmed@example.com"):
        response = post(app.test_client(), **{"email": email})
        answers[email] = (response.status_code, _page(response).replace(email, "EMAIL"))
    assert len(set(answers.values())) == 1
    assert answers["fresh@example.com"][0] == 200


def test_a_request_never_changes_a_confirmed_subscription(app, client, newsletter):
    subscriber_id = newsletter.subscriber("rosa@example.com", topics=("news",), name="Rosa")
    post(client, **{"email": "rosa@example.com", "topics": ["articles"], "name": "X"})
    subscriber = newsletter.get(subscriber_id)
    assert subscriber.status == SubscriberStatus.CONFIRMED
    assert [t.value for t in subscriber.topics] == ["news"] and subscriber.name == "Rosa"
    (reminder,) = messages(app)
    assert reminder.template == "newsletter_already_subscribed"
    assert "/newsletter/preferences/" in reminder.context["preferences_url"]


def test_at_most_one_email_an_hour_per_address(app, newsletter):
    for _ in range(3):
        post(app.test_client(), **{"email": "again@example.com"})
    # Recorded, not sent: the same work for every request, and the mail log says why.
    assert [m.status for m in messages(app)] == ["pending", "suppressed", "suppressed"]
    assert "less than an hour" in messages(app)[1].last_error
    assert deliver(app).sent == 1
    # An hour later the next request sends a new one (the same link: the secret is kept).
    with app.app_context():
        db.session.execute(
            sa.update(Subscriber).values(notified_at=utcnow() - timedelta(minutes=61))
        )
        db.session.commit()
    post(app.test_client(), **{"email": "again@example.com"})
    found = [m for m in messages(app) if m.status != "suppressed"]
    assert len(found) == 2
    assert found[0].context["link"] == found[1].context["link"]
    with app.app_context():  # every request is on the record, sent email or not
        assert db.session.scalar(sa.select(sa.func.count(Consent.id))) == 4


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"email": ""}, "This field is required."),
        ({"email": "not-an-address"}, "Invalid email address."),
        ({"topics": []}, "Tick at least one topic."),
        ({"topics": ["gossip"]}, "is not a valid choice"),
        ({"name": "Rosa\r\nBcc: all@example.com"}, "Use one line of ordinary text"),
        ({"name": "Rosa\x00"}, "Use one line of ordinary text"),
        ({"race_name": "Riverside Marathon"}, "Add the race date too"),
        ({"race_on": "9999-01-01"}, "Enter a date between 1900 and 2100."),
        ({"race_on": "2000-01-01"}, "Choose a race date within the past year"),
        ({"race_on": "not a date"}, "Not a valid date value."),
        ({"race_distance": "abc"}, "Invalid Choice"),
        ({"source": "https://evil.example/"}, "could not be accepted as it was sent"),
        ({"source": "/" + "x" * 300}, "could not be accepted as it was sent"),
        ({"source": "/\r\nx"}, "could not be accepted as it was sent"),
        ({"email": "a" * 250 + "@example.com"}, "Field cannot be longer than 254"),
    ],
)
def test_bad_input_gets_a_message_and_keeps_the_form(app, client, newsletter, changes, message):
    newsletter.sequence()
    response = post(client, **changes)
    assert response.status_code == 422
    page = _page(response)
    assert message in page
    assert messages(app) == []
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Subscriber.id))) == 0
    if "email" not in changes:
        assert 'value="new@example.com"' in page


def test_a_signed_in_clients_race_is_prefilled_from_the_training_profile(client, auth, records):
    client_id = auth.login_client("rosa@example.com")
    records.race(client_id, in_days=30, name="Riverside Marathon")
    page = client.get("/newsletter/subscribe").get_data(as_text=True)
    assert 'value="rosa@example.com"' in page
    assert 'value="Riverside Marathon"' in page
    assert f'value="{date.today() + timedelta(days=30)}"' in page


def test_an_unconfirmed_subscription_expires(app, client, newsletter):
    post(client)
    link = path_of(messages(app)[0].context["link"])
    with app.app_context():
        db.session.execute(sa.update(Subscriber).values(requested_at=utcnow() - timedelta(days=8)))
        db.session.commit()
    assert client.get(link).status_code == 410
    assert client.post(link).status_code == 410
    with app.app_context():
        assert subscriptions.expire_pending() == 1
        db.session.commit()
    assert newsletter.by_email("new@example.com") is None
    assert client.get(link).status_code == 404


@pytest.mark.parametrize(
    "token",
    ["nonsense", "1.", "1.abc", "0." + "a" * 43, "99999999999." + "a" * 43, "1.\x00", "١.x"],
)
def test_bad_tokens_are_404(app, client, newsletter, token):
    newsletter.subscriber()
    for url in ("confirm", "preferences", "unsubscribe", "confirmed"):
        assert client.get(f"/newsletter/{url}/{token}").status_code == 404
    assert client.post(f"/newsletter/unsubscribe/{token}").status_code == 404


def test_a_confirm_token_does_not_open_the_preferences_and_vice_versa(client, newsletter):
    from portal.newsletter.tokens import Purpose

    subscriber_id = newsletter.subscriber(status=SubscriberStatus.PENDING)
    confirm = newsletter.token(subscriber_id, Purpose.CONFIRM)
    manage = newsletter.token(subscriber_id)
    assert client.get(f"/newsletter/preferences/{confirm}").status_code == 404
    assert client.get(f"/newsletter/confirm/{manage}").status_code == 404
    assert client.get(f"/newsletter/confirm/{confirm}").status_code == 200


@pytest.mark.config(SUBSCRIBE_LIMIT_PER_IP="3 per minute")
def test_subscribing_is_throttled_per_ip(app):
    client = app.test_client()
    for number in range(3):
        assert post(client, **{"email": f"a{number}@example.com"}).status_code == 200
    refused = post(client, **{"email": "a9@example.com"})
    assert refused.status_code == 429
    assert "Retry-After" in refused.headers


@pytest.mark.config(SUBSCRIBE_LIMIT_PER_ADDRESS="2 per hour")
def test_subscribing_is_throttled_per_address_across_ips(app):
    client = app.test_client()
    for number in range(2):
        response = post(client, environ_base={"REMOTE_ADDR": f"10.0.0.{number + 1}"})
        assert response.status_code == 200
    response = client.post(
        "/newsletter/subscribe",
        data={**FORM, "email": "NEW@example.com"},
        environ_base={"REMOTE_ADDR": "10.0.0.9"},
    )
    assert response.status_code == 429


def test_the_box_works_with_csrf_on(app, client):
    """An anonymous reader's box has no token: sent from this site it is accepted, sent
    from another site it is refused (``portal.web.cross_origin``)."""
    app.config["WTF_CSRF_ENABLED"] = True
    home = client.get("/").get_data(as_text=True)
    assert 'action="/newsletter/subscribe"' in home and "csrf_token" not in home
    forged = app.test_client().post(
        "/newsletter/subscribe", data=FORM, headers={"Origin": "https://evil.example"}
    )
    assert forged.status_code == 403
    response = client.post(
        "/newsletter/subscribe", data=FORM, headers={"Sec-Fetch-Site": "same-origin"}
    )
    assert response.status_code == 200, _page(response)
    assert "Check your email" in _page(response)


def test_subscribe_to_welcome_through_a_real_smtp_server(smtp_app, smtp_server):
    client = smtp_app.test_client()
    post(client, **{"email": "rosa@example.com", "name": "Rosa"})
    deliver(smtp_app)
    (confirmation,) = smtp_server.messages
    assert confirmation.recipients == ["rosa@example.com"]
    text = confirmation.message.get_body(("plain",)).get_content()
    link = re.search(r"http://\S+/newsletter/confirm/\S+", text).group(0)
    assert client.get(path_of(link)).status_code == 200
    assert client.post(path_of(link)).status_code == 302
    deliver(smtp_app)
    welcome = smtp_server.wait_for(2)[1]
    assert welcome.message["Subject"] == "Welcome to the Massage Works newsletter"
    unsubscribe = welcome.message["List-Unsubscribe"]
    assert re.fullmatch(
        r"<http://127\.0\.0\.1:5000/newsletter/unsubscribe/\d+\.[\w-]{43}>", unsubscribe
    )
    assert welcome.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert (
        welcome.message["List-Id"] == "Massage Works newsletter <newsletter.massageworks.example>"
    )
    body = welcome.message.get_body(("plain",)).get_content()
    assert unsubscribe.strip("<>") in body
    assert "/newsletter/preferences/" in body and "12 Tempo Lane" in body
    assert "View in browser: http://127.0.0.1:5000/newsletter/welcome" in body


def test_the_subscribe_box_shares_no_element_id_with_the_comment_form(app, client):
    """Under an article the box sits beside the comment form: both have email and name."""
    import collections
    import re

    from portal.demo import seed_all

    with app.app_context():
        seed_all()
    page = client.get("/blog/the-session-before-race-day").get_data(as_text=True)
    ids = collections.Counter(re.findall(r'\bid="([^"]+)"', page))
    assert 'id="nl-email"' in page and 'name="email"' in page
    assert [element for element, count in ids.items() if count > 1] == []


def test_the_box_is_kept_per_page_and_reader_with_a_token_for_signed_in_readers(app, make_user):
    """The box is rendered once per process for each (page, signed-in address): anonymous
    readers share it (no token), a signed-in reader gets their token and address in it."""
    from datetime import timedelta

    from flask import template_rendered

    from portal.core.rendering import render_article_markdown
    from portal.models import Post, PostStatus, User
    from portal.newsletter.templating import BOX_TEMPLATE
    from tests.conftest import sign_in

    app.config["WTF_CSRF_ENABLED"] = True
    with app.app_context():
        db.session.add(
            Post(
                title="Calves",
                slug="calves",
                summary="Calves.",
                body_source="Calves.",
                body_html=render_article_markdown("Calves."),
                status=PostStatus.PUBLISHED.value,
                publish_at=utcnow() - timedelta(days=1),
            )
        )
        db.session.commit()
    renders: list[str] = []

    def count(_app, template, context, **_extra):  # type: ignore[no-untyped-def]
        if template.name == BOX_TEMPLATE:
            renders.append(context["request"].path)

    def box(page: str) -> str:
        return re.search(r'<section class="card subscribe-box".*?</section>', page, re.S).group(0)

    first, second = app.test_client(), app.test_client()
    with template_rendered.connected_to(count, app):
        boxes = [box(visitor.get("/").get_data(as_text=True)) for visitor in (first, second)]
        assert renders == ["/"]  # the second visitor's box came from the process's cache
        assert boxes[0] == boxes[1] and "csrf_token" not in boxes[0]  # anonymous: no token
        assert post(second).status_code == 200

        article = box(first.get("/blog/calves").get_data(as_text=True))
        assert 'name="source" type="hidden" value="/blog/calves"' in article
        assert renders == ["/", "/blog/calves"]

        user_id = make_user("mia@example.com")
        reader = app.test_client()
        assert sign_in(reader, "mia@example.com").status_code == 302
        own = box(reader.get("/").get_data(as_text=True))
        assert 'value="mia@example.com"' in own and csrf_token(own)  # signed in: a token
        with app.app_context():
            db.session.get(User, user_id).email = "mia.new@example.com"
            db.session.commit()
        changed = box(reader.get("/").get_data(as_text=True))
        assert 'value="mia.new@example.com"' in changed and "mia@example.com" not in changed
        assert renders == ["/", "/blog/calves", "/", "/"]
        assert "mia" not in box(first.get("/").get_data(as_text=True))


def test_the_confirmation_greets_nobody_by_the_name_the_requester_typed(app, client):
    bait = "Your bank: verify at evil.example"
    post(client, email="vera@example.com", name=bait)
    (message,) = messages(app, "newsletter_confirm")
    assert message.to_name is None and bait not in str(message.context)
