"""Back office: the comment queue (``/staff/comments``) and the moderation word list.

Held comments come first. Each can be approved, marked as spam or trashed on its own, or
many at once: tick them and press one of the buttons above the list (one POST). Approving a
reply sends its reply notification; every action bumps the article's version so the public
page shows the change on the next request. Actions are audited.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from portal.blog import comments as blog_comments
from portal.core import audit
from portal.core.audit import AuditAction, AuditTarget
from portal.extensions import db
from portal.models import BlockedWord, Comment
from portal.staff import bp
from portal.staff.forms import BlockedWordsForm
from portal.web.pagination import MAX_ID, paginate

COMMENTS_PER_PAGE = 50
QUEUE_STATUSES = ("pending", "approved", "spam", "trash")
MAX_BULK = 500


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
    return render_template(
        "staff/comments/queue.html",
        page=paginate(query, per_page=COMMENTS_PER_PAGE),
        status=status,
        statuses=QUEUE_STATUSES,
        counts=counts,
    )


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
    changed = blog_comments.moderate(ids, action)
    for comment in changed:
        audit.record(
            AUDIT_FOR_ACTION[action], target_type=AuditTarget.COMMENT, target_id=comment.id
        )
    db.session.commit()
    verb = {"approve": "approved", "spam": "marked as spam", "trash": "moved to the trash"}[action]
    count = len(changed)
    flash(f"{count} comment{'s' if count != 1 else ''} {verb}.", "success")
    return redirect(back)


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
