"""The back office (``/staff/``): therapists and admins only.

Each area of the back office is its own module of routes on this one blueprint.
"""

from flask import Blueprint

from portal.auth.permissions import staff_required

bp = Blueprint("staff", __name__, url_prefix="/staff")


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
