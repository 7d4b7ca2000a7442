"""The back office's view of the mail pipeline: the mail log and the development mailbox.

The mailbox holds every message in full, one-time links included, so it is for admins only,
and outside development (``MAILBOX_SHOW_TOKEN_LINKS``) it shows those links redacted: the
text part, the HTML part and the source alike. Whoever reads the mailbox can see that a reset
link was sent, not use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage

import sqlalchemy as sa
from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.wrappers import Response as BaseResponse

from portal.auth.permissions import admin_required
from portal.core import audit
from portal.core.audit import AuditAction
from portal.core.text import is_single_line, normalise_email
from portal.extensions import db
from portal.mail import CannotRetry, retry_failed_message
from portal.models.mailbox import MailboxMessage
from portal.models.outbox import OutboxMessage, OutboxStatus
from portal.models.suppression import BouncedAddress
from portal.staff import bp
from portal.web.pagination import paginate
from portal.web.token_links import redact

PER_PAGE = 50

# The HTML part of a caught email is someone else's markup: it is served on its own, inside
# a sandboxed frame, with no scripts, no network (inline styles and data: images only).
EMAIL_HTML_POLICY = "; ".join(
    [
        "default-src 'none'",
        "style-src 'unsafe-inline'",
        "img-src data:",
        "sandbox",
        "frame-ancestors 'self'",
    ]
)


@bp.route("/mail/log")
def mail_log() -> str:
    """Recent outbox rows, newest first, optionally one status only."""
    status = request.args.get("status") or None
    if status is not None and status not in set(OutboxStatus):
        abort(404)
    query = sa.select(OutboxMessage).order_by(OutboxMessage.id.desc())
    if status:
        query = query.where(OutboxMessage.status == status)
    page = paginate(query, per_page=PER_PAGE)
    counts = dict(
        db.session.execute(
            sa.select(OutboxMessage.status, sa.func.count()).group_by(OutboxMessage.status)
        ).all()
    )
    return render_template(
        "staff/mail/log.html",
        page=page,
        status=status,
        counts={state.value: counts.get(state.value, 0) for state in OutboxStatus},
    )


@bp.post("/mail/log/<int:message_id>/retry")
def mail_retry(message_id: int) -> BaseResponse:
    """Send a failed message again, from a fresh count of attempts."""
    message = db.get_or_404(OutboxMessage, message_id)
    try:
        retry_failed_message(message)
    except CannotRetry as refusal:
        flash(str(refusal), "error")
        return redirect(url_for("staff.mail_log"))
    db.session.commit()
    flash(f"The message to {message.to_address} will be sent again.", "success")
    return redirect(url_for("staff.mail_log", status=request.args.get("status")))


@bp.route("/mail/mailbox")
@admin_required
def mailbox() -> str:
    """Messages caught while no SMTP server is configured, newest first."""
    query = sa.select(MailboxMessage).order_by(MailboxMessage.id.desc())
    page = paginate(query, per_page=PER_PAGE)
    return render_template("staff/mail/mailbox.html", page=page)


@dataclass(frozen=True)
class CaughtEmail:
    headers: list[tuple[str, str]]
    text: str | None
    html: str | None
    source: str


def _show_token_links() -> bool:
    return bool(current_app.config.get("MAILBOX_SHOW_TOKEN_LINKS"))


def _redacted_source(parsed: EmailMessage) -> str:
    """The message's source with every token link redacted.

    The raw bytes cannot simply go through ``redact``: quoted-printable bodies split long
    lines (a link can be cut in two by a soft line break) and write ``=`` as ``=3D``. So the
    text parts are decoded, redacted and encoded again, and the headers are redacted as text
    (folding happens at spaces, which no link contains).
    """
    for part in parsed.walk():
        if part.is_multipart() or part.get_content_maintype() != "text":
            continue
        content = part.get_content()
        cleaned = redact(content)
        if cleaned != content:
            part.set_content(cleaned, subtype=part.get_content_subtype(), cte="quoted-printable")
    return redact(parsed.as_bytes().decode("utf-8", "replace"))


def _parse(raw: bytes, *, show_token_links: bool) -> CaughtEmail:
    parsed = message_from_bytes(raw, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    text_part = parsed.get_body(preferencelist=("plain",))
    html_part = parsed.get_body(preferencelist=("html",))
    email = CaughtEmail(
        headers=[(name, str(value)) for name, value in parsed.items()],
        text=text_part.get_content() if text_part is not None else None,
        html=html_part.get_content() if html_part is not None else None,
        source=raw.decode("utf-8", "replace"),
    )
    if show_token_links:
        return email
    return CaughtEmail(
        headers=[(name, redact(value)) for name, value in email.headers],
        text=redact(email.text) if email.text is not None else None,
        html=redact(email.html) if email.html is not None else None,
        source=_redacted_source(parsed),
    )


@bp.route("/mail/mailbox/<int:message_id>")
@admin_required
def mailbox_message(message_id: int) -> str:
    caught = db.get_or_404(MailboxMessage, message_id)
    show = _show_token_links()
    return render_template(
        "staff/mail/message.html",
        caught=caught,
        email=_parse(caught.raw, show_token_links=show),
        links_redacted=not show,
    )


@bp.route("/mail/mailbox/<int:message_id>/html")
@admin_required
def mailbox_message_html(message_id: int) -> Response:
    """The HTML part alone, for the sandboxed frame of ``mailbox_message``."""
    caught = db.get_or_404(MailboxMessage, message_id)
    html = _parse(caught.raw, show_token_links=_show_token_links()).html
    if html is None:
        abort(404)
    response = Response(html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = EMAIL_HTML_POLICY
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/mail/bounces")
def mail_bounces() -> str:
    """Addresses with hard failures; at the threshold, newsletter mail to them is suppressed."""
    query = sa.select(BouncedAddress).where(BouncedAddress.hard_failures > 0)
    page = paginate(query.order_by(BouncedAddress.last_failed_at.desc()), per_page=PER_PAGE)
    return render_template(
        "staff/mail/bounces.html",
        page=page,
        threshold=current_app.config["MAIL_SUPPRESS_AFTER_HARD_FAILURES"],
    )


@bp.post("/mail/bounces/clear")
def mail_clear_bounce() -> BaseResponse:
    """Forget an address's failures (it was fixed, or the mailbox exists again).

    Rows already marked ``suppressed`` stay as they are: they are a record of what happened.
    """
    address = normalise_email(request.form.get("address")) or ""
    # Not from a form field anyone types in, but anyone can post anything: an address that
    # cannot be stored (PostgreSQL refuses NUL) cannot have bounced.
    usable = address and len(address) <= 254 and is_single_line(address)
    bounced = db.session.get(BouncedAddress, address) if usable else None
    if bounced is None:
        abort(404)
    db.session.delete(bounced)
    audit.record(AuditAction.MAIL_CLEAR_BOUNCES, detail=address)
    db.session.commit()
    flash(f"{address} will receive newsletters again.", "success")
    return redirect(url_for("staff.mail_bounces"))
