"""The preferences page (signed token, no login), one-click unsubscribe, new links, the
account page, the race kept in step with the training profile, download and deletion."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import Consent, SubscriberStatus, TrainingProfile
from tests.conftest import PASSWORD

IN_40_DAYS = date.today() + timedelta(days=40)


def prefs_form(**changes):  # type: ignore[no-untyped-def]
    return {
        "name": "Rosa",
        "topics": ["tips", "articles"],
        "race_name": "Autumn Marathon",
        "race_on": IN_40_DAYS.isoformat(),
        **changes,
    }


def test_the_preferences_page_changes_choices_without_signing_in(app, client, newsletter):
    rosa = newsletter.subscriber("rosa@example.com", topics=("news",))
    sequence = newsletter.sequence()
    url = f"/newsletter/preferences/{newsletter.token(rosa)}"
    page = client.get(url)
    assert page.status_code == 200 and "rosa@example.com" in page.get_data(as_text=True)

    response = client.post(url, data=prefs_form(race_distance=str(sequence)))
    assert response.status_code == 302
    saved = newsletter.get(rosa)
    assert [t.value for t in saved.topics] == ["tips", "articles"]
    assert (saved.race_name, saved.race_on, saved.tip_sequence_id) == (
        "Autumn Marathon",
        IN_40_DAYS,
        sequence,
    )
    assert saved.tips_planned_from == date.today()
    page = client.get(url).get_data(as_text=True)
    assert "Tips still to come" in page and "marathon tip at -10 days" in page
    with app.app_context():
        consent = db.session.scalars(sa.select(Consent)).one()
        assert consent.action == "changed" and consent.topics == "tips,articles"
        assert consent.source == "/newsletter/preferences/<token>"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"paused_until": (date.today() + timedelta(days=400)).isoformat()}, "at most"),
        ({"paused_until": date.today().isoformat()}, "from tomorrow"),
        ({"paused_until": "10000-01-01"}, "Not a valid date value."),
        ({"race_on": "1899-12-31"}, "Enter a date between 1900 and 2100."),
        ({"race_name": "x" * 121}, "Field cannot be longer than 120 characters."),
        ({"name": "Rosa\nBcc: x@example.com"}, "Use one line of ordinary text"),
        ({"topics": ["spam"]}, "is not a valid choice"),
        ({"race_distance": "1e9"}, "Invalid Choice"),
    ],
)
def test_bad_preferences_are_refused_and_nothing_changes(client, newsletter, changes, message):
    rosa = newsletter.subscriber("rosa@example.com", topics=("news",))
    newsletter.sequence()
    response = client.post(
        f"/newsletter/preferences/{newsletter.token(rosa)}", data=prefs_form(**changes)
    )
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert [t.value for t in newsletter.get(rosa).topics] == ["news"]


def test_pausing_keeps_the_subscriber_out_until_the_day_after(app, client, newsletter):
    from portal.models import Campaign
    from portal.newsletter import campaigns

    rosa = newsletter.subscriber("rosa@example.com", topics=("news",))
    until = date.today() + timedelta(days=14)
    client.post(
        f"/newsletter/preferences/{newsletter.token(rosa)}",
        data=prefs_form(topics=["news"], paused_until=until.isoformat()),
    )
    assert newsletter.get(rosa).paused_until == until
    with app.app_context():
        campaign = Campaign(subject="Hi", body_markdown="Hello", topics="news")
        db.session.add(campaign)
        db.session.flush()
        assert campaigns.audience_size(campaign) == 0


def test_the_unsubscribe_link_shows_a_button_and_a_post_unsubscribes(app, client, newsletter):
    rosa = newsletter.subscriber("rosa@example.com")
    url = f"/newsletter/unsubscribe/{newsletter.token(rosa)}"
    page = client.get(url)
    assert page.status_code == 200 and "Unsubscribe" in page.get_data(as_text=True)
    assert newsletter.get(rosa).status == SubscriberStatus.CONFIRMED  # GET changes nothing

    # RFC 8058: a mail provider's POST, no cookie, no CSRF token, CSRF protection on.
    app.config["WTF_CSRF_ENABLED"] = True
    provider = app.test_client()
    response = provider.post(url, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert newsletter.get(rosa).status == SubscriberStatus.UNSUBSCRIBED
    assert provider.post(url, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    with app.app_context():
        consents = db.session.scalars(sa.select(Consent)).all()
        assert [(c.action, c.source) for c in consents] == [("withdrawn", "one-click (RFC 8058)")]
    # The preferences page now says so; subscribing again starts a new double opt-in.
    page = client.get(f"/newsletter/preferences/{newsletter.token(rosa)}")
    assert page.status_code == 404 and "not subscribed" in page.get_data(as_text=True)


def test_new_links_kill_the_old_ones(client, newsletter):
    rosa = newsletter.subscriber("rosa@example.com")
    old = newsletter.token(rosa)
    response = client.post(f"/newsletter/preferences/{old}/new-links")
    assert response.status_code == 302
    new = newsletter.token(rosa)
    assert new != old and response.headers["Location"].endswith(new)
    for path in ("preferences", "unsubscribe"):
        assert client.get(f"/newsletter/{path}/{old}").status_code == 404
        assert client.get(f"/newsletter/{path}/{new}").status_code == 200
    assert client.post(f"/newsletter/unsubscribe/{old}").status_code == 404
    assert newsletter.get(rosa).status == SubscriberStatus.CONFIRMED


def test_a_changed_secret_key_kills_every_link(app, client, newsletter):
    rosa = newsletter.subscriber("rosa@example.com")
    token = newsletter.token(rosa)
    app.config["SECRET_KEY"] = "another-secret-key"
    assert client.get(f"/newsletter/preferences/{token}").status_code == 404


def test_the_account_page_offers_to_manage_the_subscription(app, client, auth, newsletter):
    auth.login_client("rosa@example.com")
    page = client.get("/account").get_data(as_text=True)
    assert "Newsletter" in page and 'href="/newsletter/subscribe"' in page
    assert client.get("/newsletter/account").headers["Location"] == "/newsletter/subscribe"

    newsletter.subscriber("rosa@example.com", topics=("news",))
    page = client.get("/account").get_data(as_text=True)
    assert "Manage my subscription" in page
    assert client.get("/newsletter/account").status_code == 200
    response = client.post("/newsletter/account", data=prefs_form(topics=["tips"]))
    assert response.status_code == 302
    assert [t.value for t in newsletter.by_email("rosa@example.com").topics] == ["tips"]
    assert client.post("/newsletter/account/unsubscribe").status_code == 302
    assert newsletter.by_email("rosa@example.com").status == SubscriberStatus.UNSUBSCRIBED


def test_staff_see_no_newsletter_section_on_their_account_page(client, auth):
    auth.login_staff()
    assert "newsletter-heading" not in client.get("/account").get_data(as_text=True)


def test_a_race_changed_in_one_place_is_offered_to_the_other(
    app, client, auth, newsletter, records
):
    rosa = auth.login_client("rosa@example.com")
    records.race(rosa, in_days=30, name="Riverside Marathon")
    subscriber = newsletter.subscriber("rosa@example.com", topics=("tips",))
    dashboard = client.get("/portal/").get_data(as_text=True)
    assert "Also update my newsletter race" in dashboard
    assert "Also update my training profile" not in dashboard  # the newsletter has no race

    response = client.post("/newsletter/account/race/from-profile", data={"next": "/portal/"})
    assert response.headers["Location"] == "/portal/"
    saved = newsletter.get(subscriber)
    assert (saved.race_name, saved.race_on) == (
        "Riverside Marathon",
        date.today() + timedelta(days=30),
    )
    assert "Also update" not in client.get("/portal/").get_data(as_text=True)

    # Now the newsletter race changes (preferences): the profile is offered the change.
    client.post("/newsletter/account", data=prefs_form(topics=["tips"]))
    page = client.get("/newsletter/account").get_data(as_text=True)
    assert "Also update my training profile" in page
    client.post("/newsletter/account/race/to-profile")
    with app.app_context():
        profile = db.session.get(TrainingProfile, rosa)
        assert (profile.goal_race_name, profile.goal_race_on) == ("Autumn Marathon", IN_40_DAYS)


def test_the_dashboard_lists_the_tips_to_come(client, auth, newsletter):
    auth.login_client("rosa@example.com")
    newsletter.sequence()
    newsletter.subscriber(
        "rosa@example.com", topics=("tips",), race_on=IN_40_DAYS, planned_from=date.today()
    )
    page = client.get("/portal/").get_data(as_text=True)
    assert "Newsletter tips to come" in page
    assert "marathon tip at -10 days" in page and "marathon tip at -56 days" not in page


def test_race_sync_needs_a_subscription_and_a_profile(client, auth, newsletter):
    auth.login_client("rosa@example.com")
    assert client.post("/newsletter/account/race/from-profile").status_code == 404
    assert client.post("/newsletter/account/race/to-profile").status_code == 404
    newsletter.subscriber("rosa@example.com")
    assert client.post("/newsletter/account/race/from-profile").status_code == 404  # no profile
    assert client.post("/newsletter/account/race/to-profile").status_code == 404  # no race


def test_subscriptions_are_in_download_my_data(client, auth, newsletter):
    auth.login_client("rosa@example.com")
    client.post(
        "/newsletter/subscribe",
        data={"email": "rosa@example.com", "topics": ["news"], "source": "/"},
    )
    data = json.loads(client.get("/account/data.json").get_data(as_text=True))
    section = data["newsletter"]
    assert section["status"] == "pending" and section["topics"] == ["news"]
    (consent,) = section["consent_records"]
    assert consent["form"] == "/" and consent["ip_address"] == "127.0.0.1"
    assert "By subscribing you agree" in consent["wording"]


def test_deleting_the_account_ends_the_subscription(app, client, auth, newsletter):
    from portal.models import Campaign
    from portal.newsletter import campaigns

    auth.login_client("rosa@example.com")
    newsletter.subscriber("rosa@example.com", topics=("news",))
    with app.app_context():
        campaign = Campaign(subject="Hi", body_markdown="Hello", topics="news")
        db.session.add(campaign)
        db.session.flush()
        campaigns.queue(campaign)
        db.session.commit()
    response = client.post(
        "/account/delete", data={"del-current_password": PASSWORD, "del-understood": "y"}
    )
    assert response.status_code == 302
    assert newsletter.by_email("rosa@example.com") is None
    with app.app_context():
        from portal.models import OutboxMessage

        row = db.session.scalars(sa.select(OutboxMessage)).one()
        assert (row.status, row.last_error) == ("suppressed", "account deleted")
        assert db.session.scalar(sa.select(sa.func.count(Consent.id))) == 0


def test_the_dashboard_costs_the_same_for_a_subscriber_however_many_tips(
    app, client, auth, newsletter, count_queries
):
    auth.login_client("rosa@example.com")
    client.get("/portal/")
    with count_queries() as unsubscribed:
        client.get("/portal/")
    sequence = newsletter.sequence(offsets=(-10, -3))
    subscriber = newsletter.subscriber(
        "rosa@example.com", topics=("tips",), race_on=IN_40_DAYS, planned_from=date.today()
    )
    with count_queries() as few:
        client.get("/portal/")
    with app.app_context():
        from portal.models import Subscriber, TipStep

        for offset in range(-100, -20):
            db.session.add(
                TipStep(
                    sequence_id=sequence,
                    offset_days=offset,
                    subject=f"t{offset}",
                    body_markdown="x",
                )
            )
        db.session.get(Subscriber, subscriber).race_on = IN_40_DAYS + timedelta(days=60)
        db.session.commit()
    with count_queries() as many:
        page = client.get("/portal/").get_data(as_text=True)
    assert page.count('class="tip-date"') > 40
    # Both changes re-render the dashboard's cached part (its newsletter scope and the global
    # one were bumped): the same statements for 2 tips and for 80.
    assert few.count == many.count > unsubscribed.count
    with count_queries() as cached:
        client.get("/portal/")
    assert cached.count == 1  # the signed-in user, read with the versions
