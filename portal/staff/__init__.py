"""The back office (``/staff/``): therapists and admins only.

Each area of the back office is its own module of routes on this one blueprint.
"""

from typing import Any

from flask import Blueprint, current_app, request
from flask.blueprints import BlueprintSetupState

from portal.auth.permissions import staff_required

bp = Blueprint("staff", __name__, url_prefix="/staff")


@bp.record_once
def register_navigation(state: BlueprintSetupState) -> None:
    from portal.staff.navigation import init_app

    init_app(state.app)


@bp.url_value_preprocessor
def allow_larger_forms(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """Articles and campaigns are longer than anything the public sends: the back office's
    bodies may be up to ``STAFF_MAX_CONTENT_LENGTH`` (the field limits still apply). This
    runs before the CSRF check reads the body."""
    request.max_content_length = current_app.config["STAFF_MAX_CONTENT_LENGTH"]


@bp.before_request
@staff_required
def require_staff() -> None:
    """Every back-office page needs a staff or admin account (anonymous → login, client → 403)."""


from portal.staff import routes  # noqa: E402,F401

# Areas of the back office, one module each (isort: skip keeps them one line apiece).
from portal.staff import accounts  # noqa: E402,F401  # isort: skip
from portal.staff import audit  # noqa: E402,F401  # isort: skip
from portal.staff import clients  # noqa: E402,F401  # isort: skip
from portal.staff import comments  # noqa: E402,F401  # isort: skip
from portal.staff import guidance  # noqa: E402,F401  # isort: skip
from portal.staff import mail  # noqa: E402,F401  # isort: skip
from portal.staff import newsletter  # noqa: E402,F401  # isort: skip
from portal.staff import pages  # noqa: E402,F401  # isort: skip
from portal.staff import posts  # noqa: E402,F401  # isort: skip
from portal.staff import settings  # noqa: E402,F401  # isort: skip
