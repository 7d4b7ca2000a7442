"""Template helpers for client records, used by the portal and the back office alike.

Dates (``long_date``, ``short_date``) are written by ``portal.core.locale``, as everywhere.
"""

from __future__ import annotations

from portal.clients import bp
from portal.clients.links import further_reading

bp.add_app_template_global(further_reading, "further_reading")
