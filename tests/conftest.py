"""Fixtures shared by the whole suite.

Every test gets its own app and its own empty database: a fresh SQLite file, or (when
``TEST_DATABASE_URL`` is set) a fresh PostgreSQL schema that is dropped afterwards. Nothing a
test writes is visible to another.
"""

from __future__ import annotations

import os
import re
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from config import TestingConfig
from portal import create_app
from portal.auth.passwords import hash_password
from portal.extensions import db, limiter
from portal.models import Role, User
from portal.models.types import utcnow

pytest_plugins = [
    "tests.fixtures.smtp",
    "tests.fixtures.browser",
    "tests.fixtures.mail",
    "tests.fixtures.records",
    "tests.fixtures.accounts",
    "tests.fixtures.newsletter",
    "tests.fixtures.arrival",
    "tests.fixtures.mailservers",
]

# The suite runs on the practice's clock: the app's "today" is the date in PRACTICE_TIMEZONE
# (default America/Los_Angeles, portal/core/clock.py), and tests that build records with
# date.today() must agree with it at every hour, also on a machine whose clock is in another zone.
os.environ["TZ"] = os.environ.get("PRACTICE_TIMEZONE") or "America/Los_Angeles"
time.tzset()

PASSWORD = "correct-horse-battery-staple"  # what `make_user` gives everyone unless told


# --- databases -----------------------------------------------------------------------------


def _postgres_admin_url() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL")
    return url or None


@pytest.fixture
def database_url(tmp_path) -> Iterator[str]:
    """A URL to an empty database that belongs to this test alone."""
    base = _postgres_admin_url()
    if base is None:
        yield f"sqlite:///{tmp_path / 'test.sqlite'}"
        return
    from config import normalise_database_url

    engine = sa.create_engine(normalise_database_url(base), isolation_level="AUTOCOMMIT")
    schema = f"t_{uuid.uuid4().hex[:16]}"
    with engine.connect() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in base else "?"
    try:
        yield f"{base}{separator}options=-csearch_path%3D{schema}"
    finally:
        with engine.connect() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


def make_test_app(database_url: str, **overrides: object) -> Flask:
    """An app on ``database_url`` with the testing config and ``overrides`` applied."""
    config = TestingConfig(database_url=database_url)
    for key, value in overrides.items():
        setattr(config, key, value)
    return create_app(config)


def _config_markers(request: pytest.FixtureRequest) -> dict[str, object]:
    overrides: dict[str, object] = {}
    for marker in request.node.iter_markers("config"):
        overrides.update(marker.kwargs)
    return overrides


@contextmanager
def built_app(database_url: str, **overrides: object) -> Iterator[Flask]:
    """An app with every table created (``db.create_all``; migrations are tested apart),
    its rate-limit counters at zero, and its connections closed afterwards."""
    application = make_test_app(database_url, **overrides)
    with application.app_context():
        db.create_all()
        limiter.reset()  # rate-limit counters live in Redis on CI: start every test at zero
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def app(database_url: str, request: pytest.FixtureRequest) -> Iterator[Flask]:
    """The app on this test's own database.

    ``@pytest.mark.config(KEY=value)`` on a test changes settings before the app is built.
    """
    with built_app(database_url, **_config_markers(request)) as application:
        yield application


@pytest.fixture
def smtp_app(database_url: str, smtp_server, request: pytest.FixtureRequest) -> Iterator[Flask]:
    """The app sending to the loopback ``smtp_server``; ``@pytest.mark.config`` adds settings."""
    overrides = {**smtp_server.app_settings(), **_config_markers(request)}
    with built_app(database_url, **overrides) as application:
        yield application


@pytest.fixture(autouse=True)
def _push_request_context() -> None:
    """Replace pytest-flask's fixture of the same name, which pushes one request context for the
    whole test: ``g``, the session and Flask-Login's cached user would then leak from one
    request to the next. Tests open ``app.app_context()`` themselves where they need one."""


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client used outside ``with``: pytest-flask's keeps the last request's contexts
    pushed, so a later request from another client would reuse its ``g`` (and signed-in
    user). Every request here starts from fresh contexts."""
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


# --- people --------------------------------------------------------------------------------


@pytest.fixture
def make_user(app: Flask):
    """Create a confirmed account; returns its id. ``password=None`` makes an invited account."""
    counter = iter(range(1, 10_000))

    def _make_user(
        email: str | None = None,
        *,
        role: Role | str = Role.CLIENT,
        name: str | None = None,
        password: str | None = PASSWORD,
        confirmed: bool = True,
    ) -> int:
        email = email or f"person{next(counter)}@example.com"
        with app.app_context():
            user = User(
                email=email,
                name=name or email.split("@")[0].title(),
                role=Role(role).value,
                password_hash=hash_password(password) if password else None,
                email_confirmed_at=utcnow() if confirmed else None,
            )
            db.session.add(user)
            db.session.commit()
            return user.id

    return _make_user


def sign_in(client: FlaskClient, email: str, password: str = PASSWORD, remember: bool = False):
    """Sign in through the real login form, as a person would; returns the response.

    Works with CSRF switched on too: an anonymous reader's login form carries no token (the
    origin check protects it, ``portal.web.cross_origin``), a signed-in person's does.
    """
    data = {"email": email, "password": password, "remember": "y" if remember else ""}
    if client.application.config.get("WTF_CSRF_ENABLED"):
        page = client.get("/login").get_data(as_text=True)
        if "csrf_token" in page:
            data["csrf_token"] = csrf_token(page)
    return client.post("/login", data=data)


def csrf_token(html: str) -> str:
    """The CSRF token of the first form in ``html``."""
    found = re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', html)
    assert found, "no CSRF token in the page"
    return found.group(1)


@dataclass
class AuthActions:
    """Sign in and out as people of each role (accounts are created on first use)."""

    client: FlaskClient
    app: Flask
    make_user: object
    users: dict[str, int] = field(default_factory=dict)

    def login(self, email: str, password: str = PASSWORD, remember: bool = False):
        return sign_in(self.client, email, password, remember)

    def logout(self):
        return self.client.post("/logout")

    def _login_as(self, role: Role, email: str) -> int:
        if email not in self.users:
            self.users[email] = self.make_user(email, role=role)  # type: ignore[operator]
        response = self.login(email)
        assert response.status_code == 302, f"login as {email} failed"
        return self.users[email]

    def login_client(self, email: str = "client@example.com") -> int:
        return self._login_as(Role.CLIENT, email)

    def login_staff(self, email: str = "staff@example.com") -> int:
        return self._login_as(Role.STAFF, email)

    def login_admin(self, email: str = "admin@example.com") -> int:
        return self._login_as(Role.ADMIN, email)


@pytest.fixture
def auth(client: FlaskClient, app: Flask, make_user) -> AuthActions:
    return AuthActions(client=client, app=app, make_user=make_user)


# --- SQL statement counting ----------------------------------------------------------------


@dataclass
class QueryLog:
    statements: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app: Flask):
    """``with count_queries() as log: client.get(...)``; then ``log.count`` statements ran."""

    with app.app_context():
        engine = db.engine

    @contextmanager
    def _count() -> Iterator[QueryLog]:
        log = QueryLog()

        def before_cursor_execute(conn, cursor, statement, parameters, context, executemany):
            log.statements.append(statement)

        sa.event.listen(engine, "before_cursor_execute", before_cursor_execute)
        try:
            yield log
        finally:
            sa.event.remove(engine, "before_cursor_execute", before_cursor_execute)

    return _count


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "config(**settings): app settings for this test")
