"""Helpers for account tests: read the links that account emails carry from the outbox."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import AccountToken, OutboxMessage, User
from portal.models.types import utcnow


class Outbox:
    def __init__(self, app) -> None:
        self.app = app

    def messages(self, template: str | None = None, to: str | None = None) -> list[dict]:
        with self.app.app_context():
            query = sa.select(OutboxMessage).order_by(OutboxMessage.id)
            if template:
                query = query.where(OutboxMessage.template == template)
            if to:
                query = query.where(OutboxMessage.to_address == to)
            return [
                {
                    "to": m.to_address,
                    "template": m.template,
                    "subject": m.subject,
                    "context": m.context,
                    "category": m.category,
                }
                for m in db.session.scalars(query)
            ]

    def link(self, template: str, to: str | None = None, key: str = "link") -> str:
        """The path of the link in the newest ``template`` email (to ``to``)."""
        found = self.messages(template, to)
        assert found, f"no {template} email queued"
        return urlsplit(found[-1]["context"][key]).path


@pytest.fixture
def outbox(app) -> Outbox:
    return Outbox(app)


@pytest.fixture
def expire_tokens(app):
    """Move every token's expiry into the past (instead of waiting an hour)."""

    def _expire() -> None:
        with app.app_context():
            db.session.execute(
                sa.update(AccountToken).values(expires_at=utcnow() - timedelta(minutes=1))
            )
            db.session.commit()

    return _expire


@pytest.fixture
def get_user(app):
    def _get(email: str) -> User | None:
        with app.app_context():
            user = db.session.scalar(sa.select(User).where(User.email == email))
            if user is not None:
                db.session.expunge(user)
            return user

    return _get
