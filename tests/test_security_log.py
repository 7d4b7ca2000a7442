"""Security events reach the ``portal.security`` log (ASVS 16.3.1–16.3.3), without secrets."""

from __future__ import annotations

import json
import logging

import pytest

from portal.models import Role
from portal.web.request_log import JsonFormatter
from tests.conftest import PASSWORD, sign_in


@pytest.fixture
def events(caplog):
    caplog.set_level(logging.INFO, logger="portal.security")

    def _events() -> list[dict]:
        return [
            {"event": r.event, "user_id": r.user_id, **(r.details or {})}
            for r in caplog.records
            if r.name == "portal.security"
        ]

    return _events


def test_sign_in_success_and_failures_are_logged_without_the_address(
    app, make_user, events, caplog
):
    rosa = make_user("rosa@example.com")
    browser = app.test_client()
    sign_in(browser, "rosa@example.com", password="not-her-password-at-all")
    sign_in(browser, "nobody-here@example.com")
    sign_in(browser, "rosa@example.com")
    assert events() == [
        {"event": "login_failed", "user_id": rosa, "reason": "wrong password"},
        {"event": "login_failed", "user_id": None, "reason": "unknown account"},
        {
            "event": "login_succeeded",
            "user_id": rosa,
            "method": "password",
            "remember": False,
            "trusted_device": False,
        },
    ]
    assert "nobody-here" not in caplog.text and "rosa@" not in caplog.text
    assert "not-her-password" not in caplog.text
    failure = next(r for r in caplog.records if r.name == "portal.security")
    assert failure.levelname == "WARNING"
    line = json.loads(JsonFormatter().format(failure))  # production's format
    assert line["event"] == "login_failed" and line["time"].endswith("+00:00")
    assert line["remote_addr"] == "127.0.0.1" and line["path"] == "/login"


def test_password_change_reauthentication_failure_and_logout_are_logged(app, make_user, events):
    rosa = make_user("rosa@example.com")
    browser = app.test_client()
    sign_in(browser, "rosa@example.com")
    new = {"pw-password": "a-new-long-passphrase", "pw-confirm": "a-new-long-passphrase"}
    browser.post("/account/password", data={"pw-current_password": "wrong-wrong", **new})
    browser.post("/account/password", data={"pw-current_password": PASSWORD, **new})
    browser.post("/logout")
    names = [e["event"] for e in events()]
    assert names == [
        "login_succeeded",
        "reauthentication_failed",
        "password_changed",
        "logout",
    ]
    assert all(e["user_id"] == rosa for e in events())


def test_refused_access_is_logged(app, make_user, events):
    client_id = make_user("rosa@example.com", role=Role.CLIENT)
    browser = app.test_client()
    sign_in(browser, "rosa@example.com")
    assert browser.get("/staff/").status_code == 403
    assert {"event": "access_denied", "user_id": client_id} in events()


@pytest.mark.config(WTF_CSRF_ENABLED=True)
def test_a_form_without_its_csrf_token_or_from_another_site_is_logged(app, make_user, events):
    make_user("rosa@example.com", role=Role.CLIENT)
    browser = app.test_client()
    sign_in(browser, "rosa@example.com")
    assert browser.post("/account/name", data={"name-name": "R"}).status_code == 400
    assert events()[-1]["event"] == "csrf_failed"
    forged = {"Sec-Fetch-Site": "cross-site"}
    assert browser.post("/reset-password", data={}, headers=forged).status_code == 403
    assert events()[-1]["event"] == "cross_site_refused"


@pytest.mark.config(LOGIN_LIMIT_PER_IP="2 per minute")
def test_throttled_sign_ins_are_logged(app, events):
    browser = app.test_client()
    for _ in range(3):
        sign_in(browser, "someone@example.com")
    assert [e["event"] for e in events()][-1] == "rate_limited"


def test_signed_in_pages_are_not_cached_and_logout_clears_the_browser(app, make_user):
    """ASVS 14.3.2 and 14.3.1 (they live here with the other account-security checks)."""
    make_user("rosa@example.com")
    browser = app.test_client()
    assert "no-store" not in (browser.get("/").headers.get("Cache-Control") or "")
    sign_in(browser, "rosa@example.com")
    for path in ("/portal/", "/account"):
        assert browser.get(path).headers["Cache-Control"] == "no-store"
    response = browser.post("/logout")
    assert response.headers["Clear-Site-Data"] == '"cache", "storage"'
