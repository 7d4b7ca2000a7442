"""/readyz: database, Redis when configured, and the outbox backlog (which never fails it)."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from portal.extensions import db
from portal.models import OutboxMessage
from portal.models.types import utcnow
from tests.conftest import built_app, make_test_app
from tests.fixtures.mail import queue
from tests.fixtures.smtp import free_port


def _age(app, address: str, *, minutes: float) -> None:  # type: ignore[no-untyped-def]
    """Make the message to ``address`` due ``minutes`` ago (negative: due later)."""
    with app.app_context():
        db.session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.to_address == address)
            .values(next_attempt_at=utcnow() - timedelta(minutes=minutes))
        )
        db.session.commit()


def test_ready_reports_the_backlog_of_due_mail(app, client):
    assert client.get("/readyz").json["outbox"] == {
        "due": 0,
        "waiting": 0,
        "sending": 0,
        "oldest_due_seconds": None,
        "oldest_waiting_seconds": None,
    }
    first, second, later = queue(app, 3)
    _age(app, first, minutes=10)
    _age(app, later, minutes=-30)  # a retry, due in half an hour…
    with app.app_context():  # … of a message queued two hours ago, refused since (4xx)
        db.session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.to_address == later)
            .values(created_at=utcnow() - timedelta(hours=2))
        )
        db.session.commit()

    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json["status"] == "ok" and response.json["database"] == "ok"
    backlog = response.json["outbox"]
    assert (backlog["due"], backlog["waiting"], backlog["sending"]) == (2, 1, 0)
    assert 600 <= backlog["oldest_due_seconds"] < 700
    # When the server refuses everything, nothing is due: the waiting age still grows.
    assert 7200 <= backlog["oldest_waiting_seconds"] < 7300


def test_ready_is_503_when_the_database_is_down():
    app = make_test_app("postgresql://nobody@127.0.0.1:1/none?connect_timeout=2")
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["database"] == "error"


def test_ready_is_degraded_not_unready_when_the_configured_redis_is_down(database_url):
    """Every web host shares the one Redis: failing them all at once would leave the load
    balancer nothing to send to, while pages still work (limits fail open, mail waits in
    the outbox). So 200, "degraded"; only the database makes a host not ready."""
    down = f"redis://127.0.0.1:{free_port()}/0"
    app = make_test_app(database_url, REDIS_URL=down, RATELIMIT_STORAGE_URI=down)
    with app.app_context():
        db.create_all()
    response = app.test_client().get("/readyz")
    with app.app_context():
        db.engine.dispose()
    assert response.status_code == 200
    assert response.json["status"] == "degraded"
    assert response.json["redis"] == "error" and response.json["database"] == "ok"


def test_the_back_office_home_shows_the_same_backlog(app, client, auth):
    first, _ = queue(app, 2)
    _age(app, first, minutes=90)
    auth.login_staff()
    page = client.get("/staff/").get_data(as_text=True)
    assert "2 messages waiting to be sent" in page
    assert "The oldest has waited 1 hour 30 minutes" in page or "1 hour 31 minutes" in page


def test_ready_is_503_when_the_database_reads_but_refuses_writes(database_url):
    """A read-only database (or a full disk) answers every read: only a write tells."""
    from tests.test_database_faults import read_only

    with built_app(database_url):
        pass  # the tables
    app = make_test_app(read_only(database_url))
    response = app.test_client().get("/readyz")
    with app.app_context():
        db.engine.dispose()
    assert response.status_code == 503
    assert response.json["database"] == "error"
