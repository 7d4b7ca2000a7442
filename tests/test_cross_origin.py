"""Every unsafe request is judged by ``Sec-Fetch-Site``, else ``Origin``
(``portal.web.cross_origin``); signed-in forms also need their Flask-WTF token."""

from __future__ import annotations

import pytest

from portal import create_app
from portal.models import Role
from tests.conftest import csrf_token, sign_in

# (headers, status): 200 passes the check, 403 is refused.
CASES = [
    ({"Sec-Fetch-Site": "same-origin"}, 200),
    ({"Sec-Fetch-Site": "none"}, 200),  # the person typed it, or a bookmark
    ({"Sec-Fetch-Site": "same-site"}, 403),  # a sibling subdomain is another site here
    ({"Sec-Fetch-Site": "cross-site"}, 403),
    ({"Sec-Fetch-Site": "cross-site", "Origin": "http://localhost"}, 403),  # header wins
    ({"Sec-Fetch-Site": "same-origin", "Origin": "https://evil.example"}, 200),
    ({"Origin": "http://localhost"}, 200),  # an older browser, this site
    ({"Origin": "http://localhost:8000"}, 403),  # another port is another origin
    ({"Origin": "https://evil.example"}, 403),
    ({"Origin": "null"}, 403),
    ({}, 200),  # not a current browser: a mail provider's one-click, a script
]


@pytest.fixture
def echo(app):
    @app.route("/test-echo", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    def test_echo() -> str:
        return "done"

    return app


@pytest.mark.parametrize(("headers", "status"), CASES)
def test_unsafe_requests_are_judged_by_the_browsers_headers(echo, headers, status):
    client = echo.test_client()
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        assert client.open("/test-echo", method=method, headers=headers).status_code == status
    assert client.get("/test-echo", headers=headers).status_code == 200  # GET is never checked


def test_the_sites_own_address_and_the_proxys_host_are_this_site(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.sqlite'}",
            "PORTAL_BASE_URL": "https://www.massageworks.example",
            "PROXY_FIX_HOPS": 1,
            "WTF_CSRF_ENABLED": False,
        }
    )

    @app.post("/test-echo")
    def test_echo() -> str:
        return "done"

    client = app.test_client()
    own = {"Origin": "https://www.massageworks.example"}
    assert client.post("/test-echo", headers=own).status_code == 200
    proxied = {"Origin": "https://proxied.example", "X-Forwarded-Host": "proxied.example"}
    assert client.post("/test-echo", headers=proxied).status_code == 200
    other = {"Origin": "http://www.massageworks.example"}  # not the site's scheme
    assert client.post("/test-echo", headers=other).status_code == 403


@pytest.mark.config(WTF_CSRF_ENABLED=True)
def test_a_signed_in_form_needs_its_token_even_from_this_site(app, make_user):
    make_user("rosa@example.com", role=Role.CLIENT)
    browser = app.test_client()
    sign_in(browser, "rosa@example.com")
    page = browser.get("/account").get_data(as_text=True)
    same_origin = {"Sec-Fetch-Site": "same-origin"}
    data = {"name-name": "Rosa M"}
    refused = browser.post("/account/name", data=data, headers=same_origin)
    assert refused.status_code == 400
    no_headers = browser.post("/account/name", data=data)  # an old browser: the token decides
    assert no_headers.status_code == 400
    sent = browser.post(
        "/account/name", data={**data, "csrf_token": csrf_token(page)}, headers=same_origin
    )
    assert sent.status_code == 302
