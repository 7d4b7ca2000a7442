"""The practice's standalone pages (About, Services and prices, Visit us, Privacy) at
``/<slug>``; staff write them in the back office (``/staff/pages``)."""

from typing import Any

from flask import Blueprint, current_app
from flask.blueprints import BlueprintSetupState
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.routing import BaseConverter, ValidationError

from portal.extensions import db

bp = Blueprint("pages", __name__)


class PageSlugConverter(BaseConverter):
    """A page's address: a slug that no other route of the site starts with.

    A reserved word is no match at all (``ValidationError``), so ``GET /logout`` still
    answers 405 from the route that only takes POST, rather than "no such page".
    """

    regex = r"[a-z0-9]+(?:-[a-z0-9]+)*"
    reserved: frozenset[str] | None = None  # read from the map at the first match

    def to_python(self, value: str) -> Any:
        from portal.pages.services import reserved_segments

        if self.reserved is None:
            self.reserved = reserved_segments(self.map)
        if value in self.reserved:
            raise ValidationError
        return value


@bp.record_once
def _add_converter(state: BlueprintSetupState) -> None:
    state.app.url_map.converters["page"] = PageSlugConverter


@bp.app_template_global("menu_pages")
def menu_pages() -> list[Any]:
    """The practice's published pages for the site's menu and footer (``base.html``); none
    when the database is unreachable, so that the error page can still be drawn."""
    from portal.pages.services import menu_pages as published

    try:
        return list(published())
    except SQLAlchemyError as error:
        db.session.rollback()
        current_app.logger.warning("pages unavailable: %s", error)
        return []


from portal.pages import routes  # noqa: E402,F401
