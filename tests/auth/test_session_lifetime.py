"""Sessions end after inactivity and after a maximum lifetime (ASVS 7.3.1, 7.3.2), and
production cookies carry the ``__Host-``/``__Secure-`` prefixes (ASVS 3.3.1)."""

from __future__ import annotations

import logging

import pytest

from config import ProductionConfig
from portal.auth import session as login_session
from tests.conftest import PASSWORD, sign_in


@pytest.fixture
def clock(monkeypatch):
    """The sessions' clock, moved by hand: ``clock.now`` is seconds since the epoch."""

    class Clock:
        now = 1_900_000_000

        def advance(self, seconds: int) -> None:
            self.now += seconds

    moved = Clock()
    monkeypatch.setattr(login_session, "now", lambda: moved.now)
    return moved


@pytest.mark.config(SESSION_IDLE_MINUTES=60, SESSION_MAX_HOURS=12)
def test_a_session_ends_after_an_hour_without_requests(app, make_user, clock, caplog):
    make_user("rosa@example.com")
    browser = app.test_client()
    assert sign_in(browser, "rosa@example.com").status_code == 302
    clock.advance(59 * 60)
    assert browser.get("/account").status_code == 200  # still there, and now seen again
    clock.advance(59 * 60)
    assert browser.get("/account").status_code == 200
    clock.advance(61 * 60)
    with caplog.at_level(logging.INFO, logger="portal.security"):
        response = browser.get("/account")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    assert "session_expired" in caplog.text
    assert "inactivity" in caplog.text


@pytest.mark.config(SESSION_IDLE_MINUTES=60, SESSION_MAX_HOURS=12)
def test_a_busy_session_still_ends_twelve_hours_after_sign_in(app, make_user, clock):
    make_user("rosa@example.com")
    browser = app.test_client()
    assert sign_in(browser, "rosa@example.com").status_code == 302
    for _ in range(23):  # a request every half hour for 11.5 hours
        clock.advance(30 * 60)
        assert browser.get("/account").status_code == 200
    clock.advance(31 * 60)
    assert browser.get("/account").status_code == 302
    # Signing in again starts a new session with its own twelve hours.
    assert sign_in(browser, "rosa@example.com").status_code == 302
    assert browser.get("/account").status_code == 200


@pytest.mark.config(SESSION_IDLE_MINUTES=60)
def test_keep_me_signed_in_starts_a_new_session_after_the_timeout(app, make_user, clock):
    make_user("rosa@example.com")
    phone = app.test_client()
    assert sign_in(phone, "rosa@example.com", remember=True).status_code == 302
    clock.advance(2 * 3600)
    assert phone.get("/account").status_code == 200  # the remember-me cookie signed in again
    clock.advance(30 * 60)
    assert phone.get("/account").status_code == 200


@pytest.mark.config(SESSION_IDLE_MINUTES=0, SESSION_MAX_HOURS=0)
def test_the_limits_can_be_switched_off(app, make_user, clock):
    make_user("rosa@example.com")
    browser = app.test_client()
    assert sign_in(browser, "rosa@example.com").status_code == 302
    clock.advance(30 * 24 * 3600)
    assert browser.get("/account").status_code == 200


def test_a_session_cannot_move_its_own_clock(app, make_user, clock):
    """The times are inside the signed session cookie: a client cannot edit them."""
    make_user("rosa@example.com")
    browser = app.test_client()
    assert sign_in(browser, "rosa@example.com").status_code == 302
    cookie = browser.get_cookie("session")
    assert cookie is not None
    browser.set_cookie("session", cookie.value[:-2] + "xx")  # a tampered signature
    assert browser.get("/account").status_code == 302


def test_production_cookie_names_carry_the_host_and_secure_prefixes(monkeypatch):
    monkeypatch.delenv("COOKIE_NAME_PREFIXES", raising=False)
    config = ProductionConfig()
    assert config.SESSION_COOKIE_NAME == "__Host-session"
    assert config.REMEMBER_COOKIE_NAME == "__Host-remember_token"
    assert config.DEVICE_COOKIE_NAME == "__Secure-device"  # its path is /login, not /
    assert config.SESSION_COOKIE_SECURE and config.REMEMBER_COOKIE_SECURE
    monkeypatch.setenv("COOKIE_NAME_PREFIXES", "0")
    assert ProductionConfig().SESSION_COOKIE_NAME == "session"


@pytest.mark.config(
    SESSION_COOKIE_NAME="__Host-session",
    REMEMBER_COOKIE_NAME="__Host-remember_token",
    DEVICE_COOKIE_NAME="__Secure-device",
    SESSION_COOKIE_SECURE=True,
    REMEMBER_COOKIE_SECURE=True,
)
def test_prefixed_cookies_meet_the_browsers_rules_and_sign_in_works(app, make_user):
    """``__Host-``: Secure, Path=/, no Domain (browsers drop the cookie otherwise)."""
    make_user("rosa@example.com")
    browser = app.test_client()
    data = {"email": "rosa@example.com", "password": PASSWORD, "remember": "y"}
    response = browser.post("/login", data=data, base_url="https://localhost")
    assert response.status_code == 302
    cookies = response.headers.getlist("Set-Cookie")
    for name in ("__Host-session", "__Host-remember_token"):
        (header,) = [c for c in cookies if c.startswith(name + "=")]
        assert "Secure" in header and "Path=/;" in header + ";" and "Domain" not in header
    (device,) = [c for c in cookies if c.startswith("__Secure-device=")]
    assert "Secure" in device and "Path=/login" in device
    assert browser.get("/account", base_url="https://localhost").status_code == 200
