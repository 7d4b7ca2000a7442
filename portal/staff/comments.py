"""Back office: the comment queue (``/staff/comments``) and the moderation word list.

Held comments come first, each with the comment it answers. Each can be approved, marked as
spam or trashed on its own, or many at once: tick them (or "Select all on this page", a
link that needs no script) and press one of the buttons above the list (one POST).
Approving a reply sends its reply notification; every action bumps the article's version
so the public page shows the change on the next request.

Actions are audited, and each audit entry says what the comment was before ("was
pending"): that is what "Undo" reads, for the person who acted, for ``UNDO_MINUTES``. Staff
can also answer a comment from the queue: the reply is posted as them (staff comments are
never held), and a held comment they answer is approved with it.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.blog import comments as blog_comments
from portal.core import audit
from portal.core.audit import AuditAction, AuditTarget
from portal.extensions import db
from portal.models import AuditEntry, BlockedWord, Comment, CommentStatus, Post
from portal.models.types import utcnow
from portal.staff import bp
from portal.staff.forms.comments import BlockedWordsForm, QueueReplyForm
from portal.web.pagination import MAX_ID, paginate

COMMENTS_PER_PAGE = 50
QUEUE_STATUSES = ("pending", "approved", "spam", "trash")
MAX_BULK = 500
UNDO_MINUTES = 30
UNDO_KEY = "staff.comment_undo"  # (first, last audit entry id, what was done, how many)


def _status_arg() -> str:
    status = request.args.get("status", "pending")
    return status if status in QUEUE_STATUSES else "pending"


@bp.route("/comments")
def comments() -> str:
    status = _status_arg()
    query = (
        sa.select(Comment)
        .where(Comment.status == status)
        .order_by(Comment.created_at.desc() if status != "pending" else Comment.created_at)
        .options(so.joinedload(Comment.post), so.joinedload(Comment.author))
    )
    counts = dict(
        db.session.execute(
            sa.select(Comment.status, sa.func.count()).group_by(Comment.status)
        ).all()
    )
    page = paginate(query, per_page=COMMENTS_PER_PAGE)
    return render_template(
        "staff/comments/queue.html",
        page=page,
        parents=_parents_of(page.items),
        select_all=request.args.get("select") == "all",
        undo=session.pop(UNDO_KEY, None),
        status=status,
        statuses=QUEUE_STATUSES,
        counts=counts,
    )


def _parents_of(items: list[Comment]) -> dict[int, Comment]:
    """The comments these answer, with their authors (one query for the page)."""
    ids = {c.parent_id for c in items if c.parent_id is not None}
    if not ids:
        return {}
    found = db.session.scalars(
        sa.select(Comment).where(Comment.id.in_(ids)).options(so.joinedload(Comment.author))
    )
    return {parent.id: parent for parent in found}


def _parse_action(value: str) -> tuple[str, int | None]:
    """``"approve"`` (the ticked comments) or ``"approve:12"`` (one comment's own button)."""
    action, _, single = value.partition(":")
    if action not in blog_comments.MODERATION_ACTIONS:
        abort(400)
    if not single:
        return action, None
    if not (
        single.isascii() and single.isdigit() and len(single) <= 10 and 0 < int(single) <= MAX_ID
    ):
        abort(400)
    return action, int(single)


def _ticked_ids() -> list[int]:
    values = request.form.getlist("ids")[: MAX_BULK + 1]
    if len(values) > MAX_BULK:
        abort(400)
    ids = []
    for value in values:
        if not (
            value.isascii() and value.isdigit() and len(value) <= 10 and 0 < int(value) <= MAX_ID
        ):
            abort(400)
        ids.append(int(value))
    return ids


AUDIT_FOR_ACTION = {
    "approve": AuditAction.COMMENT_APPROVE,
    "spam": AuditAction.COMMENT_SPAM,
    "trash": AuditAction.COMMENT_TRASH,
}


@bp.post("/comments/moderate")
def moderate_comments() -> Response:
    action, single = _parse_action(request.form.get("action", ""))
    ids = [single] if single is not None else _ticked_ids()
    back = url_for(".comments", status=_status_from_form())
    if not ids:
        flash("Tick at least one comment first.", "warning")
        return redirect(back)
    before = dict(
        db.session.execute(sa.select(Comment.id, Comment.status).where(Comment.id.in_(ids))).all()
    )
    changed = blog_comments.moderate(ids, action)
    entries = [
        audit.record(
            AUDIT_FOR_ACTION[action],
            target_type=AuditTarget.COMMENT,
            target_id=comment.id,
            detail=f"was {before.get(comment.id)}",
        )
        for comment in changed
    ]
    db.session.commit()
    verb = {"approve": "approved", "spam": "marked as spam", "trash": "moved to the trash"}[action]
    count = len(changed)
    if entries:
        session[UNDO_KEY] = [entries[0].id, entries[-1].id, verb, count]
    else:
        flash(f"0 comments {verb}.", "info")
    return redirect(back)


@bp.post("/comments/undo")
def undo_moderation() -> Response:
    """Put back the comments of one action of this staff member's, as they were (only
    those nobody has changed since), within ``UNDO_MINUTES``."""
    first, last = _audit_id("first"), _audit_id("last")
    back = url_for(".comments", status=_status_from_form())
    if last < first or last - first > 2 * MAX_BULK:
        abort(400)
    entries = db.session.scalars(
        sa.select(AuditEntry).where(
            AuditEntry.id.between(first, last),
            AuditEntry.actor_user_id == current_user.id,
            AuditEntry.action.in_([action.value for action in AUDIT_FOR_ACTION.values()]),
            AuditEntry.created_at > utcnow() - timedelta(minutes=UNDO_MINUTES),
        )
    ).all()
    given = {value.value: key for key, value in AUDIT_FOR_ACTION.items()}
    previous = {
        entry.target_id: (
            blog_comments.MODERATION_ACTIONS[given[entry.action]].value,
            (entry.detail or "").removeprefix("was "),
        )
        for entry in entries
        if entry.target_id is not None
    }
    restored = blog_comments.restore(previous)
    for comment in restored:
        audit.record(
            AuditAction.COMMENT_UNDO,
            target_type=AuditTarget.COMMENT,
            target_id=comment.id,
            detail=f"back to {comment.status}",
        )
    db.session.commit()
    count = len(restored)
    if count:
        flash(f"Undone: {count} comment{'s are' if count != 1 else ' is'} as before.", "success")
    else:
        flash("Nothing to undo: those comments have changed since, or it is too late.", "info")
    return redirect(back)


def _audit_id(name: str) -> int:
    value = request.form.get(name, "")
    if not (value.isascii() and value.isdigit() and len(value) <= 10 and 0 < int(value) <= MAX_ID):
        abort(400)
    return int(value)


@bp.route("/comments/<int:comment_id>/reply", methods=["GET", "POST"])
def reply_to_comment(comment_id: int) -> str | Response | tuple[str, int]:
    """Answer a comment from the queue, as oneself. A held comment is approved first (a
    reply needs a published comment to hang under)."""
    comment = _answerable(comment_id)
    form = QueueReplyForm()
    if form.validate_on_submit():
        if comment.status == CommentStatus.PENDING:
            blog_comments.moderate([comment.id], "approve")
            audit.record(
                AuditAction.COMMENT_APPROVE,
                target_type=AuditTarget.COMMENT,
                target_id=comment.id,
                detail="was pending",
            )
        post = db.session.get(Post, comment.post_id)
        assert post is not None
        new = blog_comments.NewComment(
            body=form.body.data,
            parent_id=comment.id,
            notify=False,
            ip_address=request.remote_addr,
        )
        try:
            reply = blog_comments.post_comment(post, new, author=current_user)
        except blog_comments.CommentRefused as refused:
            db.session.rollback()
            comment = _answerable(comment_id)
            form.body.errors = [refused.message]
        else:
            audit.record(
                AuditAction.COMMENT_REPLY, target_type=AuditTarget.COMMENT, target_id=reply.id
            )
            db.session.commit()
            flash(f"Your reply to {_who(comment)} is published.", "success")
            return redirect(url_for(".comments"))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "staff/comments/reply.html", form=form, comment=comment, who=_who(comment)
    ), status


def _answerable(comment_id: int) -> Comment:
    """A held or published comment with its article and author; anything else is a 404."""
    comment = db.session.scalar(
        sa.select(Comment)
        .where(
            Comment.id == comment_id,
            Comment.status.in_([CommentStatus.PENDING.value, CommentStatus.APPROVED.value]),
        )
        .options(so.joinedload(Comment.post), so.joinedload(Comment.author))
    )
    if comment is None:
        abort(404)
    return comment


def _who(comment: Comment) -> str:
    return comment.author.name if comment.author else (comment.guest_name or "a reader")


def _status_from_form() -> str:
    status = request.form.get("status", "pending")
    return status if status in QUEUE_STATUSES else "pending"


@bp.route("/comments/words", methods=["GET", "POST"])
def blocked_words() -> str | Response | tuple[str, int]:
    current = blog_comments.blocked_words()
    form = BlockedWordsForm(data={"words": "\n".join(current)})
    if form.validate_on_submit():
        wanted = form.word_list()
        db.session.execute(sa.delete(BlockedWord).where(BlockedWord.word.not_in(wanted)))
        for word in sorted(set(wanted) - set(current)):
            db.session.add(BlockedWord(word=word))
        audit.record(AuditAction.COMMENT_WORDS, detail=f"{len(wanted)} words")
        db.session.commit()
        flash(f"The list has {len(wanted)} word{'s' if len(wanted) != 1 else ''}.", "success")
        return redirect(url_for(".blocked_words"))
    status = 422 if request.method == "POST" else 200
    return render_template("staff/comments/words.html", form=form), status
