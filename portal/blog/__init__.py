"""The blog: articles, comments, moderation, the feed and the sitemap.

``bp`` serves ``/blog/…``; ``site_bp`` serves what must live at the root: ``/sitemap.xml``
and the old WordPress addresses of imported posts, pages and images, which redirect.
"""

from flask import Blueprint
from flask.blueprints import BlueprintSetupState

from portal.web.templating import fill_slot

bp = Blueprint("blog", __name__, url_prefix="/blog")
site_bp = Blueprint("blog_site", __name__)


@bp.record_once
def _fill_slots(state: BlueprintSetupState) -> None:
    """The blog's part of the account page: the member's own comments."""
    fill_slot(state.app, "account", "blog/_account_comments.html")


from portal.blog import personal_data, routes, site_routes, tasks, templating  # noqa: E402,F401
