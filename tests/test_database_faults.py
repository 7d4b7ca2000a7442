"""A database that cannot write (a read-only file or server, a full disk) answers a clear
"could not save, try again" page (503) with nothing half-saved, never a 500."""

from __future__ import annotations

import sqlalchemy as sa

from portal.extensions import db
from portal.models import Subscriber
from tests.conftest import built_app, make_test_app
from tests.newsletter.test_subscribe import FORM


def read_only(database_url: str) -> str:
    """The same database, opened so that every write is refused."""
    if database_url.startswith("sqlite:///"):
        path = database_url.removeprefix("sqlite:///")
        return f"sqlite:///file:{path}?mode=ro&uri=true"
    return database_url.replace("options=", "options=-cdefault_transaction_read_only%3Don%20")


def test_a_write_the_database_refuses_is_a_503_page_and_saves_nothing(database_url):
    with built_app(database_url):
        pass  # the tables
    app = make_test_app(read_only(database_url))
    response = app.test_client().post("/newsletter/subscribe", data=FORM)
    with app.app_context():
        db.engine.dispose()
    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert "could not be saved" in page and "try again" in page
    assert response.headers["Retry-After"]
    with built_app(database_url) as writable, writable.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Subscriber)) == 0
