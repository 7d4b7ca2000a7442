"""Extension objects, created unbound here and bound to an app in ``create_app``.

Keeping them in their own module lets models, blueprints and tasks import them without
importing the app factory (no circular imports).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mail import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names, so Alembic can alter and drop them on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def include_in_migrations(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object | None
) -> bool:
    """Leave alone tables the models create by hand (SQLite FTS5 indexes and their shadow
    tables), named in ``metadata.info["unmanaged_table_prefixes"]``."""
    if type_ == "table" and reflected and compare_to is None:
        prefixes = Base.metadata.info.get("unmanaged_table_prefixes", ())
        return not any((name or "").startswith(prefix) for prefix in prefixes)
    return True


db = SQLAlchemy(model_class=Base)

# The base class of every model. Flask-SQLAlchemy builds ``db.Model`` (a subclass of ``Base``
# that also names tables) when ``db`` is created, which a type checker cannot follow; models
# derive from ``Model``, which is ``db.Model`` at run time and ``Base`` to the type checker.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
migrate = Migrate(render_as_batch=True, compare_type=True, include_object=include_in_migrations)
login_manager = LoginManager()
csrf = CSRFProtect()
mail = Mail()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
