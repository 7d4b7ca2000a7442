"""Search over article titles, summaries and bodies: one function, two databases.

- SQLite: the FTS5 table ``post_search`` (porter stemming), kept in step with ``posts`` by
  triggers (``portal.models.blog``), ranked by bm25.
- PostgreSQL: ``to_tsvector('english', …) @@ plainto_tsquery('english', …)``, ranked by
  ``ts_rank``. It is computed per query, so it is always in step; for the few hundred
  articles of a practice's blog that is a millisecond's work (an expression index can be
  added if that ever changes).

What people type is never passed through as query syntax: SQLite gets quoted words only,
PostgreSQL's ``plainto_tsquery`` reads any text as plain words. Quotes, stars, brackets,
``NEAR``, ``-`` or a lone ``"`` cannot cause an error.
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination

from portal.blog.posts import POST_ROW, POSTS_PER_PAGE
from portal.core.database import is_sqlite
from portal.extensions import db
from portal.models import Post
from portal.models.blog import public_posts_filter
from portal.models.types import utcnow
from portal.web.pagination import paginate

MAX_TERMS = 12
_WORD = re.compile(r"\w+", re.UNICODE)


def fts5_query(text: str) -> str | None:
    """``'runner's "knee'`` → ``'"runner" "s" "knee"*'``: every word quoted (so FTS5 syntax
    is inert), all required, the last one as a prefix (results while typing a word)."""
    words = _WORD.findall(text)[:MAX_TERMS]
    if not words:
        return None
    quoted = [f'"{word}"' for word in words]
    quoted[-1] += "*"
    return " ".join(quoted)


def search_posts(text: str) -> Pagination:
    """Public articles matching ``text``, best first, one page (``?page=``)."""
    now = utcnow()
    if is_sqlite(db.engine):
        match = fts5_query(text)
        if match is None:
            query = sa.select(Post).where(sa.false())
        else:
            search = sa.table("post_search", sa.column("rowid"))
            query = (
                sa.select(Post)
                .join(search, search.c.rowid == Post.id)
                .where(sa.text("post_search MATCH :match").bindparams(match=match))
                .order_by(sa.text("bm25(post_search)"), Post.publish_at.desc())
            )
    else:
        document = sa.func.to_tsvector(
            sa.literal_column("'english'::regconfig"),
            Post.title + " " + Post.summary + " " + Post.body_source,
        )
        terms = sa.func.plainto_tsquery(sa.literal_column("'english'::regconfig"), text)
        query = (
            sa.select(Post)
            .where(document.op("@@")(terms))
            .order_by(sa.func.ts_rank(document, terms).desc(), Post.publish_at.desc())
        )
    query = query.where(public_posts_filter(now)).options(*POST_ROW)
    return paginate(query, per_page=POSTS_PER_PAGE)
