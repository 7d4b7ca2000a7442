"""The article page: what it shows, and which parts come from the cache.

A request reads the article's head row (id, version, visibility) first. Then:

- an anonymous reader with nothing personal on the page (no held comment of theirs, no
  flash message, no comment notice) gets the shared page of its address (``?page=`` of the
  comment threads, ``?reply_to=`` with the reply form in place): the same bytes for every
  such reader of this version of the article, with an ``ETag`` (a conditional request
  gets 304) and a ``Cache-Control`` that lets a shared cache keep it for ``SHARED_PAGE_SECONDS``
  (docs/blog.md, "Shared pages"). It carries no cookie, no CSRF token and nothing else of
  the reader's (one SQL statement in all);
- a signed-in reader with nothing personal on the page gets the cached page of their
  role, with this request's CSRF token and their name put in;
- anyone else gets the page rendered around the cached page of the comment thread, unless
  the thread itself is personal for them (their held comments, their comments still
  editable, a notice, a reply form), in which case it is rendered for them alone.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import abort, current_app, make_response, render_template, request, session, url_for
from flask_login import current_user
from markupsafe import Markup, escape
from werkzeug.wrappers import Response as BaseResponse

from portal.blog import held, notices
from portal.blog.cache import VersionedCache, page_cache
from portal.blog.comments import EDIT_WINDOW
from portal.blog.forms import CommentForm, GuestCommentForm
from portal.blog.posts import SLUG_MAX
from portal.blog.threads import build_thread, load_comments, page_query, threads_per_page
from portal.extensions import db
from portal.models import Comment, CommentStatus, Post, PostStatus
from portal.models.types import utcnow
from portal.web.cross_origin import CSRF_PLACEHOLDER, form_token
from portal.web.pagination import MAX_ID, id_arg, page_number
from portal.web.templating import slot
from portal.web.visitor import signed_in

# Markers in cached pages for what differs per request, beside the CSRF token's
# (``CSRF_PLACEHOLDER``). NUL can be in no stored text (forms refuse it, imports strip it,
# Markdown replaces it), so no comment can forge a marker.
NAME_PLACEHOLDER = "\x00name\x00"
# The newsletter's subscribe box (another feature's template) may be personal for a
# signed-in reader, e.g. say whether they are subscribed: on their pages it is rendered per
# request, never cached. An anonymous reader is nobody in particular: the box is kept in
# their cached page like the rest (its CSRF token marked), as the newsletter reads nothing
# for it from the database that could change (``portal.newsletter.templating``).
SUBSCRIBE_PLACEHOLDER = "\x00subscribe\x00"
PLACEHOLDERS = re.compile(f"({CSRF_PLACEHOLDER}|{NAME_PLACEHOLDER}|{SUBSCRIBE_PLACEHOLDER})")


# --- lookups -------------------------------------------------------------------------------


# Built once: this runs on every article request, cache hits included, so it is a plain Core
# statement (no ORM entity, no per-request construction); visibility is checked in Python.
_posts = Post.__table__
_HEAD = sa.select(_posts.c.id, _posts.c.version, _posts.c.status, _posts.c.publish_at).where(
    _posts.c.slug == sa.bindparam("slug")
)
_PUBLIC_STATUSES = (PostStatus.PUBLISHED.value, PostStatus.SCHEDULED.value)


def article_head(slug: str) -> sa.Row:
    """``(id, version, …)`` of the public article at ``slug``, else 404 (drafts, future
    articles, unknown slugs)."""
    if len(slug) > SLUG_MAX:
        abort(404)
    return _public(_read(_HEAD, slug=slug)[0])


def _read(statement: sa.Select[Any], **params: Any) -> list[Any]:
    """The rows of ``statement`` read on a pooled connection of the Core, at least one
    (None when it found nothing). Not through the ORM session: a cached page needs no
    session, and making one to read a row was a third of such a request's time. In
    autocommit, as one SELECT needs no transaction: no BEGIN and no ROLLBACK round trips
    to PostgreSQL around it."""
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        return list(connection.execute(statement, params)) or [None]


def _public(head: sa.Row | None) -> sa.Row:
    if head is None or head.status not in _PUBLIC_STATUSES or head.publish_at > utcnow():
        abort(404)
    return head


def load_article(post_id: int) -> Post:
    return db.session.scalars(
        sa.select(Post)
        .where(Post.id == post_id)
        .options(so.joinedload(Post.author), so.selectinload(Post.tags))
    ).one()


_comments = Comment.__table__
_recent = _comments.c.created_at > sa.bindparam("since", type_=_comments.c.created_at.type)
_held = _comments.c.status == CommentStatus.PENDING.value
# A signed-in reader's own comments that make the page theirs: held ones (shown to them on
# every device they sign in on, however old) and recent ones (they may still edit them).
_OWN_COMMENTS = (
    _comments.c.author_id == sa.bindparam("author_id"),
    sa.or_(_held, sa.and_(_comments.c.status == CommentStatus.APPROVED.value, _recent)),
)
# A signed-in reader's head row and those comments, in one statement (one round trip, not
# two): the head row once per such comment, or once with no comment.
_HEAD_AND_OWN = (
    sa.select(
        _posts.c.id,
        _posts.c.version,
        _posts.c.status,
        _posts.c.publish_at,
        _comments.c.id.label("own_id"),
        _held.label("held"),
        _recent.label("editable"),
    )
    .select_from(
        _posts.outerjoin(_comments, sa.and_(_comments.c.post_id == _posts.c.id, *_OWN_COMMENTS))
    )
    .where(_posts.c.slug == sa.bindparam("slug"))
    .order_by(_comments.c.id)
)


def head_and_own_comments(slug: str) -> tuple[sa.Row, list[int], list[int]]:
    """``article_head`` for a signed-in reader, with the ids of their comments on the
    article they may still edit and of their held ones."""
    if len(slug) > SLUG_MAX:
        abort(404)
    # On the request's ORM session, which loading the signed-in person already began: the
    # same connection, no second checkout.
    rows = db.session.execute(
        _HEAD_AND_OWN,
        {"slug": slug, "author_id": current_user.id, "since": utcnow() - EDIT_WINDOW},
    ).all()
    head = _public(rows[0] if rows else None)
    own = [row for row in rows if row.own_id is not None]
    return (
        head,
        [row.own_id for row in own if row.editable],
        [row.own_id for row in own if row.held],
    )


def comment_form(form: CommentForm | None = None) -> CommentForm:
    if form is not None:
        return form
    form_class = CommentForm if signed_in() else GuestCommentForm
    form = form_class(formdata=None)
    reply_to = id_arg("reply_to")
    if reply_to:
        form.parent_id.data = reply_to
    return form


# --- the page ------------------------------------------------------------------------------


def render_thread(
    post_id: int,
    slug: str,
    *,
    number: int,
    held_ids: list[int],
    editable_ids: list[int],
    **personal: object,
) -> Markup:
    """One page of the thread (404 past the last page). ``personal``: what only this
    reader sees in it (``reply_parent`` with its ``form``, a ``notice``)."""
    thread = build_thread(load_comments(post_id, held_ids=held_ids), editable_ids=editable_ids)
    reply_parent = personal.get("reply_parent")
    if isinstance(reply_parent, Comment):
        number = thread.page_of(reply_parent.id, threads_per_page()) or number
    page = thread.page(number, threads_per_page())
    if page is None:
        abort(404)
    html = render_template(
        "blog/_thread.html",
        page=page,
        base=url_for("blog.article", slug=slug),
        slug=slug,
        reply_to=reply_parent.id if isinstance(reply_parent, Comment) else None,
        **personal,
    )
    return Markup(html)  # noqa: S704 (our template's output)


@dataclass(frozen=True)
class ArticleParts:
    """What every reader of one version of an article sees above the comments."""

    id: int
    slug: str
    title: str
    head: Markup  # canonical link, Open Graph tags
    article: Markup  # the <article> element


def article_parts(head: sa.Row, cache: VersionedCache | None) -> ArticleParts:
    parts = cache.get(("article", head.id), head.version) if cache is not None else None
    if parts is None:
        post = load_article(head.id)
        parts = ArticleParts(
            id=post.id,
            slug=post.slug,
            title=post.title,
            head=Markup(render_template("blog/_article_head.html", post=post)),  # noqa: S704
            article=Markup(render_template("blog/_article.html", post=post)),  # noqa: S704
        )
        if cache is not None:
            cache.put(("article", head.id), head.version, parts)
    return parts


def thread_html(
    head: sa.Row,
    slug: str,
    cache: VersionedCache | None,
    *,
    number: int,
    held_ids: list[int],
    editable_ids: list[int],
    **personal: object,
) -> Markup:
    """A page of the comment thread: shared from the cache unless it is personal for this
    reader (their held comments, their comments still editable, a notice, a reply form)."""
    shared = not (held_ids or editable_ids or any(personal.values()))
    key = ("thread", head.id, number)
    html = cache.get(key, head.version) if cache is not None and shared else None
    if html is None:
        html = render_thread(
            head.id,
            slug,
            number=number,
            held_ids=held_ids,
            editable_ids=editable_ids,
            **personal,
        )
        if cache is not None and shared:
            cache.put(key, head.version, html)
    return html


# The query string of a page that may be shared: which page of comments, which reply form.
CACHEABLE_ARGS = frozenset({"page", "reply_to"})


def article_page(slug: str, form: CommentForm | None = None, status: int = 200) -> BaseResponse:
    anonymous = not signed_in()
    editable_ids: list[int]
    own_held: list[int] = []
    if anonymous:
        head, editable_ids = article_head(slug), []
    else:
        head, editable_ids, own_held = head_and_own_comments(slug)
    cache = page_cache()
    held_ids = sorted({*held.held_ids_for(head.id), *own_held})
    number = page_number()
    notice = notices.take() if notices.waiting() else None
    # Whole pages are shared by readers who see the same thing: per kind of visitor (the
    # navigation differs by role) and per address, when nothing on the page is theirs alone.
    page_kind = "page:anonymous" if anonymous else f"page:{current_user.role}"
    page_key = (page_kind, head.id, number, id_arg("reply_to"))
    whole_page = (
        form is None
        and notice is None
        and not held_ids
        and not editable_ids
        and CACHEABLE_ARGS.issuperset(request.args)
        and "_flashes" not in session
    )
    if whole_page and cache is not None:
        pieces = cache.get(page_key, head.version)
        if pieces is not None:
            return _whole_page_response(pieces)

    parts = article_parts(head, cache)
    form = comment_form(form)
    reply_parent = _reply_parent(head.id, form)
    commenter_name = NAME_PLACEHOLDER if whole_page and not anonymous else _name()
    page = render_template(
        "blog/article.html",
        parts=parts,
        thread_html=thread_html(
            head,
            parts.slug,
            cache,
            number=number,
            held_ids=held_ids,
            editable_ids=editable_ids,
            notice=notice,
            reply_parent=reply_parent,
            form=form if reply_parent else None,
            commenter_name=commenter_name if reply_parent else None,
        ),
        form=form,
        reply_parent=reply_parent,
        new_comment_url=url_for("blog.article", slug=parts.slug, **page_query(number))
        + "#comment-form",
        commenter_name=commenter_name,
        subscribe_marker=SUBSCRIBE_PLACEHOLDER if whole_page and not anonymous else None,
    )
    if whole_page:
        pieces = SharedPage.of(page) if anonymous else _make_placeholders(page)
        if cache is not None:
            cache.put(page_key, head.version, pieces)
        return _whole_page_response(pieces)
    response = make_response(page, status)
    if anonymous:  # their held comment, a message for them, their form: theirs alone
        response.headers["Cache-Control"] = "no-store"
    return response


@dataclass(frozen=True)
class SharedPage:
    """The page every anonymous reader of one version of an article gets, and its
    ``ETag`` (a digest of exactly these bytes, so it changes whenever they do)."""

    body: bytes
    etag: str

    @classmethod
    def of(cls, page: str) -> SharedPage:
        body = page.encode()
        return cls(body, hashlib.blake2b(body, digest_size=16).hexdigest())


def _whole_page_response(pieces: SharedPage | tuple[bytes | str, ...]) -> BaseResponse:
    if not isinstance(pieces, SharedPage):
        return make_response(_fill_placeholders(pieces))
    response = current_app.response_class(pieces.body, mimetype="text/html")
    response.set_etag(pieces.etag)
    # Anyone may keep it, a browser must ask again each time (a 304 when unchanged), and a
    # shared cache (nginx's microcache, deploy/nginx/) may answer from it for a moment.
    seconds = int(current_app.config["SHARED_PAGE_SECONDS"])
    response.headers["Cache-Control"] = f"public, max-age=0, s-maxage={seconds}"
    return response.make_conditional(request)


def _subscribe_box() -> bytes:
    """What features put in the "subscribe_box" slot (the newsletter's box), rendered for
    this request; nothing in an app without such a feature."""
    return "".join(render_template(part).strip() for part in slot("subscribe_box")).encode()


def _name() -> str:
    return current_user.name if signed_in() else ""


def _reply_parent(post_id: int, form: CommentForm) -> Comment | None:
    parent_id = form.parent_id.data
    if form.parent_id.errors or not isinstance(parent_id, int) or not 0 < parent_id <= MAX_ID:
        return None
    return db.session.scalar(
        sa.select(Comment)
        .where(
            Comment.id == parent_id,
            Comment.post_id == post_id,
            Comment.status == CommentStatus.APPROVED.value,
        )
        .options(so.joinedload(Comment.author))
    )


def _make_placeholders(page: str) -> tuple[bytes | str, ...]:
    """A signed-in reader's page cut at this request's CSRF token: ``(text, CSRF, text,
    NAME, text…)`` with the personal values replaced by markers, joined again per request
    (one copy of the page instead of a search through it)."""
    token = form_token()
    marked = page.replace(token, CSRF_PLACEHOLDER) if token else page
    # Text kept encoded (the response needs bytes), markers kept as str at odd positions.
    return tuple(
        part if index % 2 else part.encode()
        for index, part in enumerate(PLACEHOLDERS.split(marked))
    )


def _fill_placeholders(parts: tuple[bytes | str, ...]) -> bytes:
    """The cached page with this request's values where its markers are (each value made
    once, and only for the markers the page has)."""
    values: dict[str, bytes] = {}
    out = []
    for part in parts:
        if isinstance(part, str):
            value = values.get(part)
            if value is None:
                value = values[part] = _PLACEHOLDER_VALUES[part]()
            out.append(value)
        else:
            out.append(part)
    return b"".join(out)


_PLACEHOLDER_VALUES: dict[str, Callable[[], bytes]] = {
    CSRF_PLACEHOLDER: lambda: form_token().encode(),
    NAME_PLACEHOLDER: lambda: str(escape(_name())).encode(),
    SUBSCRIBE_PLACEHOLDER: lambda: _subscribe_box(),
}
