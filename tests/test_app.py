"""The skeleton: home page, health check, error pages, security headers, navigation."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from flask import abort

from portal.extensions import db, limiter
from portal.models import Role, User
from tests.conftest import make_test_app


def test_home_page_shows_the_practice(client, app):
    response = client.get("/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert app.config["PRACTICE_NAME"] in page
    assert app.config["PRACTICE_ADDRESS"] in page  # footer
    assert "Sign in" in page


def test_healthz_reports_ok_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_healthz_is_503_when_the_database_is_down():
    # Port 1 on loopback refuses connections: a real "database unreachable".
    app = make_test_app("postgresql://nobody@127.0.0.1:1/none?connect_timeout=2")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["status"] == "unavailable"


def test_security_headers_are_on_every_response(client):
    for path in ("/", "/healthz", "/does-not-exist"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
        assert "object-src 'none'" in csp
        assert "base-uri 'none'" in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert "Strict-Transport-Security" not in headers  # only in production


def test_session_cookie_is_httponly_and_lax(client, auth):
    auth.login_client()
    cookie = client.get_cookie("session")
    assert cookie is not None
    assert cookie.http_only
    assert cookie.same_site == "Lax"


@pytest.mark.parametrize(
    ("code", "title"),
    [
        (400, "Bad request"),
        (403, "Not allowed"),
        (404, "Page not found"),
        (405, "Method not allowed"),
        (413, "Too large"),
        (429, "Too many attempts"),
    ],
)
def test_error_pages_use_the_site_layout(app, code, title):
    app.add_url_rule(f"/fail/{code}", f"fail_{code}", lambda: abort(code))
    response = app.test_client().get(f"/fail/{code}")
    assert response.status_code == code
    page = response.get_data(as_text=True)
    assert f"<h1>{title}</h1>" in page
    assert app.config["PRACTICE_ADDRESS"] in page


def test_unknown_page_is_a_404_in_the_layout(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_wrong_method_is_a_405_with_allow_header(client):
    response = client.get("/logout")
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]


def test_oversized_upload_is_a_413(app, client):
    body = "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    response = client.post("/login", data={"email": body})
    assert response.status_code == 413
    assert "Too large" in response.get_data(as_text=True)


def test_throttled_request_gets_429_saying_when_to_retry(app):
    @limiter.limit("1 per hour")
    def limited():
        return "ok"

    app.add_url_rule("/limited", "limited", limited)
    client = app.test_client()
    assert client.get("/limited").status_code == 200
    response = client.get("/limited")
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert "Please try again in" in page
    assert "minute" in page
    assert int(response.headers["Retry-After"]) > 0


def test_500_page_rolls_back_the_failed_transaction(app):
    def broken():
        db.session.add(User(email="half@example.com", name="Half", role=Role.CLIENT.value))
        db.session.flush()
        raise RuntimeError("boom")

    app.add_url_rule("/broken", "broken", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = app.test_client().get("/broken")
    assert response.status_code == 500
    assert "Something went wrong" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0


def test_navigation_changes_with_the_role(client, auth):
    anonymous = client.get("/").get_data(as_text=True)
    assert "Sign in" in anonymous and "Sign out" not in anonymous
    assert "Back office" not in anonymous

    auth.login_staff()
    staff = client.get("/").get_data(as_text=True)
    assert "Sign out" in staff and "Back office" in staff

    auth.logout()
    auth.login_client()
    client_page = client.get("/").get_data(as_text=True)
    assert "Sign out" in client_page and "Back office" not in client_page


def test_the_current_navigation_entry_follows_the_page(client, auth):
    """The navigation is kept per audience and page: each page marks its own entry."""
    auth.login_client()
    for path, current in (("/portal/", "My sessions"), ("/account", "Account")):
        assert _marked(client.get(path).get_data(as_text=True)) == [current], path
    auth.logout()
    page = client.get("/login").get_data(as_text=True)
    assert _marked(page) == ["Sign in"] and "My sessions" not in page


def _marked(page: str) -> list[str]:
    main = re.search(r'<nav aria-label="Main">.*?</nav>', page, re.S).group(0)
    return re.findall(r'<a href="[^"]+" aria-current="page">([^<]+)</a>', main)


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path):
    """The embedded default, whatever database this run of the suite uses."""
    app = make_test_app(f"sqlite:///{tmp_path / 'wal.sqlite'}")
    with app.app_context():
        assert db.session.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(sa.text("PRAGMA busy_timeout")).scalar() == 10000
        assert db.session.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1


def test_external_urls_use_the_configured_base_outside_requests(app):
    from portal.web.urls import external_url

    app.config["PORTAL_BASE_URL"] = "https://portal.example.test/sub"
    with app.app_context():
        assert external_url("auth.login") == "https://portal.example.test/sub/login"
        assert (
            external_url("auth.reset_password", token="abc")
            == "https://portal.example.test/sub/reset-password/abc"
        )


def test_the_icon_is_served_where_browsers_look_for_it(client):
    """``/favicon.ico`` used to be a 404: a console error on every first visit."""
    with client.get("/favicon.ico") as response:  # a file response: close it
        assert response.status_code == 200
        assert response.mimetype in ("image/vnd.microsoft.icon", "image/x-icon")
        assert response.data[:4] == b"\x00\x00\x01\x00"  # an ICO file
        assert "max-age" in response.headers["Cache-Control"]


def test_every_page_names_its_icons_and_they_exist(client):
    import re

    page = client.get("/").get_data(as_text=True)
    icons = re.findall(r'<link rel="icon" href="([^"]+)"', page)
    assert "/favicon.ico" in icons
    svg = next(href for href in icons if href.endswith(".svg"))
    with client.get(svg) as response:
        assert response.status_code == 200
        assert response.mimetype == "image/svg+xml"
        assert b"<svg" in response.data


def test_pages_still_draw_their_frame_when_the_database_is_down():
    """The footer reads the practice's settings; without a database the configuration's stand in,
    so the error page still renders in the site's frame instead of failing in the handler."""
    app = make_test_app("postgresql://nobody@127.0.0.1:1/none?connect_timeout=2")
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: errors become pages
    response = app.test_client().get("/")  # the home page lists articles: it needs the database
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Something went wrong" in page
    assert app.config["PRACTICE_ADDRESS"] in page
