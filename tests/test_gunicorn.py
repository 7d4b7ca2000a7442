"""The repository's gunicorn configuration serves the app in production settings."""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.fixtures.smtp import free_port

ROOT = Path(__file__).resolve().parents[1]


def _get(url: str, headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 (http, loopback)
    return urllib.request.urlopen(request, timeout=5)  # noqa: S310 (loopback, our server)


@pytest.fixture
def gunicorn(app, database_url, tmp_path):  # type: ignore[no-untyped-def]
    """gunicorn with deploy/gunicorn.conf.py, two workers, on this test's database."""
    port = free_port()
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if k not in ("TEST_DATABASE_URL", "XDG_RUNTIME_DIR", "GUNICORN_CONTROL_SOCKET")
        },
        "HOME": str(tmp_path / "home"),
        "PORTAL_CONFIG": "production",
        "SECRET_KEY": "gunicorn-test-secret-key-0123456789abcdef",
        "DATABASE_URL": database_url,
        "MAIL_SERVER": "127.0.0.1",
        "HUEY_SQLITE_PATH": str(tmp_path / "tasks.sqlite"),
        "PROXY_FIX_HOPS": "1",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "2",
    }
    log = (tmp_path / "gunicorn.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            _get(base + "/healthz")
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                log.close()
                raise AssertionError((tmp_path / "gunicorn.log").read_text()) from None
            time.sleep(0.1)
    yield base
    process.terminate()
    process.wait(timeout=30)
    log.close()


def test_gunicorn_serves_pages_and_immutable_static_files(gunicorn):
    home = _get(gunicorn + "/", {"X-Forwarded-Proto": "https"})
    page = home.read().decode()
    assert home.status == 200
    assert home.headers["Strict-Transport-Security"]  # production settings
    stylesheet = page.split('rel="stylesheet" href="', 1)[1].split('"', 1)[0]
    css = _get(gunicorn + stylesheet)
    assert css.status == 200
    assert "immutable" in css.headers["Cache-Control"]
    assert _get(gunicorn + "/readyz").status == 200


def test_gunicorn_opens_no_control_socket_unless_asked(gunicorn, tmp_path):
    """gunicorn's default control socket would sit in $HOME, shared by every instance."""
    assert _get(gunicorn + "/healthz").status == 200
    assert not (tmp_path / "home" / ".gunicorn").exists()


def test_gunicorn_access_log_never_holds_a_token(gunicorn, tmp_path):
    """The real access log line (request line, query, Referer) is written, redacted."""
    referer = gunicorn + "/register/confirm/REFERERSECRET"
    for path in ("/reset-password/PATHSECRET", "/portal/calendar.ics?token=QUERYSECRET"):
        # Unknown tokens answer 404: the log line is what matters.
        with contextlib.suppress(urllib.error.HTTPError):
            _get(gunicorn + path, {"Referer": referer})
    deadline = time.monotonic() + 5
    log = tmp_path / "gunicorn.log"
    while "calendar.ics" not in log.read_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    text = log.read_text()
    assert "SECRET" not in text
    assert "/reset-password/[redacted]" in text
    assert "calendar.ics?token=[redacted]" in text


# gunicorn's own lines ("[time] [pid] [LEVEL] message") and its access lines (redacted, in
# gunicorn's default format); the app's lines are JSON objects (LOG_FORMAT=json).
_GUNICORN_LINE = re.compile(r"^\[[^\]]+\] \[\d+\] \[(DEBUG|INFO|WARNING|ERROR|CRITICAL)\] \S")
_ACCESS_LINE = re.compile(r'^\S+ - \S+ \[[^\]]+\] "[A-Z]+ \S+ HTTP/1\.[01]" \d{3} ')


def _is_app_line(line: str) -> bool:
    try:
        entry = json.loads(line)
    except ValueError:
        return False
    return isinstance(entry, dict) and {"time", "level", "logger", "message"} <= entry.keys()


def test_every_line_gunicorn_writes_is_a_well_formed_log_line(gunicorn, tmp_path):
    """With the production logging, gunicorn's own lines ("Booting worker", "Worker exiting",
    "WORKER TIMEOUT") are written as lines, not as logging errors."""
    assert _get(gunicorn + "/").status == 200
    log = tmp_path / "gunicorn.log"
    deadline = time.monotonic() + 5
    while "Booting worker" not in log.read_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    text = log.read_text()
    assert "Logging error" not in text and "Traceback" not in text, text
    lines = text.splitlines()
    assert any("Booting worker with pid" in line for line in lines), text
    for line in lines:
        assert _GUNICORN_LINE.match(line) or _ACCESS_LINE.match(line) or _is_app_line(line), line
