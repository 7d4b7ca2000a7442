"""The ORM session class, which takes in the signed-in person when the request first uses it.

The signed-in person is read outside the ORM (``portal.auth.session.load_user``), and most
requests for a cached page never use the ORM session at all: creating one only to put the
person in it was about a twentieth of such a request (measured). So the person waits on
``g`` and joins the request's session when that session is created. Code that changes
``current_user`` and commits works as before: the change is recorded on the object
whichever session it joins later, and ``db.session`` is created by the commit itself.
"""

from __future__ import annotations

from typing import Any

from flask import g, has_app_context
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as FlaskSession

_WAITING = "_orm_session_joins"


class Session(FlaskSession):
    def __init__(self, db: SQLAlchemy, **kwargs: Any) -> None:
        super().__init__(db, **kwargs)
        if has_app_context() and (waiting := g.pop(_WAITING, None)) is not None:
            self.add(waiting)


def join_when_created(db: SQLAlchemy, obj: Any) -> None:
    """Put ``obj`` (persistent or detached) in the request's ORM session now if there is
    one, else when it is created."""
    if db.session.registry.has():
        db.session.add(obj)
    else:
        setattr(g, _WAITING, obj)
