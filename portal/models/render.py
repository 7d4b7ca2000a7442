"""Version numbers of what cached page parts show (``portal.core.render_cache``)."""

from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so

from portal.extensions import Model


class RenderVersion(Model):
    """One row per scope (``client:12``, ``global``); bumped in the transaction of a change."""

    __tablename__ = "render_versions"

    scope: so.Mapped[str] = so.mapped_column(sa.String(300), primary_key=True)
    version: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=1)
