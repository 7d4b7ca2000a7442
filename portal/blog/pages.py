"""The article page: what it shows, and which parts come from the cache.

A request reads the article's head row (id, version, visibility) first. Then:

- an anonymous reader with nothing personal on the page (no held comment of theirs, no
  flash message, no reply form) gets the cached page, with this request's CSRF token and
  comment-form timestamp put in (one SQL statement in all);
- anyone else gets the page rendered around the cached comment thread, unless the thread
  itself is personal for them (their held comments, their comments still editable), in
  which case it is rendered for them alone.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import abort, current_app, render_template, request, session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner
from markupsafe import Markup

from portal.blog import held
from portal.blog.cache import page_cache
from portal.blog.comments import EDIT_WINDOW
from portal.blog.forms import CommentForm, GuestCommentForm
from portal.blog.posts import SLUG_MAX
from portal.blog.threads import build_thread, load_comments
from portal.extensions import db
from portal.models import Comment, CommentStatus, Post
from portal.models.blog import public_posts_filter
from portal.models.types import utcnow
from portal.pagination import MAX_ID, id_arg

CSRF_PLACEHOLDER = "__blog_csrf_token__"
STARTED_PLACEHOLDER = "__blog_form_started__"


# --- the comment form's signed timestamp --------------------------------------------------


def _timestamp_signer() -> TimestampSigner:
    return TimestampSigner(current_app.config["SECRET_KEY"], salt="blog.comment-form")


def form_started_token() -> str:
    return _timestamp_signer().sign(b"comment-form").decode()


class TooQuick(ValueError):
    pass


def check_form_time(token: str | None) -> None:
    """Refuse a form sent sooner than ``COMMENT_MIN_SECONDS`` after it was served (robots),
    or older than ``COMMENT_FORM_MAX_AGE`` or unsigned (replayed or forged)."""
    config = current_app.config
    if not token or len(token) > 100:
        raise TooQuick("The form was incomplete. Please send your comment again.")
    try:
        _, signed_at = _timestamp_signer().unsign(
            token, max_age=config["COMMENT_FORM_MAX_AGE"], return_timestamp=True
        )
    except SignatureExpired:
        raise TooQuick("The form was open for too long. Please send your comment again.") from None
    except BadSignature:
        raise TooQuick("The form was incomplete. Please send your comment again.") from None
    if utcnow() - signed_at < timedelta(seconds=config["COMMENT_MIN_SECONDS"]):
        raise TooQuick("That was very quick. Please read your comment over once and send it again.")


# --- lookups -------------------------------------------------------------------------------


def article_head(slug: str) -> sa.Row:
    """``(id, version)`` of the public article at ``slug``, else 404 (drafts, future posts)."""
    if len(slug) > SLUG_MAX:
        abort(404)
    head = db.session.execute(
        sa.select(Post.id, Post.version).where(Post.slug == slug, public_posts_filter(utcnow()))
    ).first()
    if head is None:
        abort(404)
    return head


def load_article(post_id: int) -> Post:
    return db.session.scalars(
        sa.select(Post)
        .where(Post.id == post_id)
        .options(so.joinedload(Post.author), so.selectinload(Post.tags))
    ).one()


def editable_comment_ids(post_id: int) -> list[int]:
    """The signed-in member's comments on this article they may still edit."""
    if not current_user.is_authenticated:
        return []
    return list(
        db.session.scalars(
            sa.select(Comment.id).where(
                Comment.post_id == post_id,
                Comment.author_id == current_user.id,
                Comment.status.in_([CommentStatus.APPROVED.value, CommentStatus.PENDING.value]),
                Comment.created_at > utcnow() - EDIT_WINDOW,
            )
        )
    )


def comment_form(form: CommentForm | None = None) -> CommentForm:
    if form is not None:
        form.started.data = form_started_token()
        return form
    form_class = CommentForm if current_user.is_authenticated else GuestCommentForm
    form = form_class(formdata=None)
    form.started.data = form_started_token()
    reply_to = id_arg("reply_to")
    if reply_to:
        form.parent_id.data = reply_to
    return form


# --- the page ------------------------------------------------------------------------------


def render_thread(
    post_id: int, *, held_ids: list[int], editable_ids: list[int]
) -> tuple[Markup, int]:
    thread = build_thread(load_comments(post_id, held_ids=held_ids), editable_ids=editable_ids)
    html = render_template("blog/_thread.html", thread=thread, post_id=post_id)
    return Markup(html), thread.approved_count  # noqa: S704 (our template's output)


def article_page(slug: str, form: CommentForm | None = None, status: int = 200) -> tuple[str, int]:
    head = article_head(slug)
    cache = page_cache()
    held_ids = held.held_ids_for(head.id)
    anonymous = not current_user.is_authenticated
    plain_request = (
        anonymous
        and form is None
        and not held_ids
        and not request.args
        and "_flashes" not in session
    )
    if cache is not None and plain_request:
        page = cache.get("page", head.id, head.version)
        if page is not None:
            return _fill_placeholders(page), 200

    editable_ids = editable_comment_ids(head.id) if not anonymous else []
    personal_thread = bool(held_ids or editable_ids)
    thread_html = None
    if cache is not None and not personal_thread:
        thread_html = cache.get("thread", head.id, head.version)
    if thread_html is None:
        markup, _ = render_thread(head.id, held_ids=held_ids, editable_ids=editable_ids)
        thread_html = str(markup)
        if cache is not None and not personal_thread:
            cache.put("thread", head.id, head.version, thread_html)

    post = load_article(head.id)
    form = comment_form(form)
    reply_parent = _reply_parent(post.id, form)
    page = render_template(
        "blog/article.html",
        post=post,
        thread_html=Markup(thread_html),  # noqa: S704 (rendered by _thread.html)
        form=form,
        reply_parent=reply_parent,
    )
    if cache is not None and plain_request:
        cache.put("page", head.id, head.version, _make_placeholders(page, form))
    return page, status


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


def _make_placeholders(page: str, form: CommentForm) -> str:
    return page.replace(generate_csrf(), CSRF_PLACEHOLDER).replace(
        form.started.data, STARTED_PLACEHOLDER
    )


def _fill_placeholders(page: str) -> str:
    return page.replace(CSRF_PLACEHOLDER, generate_csrf()).replace(
        STARTED_PLACEHOLDER, form_started_token()
    )
