"""The blog: articles, comments, moderation, the feed and the sitemap.

``bp`` serves ``/blog/…``; ``site_bp`` serves what must live at the root: ``/sitemap.xml``
and the old WordPress permalinks (``/YYYY/MM/DD/slug/``, ``/?p=ID``), which redirect.
"""

from flask import Blueprint

bp = Blueprint("blog", __name__, url_prefix="/blog")
site_bp = Blueprint("blog_site", __name__)

from portal.blog import personal_data, routes, site_routes, tasks, templating  # noqa: E402,F401
