"""Configuration from the environment, and production's refusal of a default secret."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from config import (
    DEFAULT_SECRET_KEY,
    ConfigurationError,
    DevelopmentConfig,
    ProductionConfig,
    load_config,
    normalise_database_url,
)
from portal import create_app

ROOT = Path(__file__).resolve().parent.parent


def test_production_without_secret_key_refuses_to_build(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="SECRET_KEY is missing"):
        create_app(ProductionConfig())


def test_production_with_the_development_default_refuses(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", DEFAULT_SECRET_KEY)
    with pytest.raises(ConfigurationError, match="development default"):
        create_app("production")


def test_production_with_a_short_secret_refuses(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "short")
    with pytest.raises(ConfigurationError, match="shorter than 32"):
        create_app("production")


def test_production_process_exits_with_one_clear_line(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env["PORTAL_CONFIG"] = "production"
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'p.sqlite'}"
    result = subprocess.run(
        [sys.executable, "-c", "import wsgi"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("refusing to start: SECRET_KEY is missing")


def _production_process(tmp_path, **env_values: str) -> subprocess.CompletedProcess[str]:
    """``import wsgi`` in a fresh process with the production settings and ``env_values``."""
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "MAIL_SERVER")}
    env.update(PORTAL_CONFIG="production", DATABASE_URL=f"sqlite:///{tmp_path / 'p.sqlite'}")
    env.update(env_values)
    return subprocess.run(
        [sys.executable, "-c", "import wsgi"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_without_a_mail_server_exits_with_one_clear_line(tmp_path):
    """Without MAIL_SERVER the mail would only reach the development mailbox."""
    result = _production_process(tmp_path, SECRET_KEY="s" * 48)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("refusing to start: MAIL_SERVER is not set")
    assert "MAIL_DEV_MAILBOX=1" in lines[0]


def test_a_staging_site_opts_in_to_the_development_mailbox(tmp_path):
    result = _production_process(tmp_path, SECRET_KEY="s" * 48, MAIL_DEV_MAILBOX="1")
    assert result.returncode == 0, result.stderr
    with_server = _production_process(tmp_path, SECRET_KEY="s" * 48, MAIL_SERVER="127.0.0.1")
    assert with_server.returncode == 0, with_server.stderr


def test_only_development_shows_one_time_links_in_the_mailbox(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 48)
    monkeypatch.setenv("MAIL_SERVER", "smtp.example.test")
    monkeypatch.delenv("MAILBOX_SHOW_TOKEN_LINKS", raising=False)
    assert load_config("development").MAILBOX_SHOW_TOKEN_LINKS is True
    assert load_config("testing").MAILBOX_SHOW_TOKEN_LINKS is False
    assert load_config("production").MAILBOX_SHOW_TOKEN_LINKS is False
    monkeypatch.setenv("MAILBOX_SHOW_TOKEN_LINKS", "1")  # only development listens
    assert load_config("production").MAILBOX_SHOW_TOKEN_LINKS is False
    monkeypatch.setenv("MAILBOX_SHOW_TOKEN_LINKS", "0")
    assert load_config("development").MAILBOX_SHOW_TOKEN_LINKS is False


def test_production_with_a_real_secret_sets_secure_cookies_and_hsts(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "x" * 48)
    monkeypatch.setenv("MAIL_SERVER", "smtp.example.test")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'p.sqlite'}")
    app = create_app("production")
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    response = app.test_client().get("/healthz")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_environment_variables_are_read(monkeypatch):
    monkeypatch.setenv("MAIL_SERVER", "smtp.example.test")
    monkeypatch.setenv("MAIL_PORT", "2525")
    monkeypatch.setenv("MAIL_USE_TLS", "true")
    monkeypatch.setenv("MAIL_USE_SSL", "0")
    monkeypatch.setenv("MAIL_USERNAME", "robot")
    monkeypatch.setenv("MAIL_PASSWORD", "hunter22")
    monkeypatch.setenv("MAIL_DEFAULT_SENDER", "Desk <desk@example.test>")
    monkeypatch.setenv("PORTAL_BASE_URL", "https://portal.example.test/")
    monkeypatch.setenv("MAIL_RATE_PER_SECOND", "12.5")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/3")
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db/portal")
    config = DevelopmentConfig()
    assert config.MAIL_SERVER == "smtp.example.test"
    assert config.MAIL_PORT == 2525
    assert config.MAIL_USE_TLS is True
    assert config.MAIL_USE_SSL is False
    assert config.MAIL_USERNAME == "robot"
    assert config.MAIL_PASSWORD == "hunter22"
    assert config.MAIL_DEFAULT_SENDER == "Desk <desk@example.test>"
    assert config.PORTAL_BASE_URL == "https://portal.example.test"
    assert config.MAIL_RATE_PER_SECOND == 12.5
    assert config.RATELIMIT_STORAGE_URI == "redis://127.0.0.1:6379/3"
    assert config.SQLALCHEMY_DATABASE_URI == "postgresql+psycopg://u@db/portal"


def test_defaults_run_on_embedded_sqlite_without_services(monkeypatch):
    for name in ("DATABASE_URL", "REDIS_URL", "MAIL_SERVER", "SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    config = load_config("development")
    assert config.SQLALCHEMY_DATABASE_URI.startswith("sqlite:///")
    assert config.SQLALCHEMY_DATABASE_URI.endswith("instance/portal.sqlite")
    assert config.RATELIMIT_STORAGE_URI == "memory://"
    assert config.MAIL_SERVER is None


def test_unknown_config_name_is_refused():
    with pytest.raises(ConfigurationError, match="unknown PORTAL_CONFIG"):
        load_config("staging")


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://a@h/d", "postgresql+psycopg://a@h/d"),
        ("postgresql://a@h/d", "postgresql+psycopg://a@h/d"),
        ("postgresql+psycopg://a@h/d", "postgresql+psycopg://a@h/d"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_database_urls_use_psycopg3(given, expected):
    assert normalise_database_url(given) == expected


def test_proxy_fix_trusts_the_configured_number_of_proxies(tmp_path):
    from flask import request

    from tests.conftest import make_test_app

    app = make_test_app(f"sqlite:///{tmp_path / 'p.sqlite'}", PROXY_FIX_HOPS=1)
    app.add_url_rule("/ip", "ip", lambda: request.remote_addr)
    response = app.test_client().get(
        "/ip", headers={"X-Forwarded-For": "203.0.113.7"}, environ_base={"REMOTE_ADDR": "10.0.0.2"}
    )
    assert response.get_data(as_text=True) == "203.0.113.7"
    plain = make_test_app(f"sqlite:///{tmp_path / 'q.sqlite'}")
    plain.add_url_rule("/ip", "ip", lambda: request.remote_addr)
    response = plain.test_client().get(
        "/ip", headers={"X-Forwarded-For": "203.0.113.7"}, environ_base={"REMOTE_ADDR": "10.0.0.2"}
    )
    assert response.get_data(as_text=True) == "10.0.0.2"


@pytest.mark.parametrize(
    ("url", "pinged"),
    [
        ("sqlite:////srv/portal/portal.sqlite", False),
        ("postgresql://portal@db.internal/portal", True),
    ],
)
def test_pooled_connections_are_pinged_only_where_a_server_can_drop_them(monkeypatch, url, pinged):
    monkeypatch.setenv("DATABASE_URL", url)
    assert DevelopmentConfig().SQLALCHEMY_ENGINE_OPTIONS["pool_pre_ping"] is pinged
