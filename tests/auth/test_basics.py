"""Signing in and out; the login form's failures; role checks; CSRF on every POST route."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD, csrf_token, sign_in
from tests.routes import example_path, rules


def test_login_and_logout(client, auth, make_user):
    make_user("rosa@example.com")
    response = auth.login("  ROSA@example.com ")
    assert response.status_code == 302
    assert "Sign out" in client.get("/").get_data(as_text=True)
    response = auth.logout()
    assert response.status_code == 302
    assert "Sign in" in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize(
    ("email", "password", "message"),
    [
        ("", PASSWORD, "This field is required."),
        ("not-an-email", PASSWORD, "Invalid email address."),
        ("rosa@example.com", "", "This field is required."),
        ("rosa@example.com", "wrong-password-here", "do not match an account"),
        ("nobody@example.com", PASSWORD, "do not match an account"),
    ],
)
def test_login_failures_say_why_and_keep_the_email(client, make_user, email, password, message):
    make_user("rosa@example.com")
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in page
    if email:
        assert f'value="{email}"' in page
    assert PASSWORD not in page  # a password is never echoed back


def test_login_ignores_an_offsite_next(client, make_user):
    make_user("rosa@example.com")
    response = client.post(
        "/login?next=https://evil.example/",
        data={"email": "rosa@example.com", "password": PASSWORD},
    )
    assert response.headers["Location"] == "/portal/"  # a client's home, not the next


def test_staff_pages_are_403_for_clients_and_login_for_anonymous(client, auth):
    response = client.get("/staff/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    auth.login_client()
    assert client.get("/staff/").status_code == 403


def test_staff_reach_the_back_office(client, auth):
    auth.login_staff()
    response = client.get("/staff/")
    assert response.status_code == 200
    assert "Back office" in response.get_data(as_text=True)


# Routes exempt from CSRF on purpose, each with its reason. They must still refuse a POST
# that does not carry their own capability (here: an unknown token is a 404).
CSRF_EXEMPT = {
    # RFC 8058 one-click unsubscribe: mail providers POST without a session or a token; the
    # HMAC token in the URL is the capability and the action is idempotent (docs/newsletter.md).
    "/newsletter/unsubscribe/<token>": 404,
}


CROSS_SITE = (
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site", "Origin": "https://blog.massageworks.example"},
    {"Origin": "https://evil.example"},  # a browser without Sec-Fetch-Site
    {"Origin": "null"},  # a sandboxed frame, a redirect from another site
)


def test_every_post_route_refuses_a_cross_site_request(app, make_user):
    """Covers every POST route in the URL map, exempt ones too, anonymous and signed in:
    whatever the form carries, a request another site made the browser send is 403."""
    app.config["WTF_CSRF_ENABLED"] = True
    make_user("staffer@example.com", role="admin")
    routes = [example_path(rule) for rule in rules(app, "POST")]
    assert "/login" in routes and "/newsletter/unsubscribe/x" in routes
    anonymous, staffer = app.test_client(), app.test_client()
    assert sign_in(staffer, "staffer@example.com").status_code == 302
    token = csrf_token(staffer.get("/account").get_data(as_text=True))
    for client, data in ((anonymous, {"anything": "1"}), (staffer, {"csrf_token": token})):
        for path in routes:
            for headers in CROSS_SITE:
                response = client.post(path, data=data, headers=headers)
                assert response.status_code == 403, f"{path} accepted {headers}"
                assert "from another site" in response.get_data(as_text=True)
    assert staffer.get("/account").status_code == 200  # still signed in: nothing happened


def test_every_signed_in_post_route_refuses_a_request_without_a_csrf_token(app, make_user):
    """Covers every POST route in the URL map, so new routes are checked automatically: a
    signed-in person's form needs its token as well as coming from this site."""
    app.config["WTF_CSRF_ENABLED"] = True
    make_user("staffer@example.com", role="admin")
    exempt = {
        example_path(rule): CSRF_EXEMPT[rule.rule]
        for rule in rules(app, "POST")
        if rule.rule in CSRF_EXEMPT
    }
    assert len(exempt) == len(CSRF_EXEMPT)
    routes = [example_path(rule) for rule in rules(app, "POST") if rule.rule not in CSRF_EXEMPT]
    assert "/login" in routes and "/logout" in routes
    client = app.test_client()
    assert sign_in(client, "staffer@example.com").status_code == 302
    same_origin = {"Sec-Fetch-Site": "same-origin"}
    for path in routes:
        response = client.post(path, data={"anything": "1"}, headers=same_origin)
        assert response.status_code == 400, f"{path} accepted a POST without a CSRF token"
        assert "Bad request" in response.get_data(as_text=True)
    for path, status in exempt.items():
        response = client.post(path, data={"anything": "1"}, headers=same_origin)
        assert response.status_code == status, path


@pytest.mark.parametrize(
    "password", ["MassageWorks2026!", "sports-massage-1", "massage works 12", "Marathon2026!!"]
)
def test_passwords_made_of_this_sites_words_are_refused(app, password):
    """ASVS 6.2.11: the documented context words (portal.auth.validation.CONTEXT_WORDS) and
    the practice's name, with digits and punctuation around them."""
    from portal.auth.validation import password_problem

    with app.app_context():
        assert password_problem(password) is not None
        assert password_problem("massage-oil-on-a-sunday") is None  # more than the word


@pytest.mark.config(PRACTICE_NAME="Tempo Lane Physio")
def test_the_practices_own_name_is_refused_as_a_password(app):
    from portal.auth.validation import password_problem

    with app.app_context():
        assert password_problem("TempoLanePhysio1") is not None
