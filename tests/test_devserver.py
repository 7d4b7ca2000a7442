"""``make run PORT=…``: the links the site builds follow the port it serves on (issue 8, item 6)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from config import DevelopmentConfig, local_base_url
from portal.devserver import child_environment, commands

ROOT = Path(__file__).resolve().parent.parent


def test_the_server_and_the_worker_get_a_base_url_on_the_port_served():
    env = child_environment("127.0.0.1", 5200, {"PATH": "/usr/bin"})
    assert env["PORTAL_BASE_URL"] == "http://127.0.0.1:5200"
    started = commands("127.0.0.1", 5200)
    assert [argv[-1] for argv in started] == ["5200", "worker"]  # both share ``env``


def test_an_operators_base_url_is_kept():
    env = child_environment("127.0.0.1", 5200, {"PORTAL_BASE_URL": "https://portal.example"})
    assert env["PORTAL_BASE_URL"] == "https://portal.example"


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.0.0.1", "http://127.0.0.1:5200"),
        ("0.0.0.0", "http://127.0.0.1:5200"),  # noqa: S104
        ("::1", "http://[::1]:5200"),
        ("localhost", "http://localhost:5200"),
    ],
)
def test_base_urls_are_what_a_browser_on_this_machine_opens(host, expected):
    assert local_base_url(host, 5200) == expected


def test_the_development_default_follows_flask_run_host_and_port(monkeypatch):
    monkeypatch.delenv("PORTAL_BASE_URL", raising=False)
    monkeypatch.delenv("FLASK_RUN_HOST", raising=False)
    monkeypatch.delenv("FLASK_RUN_PORT", raising=False)
    assert DevelopmentConfig().PORTAL_BASE_URL == "http://127.0.0.1:5000"
    monkeypatch.setenv("FLASK_RUN_PORT", "5200")
    assert DevelopmentConfig().PORTAL_BASE_URL == "http://127.0.0.1:5200"
    monkeypatch.setenv("PORTAL_BASE_URL", "https://portal.example/")
    assert DevelopmentConfig().PORTAL_BASE_URL == "https://portal.example"


def test_links_built_by_the_app_use_the_devservers_environment(monkeypatch, tmp_path):
    """The calendar address (and every emailed link) of an app started by the devserver."""
    from portal.clients.calendar import subscription_url
    from portal.extensions import db
    from portal.models import User
    from tests.conftest import built_app

    monkeypatch.delenv("PORTAL_BASE_URL", raising=False)
    for name, value in child_environment("127.0.0.1", 5200, {}).items():
        monkeypatch.setenv(name, value)
    with built_app(f"sqlite:///{tmp_path / 'p.sqlite'}") as app, app.test_request_context():
        rosa = User(email="rosa@example.com", name="Rosa", role="client")
        db.session.add(rosa)
        db.session.commit()
        assert subscription_url(rosa.id).startswith("http://127.0.0.1:5200/portal/calendar.ics?")


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_run_hands_the_port_to_the_base_url():
    env = {k: v for k, v in os.environ.items() if k != "PORTAL_BASE_URL"}
    dry_run = subprocess.run(
        ["make", "-n", "run", "PORT=5200"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert dry_run.returncode == 0, dry_run.stderr
    serve = [line for line in dry_run.stdout.splitlines() if "portal.devserver" in line]
    assert serve == [
        "PORTAL_BASE_URL='http://127.0.0.1:5200' .venv/bin/python -m portal.devserver "
        "--host 127.0.0.1 --port 5200"
    ]
    env["PORTAL_BASE_URL"] = "https://portal.example"
    dry_run = subprocess.run(
        ["make", "-n", "run", "PORT=5200"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert "PORTAL_BASE_URL='https://portal.example'" in dry_run.stdout
