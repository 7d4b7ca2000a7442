"""Bounces and complaints that come back later, and what they do to an address.

A report is read from the bounce mailbox (``portal.mail.bounce_mailbox``) and sorted here:

- a *delivery status notification* (RFC 3464, and the older formats of Exim, qmail,
  Exchange and the like) is parsed by ``flufl.bounce``, GNU Mailman's bounce detectors:
  a permanent failure is a ``hard`` bounce, a temporary one (a "delayed" notice) ``soft``;
- a *feedback report* (RFC 5965, ARF: ``multipart/report; report-type=feedback-report``)
  is a ``complaint``: the recipient pressed "this is spam".

The outbox row comes from the signed envelope sender the report was sent to or quotes
(``portal.mail.verp``): the address of the row, not an address the report claims, is the
one acted on, so a forged report cannot suppress anybody. A report without a genuine VERP
address is ``unmatched``: logged and put away, nothing changes.

Policy, as listmonk's defaults: a hard bounce or a complaint suppresses the address at
once (its count in ``bounced_addresses`` is raised to ``MAIL_SUPPRESS_AFTER_HARD_FAILURES``),
and a complaint also unsubscribes the address from every newsletter topic. Soft bounces
are counted; ``MAIL_SOFT_BOUNCE_LIMIT`` of them within ``MAIL_SOFT_BOUNCE_DAYS`` suppress.
Newsletter rows already queued for a suppressed address are withheld.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import Message
from email.parser import HeaderParser
from enum import StrEnum

import sqlalchemy as sa
from flask import Flask
from flufl.bounce import all_failures
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from portal.core.database import is_sqlite
from portal.core.signals import complaint_received
from portal.core.text import normalise_email, single_line
from portal.extensions import db
from portal.mail.suppression import withhold_newsletter_mail
from portal.mail.verp import Verp
from portal.models.outbox import OutboxMessage
from portal.models.suppression import BouncedAddress, BounceKind, BounceReport
from portal.models.types import table_of, utcnow

log = logging.getLogger(__name__)

# Where a report names the envelope sender it answers: the headers of the report itself
# (the plus address it was delivered to) and of the original message it quotes.
_ADDRESS_HEADERS = ("to", "delivered-to", "x-original-to", "envelope-to", "return-path")
_REPORT_FIELDS = ("original-mail-from", "return-path")


class Outcome(StrEnum):
    RECORDED = "recorded"
    DUPLICATE = "duplicate"  # read before (its digest is known): nothing changes
    UNMATCHED = "unmatched"  # a bounce, but no genuine VERP address: nothing changes
    NOT_A_BOUNCE = "not a bounce"  # left in the mailbox as it is


@dataclass(frozen=True)
class Report:
    kind: BounceKind
    outbox_id: int | None
    detail: str


def digest_of(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def _parts(message: Message) -> Iterator[Message]:
    """Every part, and the header blocks of ``message/delivery-status`` and of included
    messages (``message/rfc822``, ``text/rfc822-headers``, ``message/feedback-report``)."""
    for part in message.walk():
        yield part
        if part.get_content_type() == "text/rfc822-headers":
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                yield HeaderParser().parsestr(payload.decode("utf-8", "replace"))


def _feedback_fields(message: Message) -> Message | None:
    """The ``message/feedback-report`` block of an ARF report, as headers, else None."""
    if message.get_content_type() != "multipart/report":
        return None
    if str(message.get_param("report-type", "")).lower() != "feedback-report":
        return None
    for part in message.walk():
        if part.get_content_type() != "message/feedback-report":
            continue
        payload = part.get_payload()
        if isinstance(payload, list) and payload and isinstance(payload[0], Message):
            return payload[0]
        if isinstance(payload, str):
            return HeaderParser().parsestr(payload)
    return None


def _diagnosis(message: Message) -> str:
    """The reporting server's words: the DSN's Status and Diagnostic-Code, else the subject."""
    for part in message.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        for block in part.get_payload():
            if isinstance(block, Message) and (block.get("Status") or block.get("Diagnostic-Code")):
                return f"{block.get('Status', '')} {block.get('Diagnostic-Code', '')}".strip()
    return str(message.get("Subject", ""))


def _verp_texts(message: Message) -> Iterator[str]:
    for name in _ADDRESS_HEADERS:
        yield from (str(value) for value in message.get_all(name, []))
    for part in _parts(message):
        for name in _REPORT_FIELDS:
            yield from (str(value) for value in part.get_all(name, []))


def read_report(message: Message, verp: Verp) -> Report | None:
    """What ``message`` reports, or None when it is neither a bounce nor a complaint."""
    feedback = _feedback_fields(message)
    if feedback is not None:
        kind, detail = BounceKind.COMPLAINT, f"complaint: {feedback.get('Feedback-Type', 'abuse')}"
    else:
        temporary, permanent = all_failures(message)
        if not temporary and not permanent:
            return None
        kind = BounceKind.HARD if permanent else BounceKind.SOFT
        failed = sorted(address.decode("utf-8", "replace") for address in permanent or temporary)
        detail = f"{kind} bounce for {', '.join(failed)}: {_diagnosis(message)}"
    return Report(kind=kind, outbox_id=verp.outbox_id(_verp_texts(message)), detail=detail)


def _raise_to_suppressed(address: str, *, threshold: int, detail: str, now: datetime) -> None:
    """The address's hard-failure count becomes at least ``threshold`` (an upsert)."""
    bounced = table_of(BouncedAddress)
    insert = sqlite.insert if is_sqlite(db.session.connection()) else postgresql.insert
    statement = insert(bounced).values(
        address=address, hard_failures=threshold, last_error=detail[:500], last_failed_at=now
    )
    statement = statement.on_conflict_do_update(
        index_elements=[bounced.c.address],
        set_={
            "hard_failures": sa.case(
                (bounced.c.hard_failures >= threshold, bounced.c.hard_failures + 1),
                else_=threshold,
            ),
            "last_error": statement.excluded.last_error,
            "last_failed_at": statement.excluded.last_failed_at,
        },
    )
    db.session.execute(statement)


def _soft_bounces(address: str, since: datetime) -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(BounceReport)
            .where(
                BounceReport.address == address,
                BounceReport.kind == BounceKind.SOFT.value,
                BounceReport.received_at >= since,
            )
        )
        or 0
    )


def apply_report(
    app: Flask, report: Report, *, digest: str, now: datetime | None = None
) -> Outcome:
    """Record ``report`` and act on it, in one transaction (committed here)."""
    now = now or utcnow()
    if db.session.scalar(sa.select(BounceReport.id).where(BounceReport.digest == digest)):
        return Outcome.DUPLICATE
    row = db.session.get(OutboxMessage, report.outbox_id) if report.outbox_id else None
    if row is None:
        log.info("bounce mailbox: %s names no outbox row of ours", report.kind)
        return Outcome.UNMATCHED
    address = normalise_email(row.to_address)
    detail = single_line(report.detail)[:500]
    db.session.add(
        BounceReport(
            digest=digest,
            outbox_id=row.id,
            mailing=row.mailing,
            address=address,
            kind=report.kind.value,
            detail=detail,
            received_at=now,
        )
    )
    db.session.flush()
    threshold = app.config["MAIL_SUPPRESS_AFTER_HARD_FAILURES"]
    suppress = report.kind in (BounceKind.HARD, BounceKind.COMPLAINT)
    if report.kind is BounceKind.SOFT:
        since = now - timedelta(days=app.config["MAIL_SOFT_BOUNCE_DAYS"])
        suppress = _soft_bounces(address, since) >= app.config["MAIL_SOFT_BOUNCE_LIMIT"]
    if suppress:
        _raise_to_suppressed(address, threshold=threshold, detail=detail, now=now)
        withhold_newsletter_mail(address, reason=f"suppressed: {report.kind} bounce report")
    if report.kind is BounceKind.COMPLAINT:
        complaint_received.send(app, address=address)
    try:
        db.session.commit()
    except IntegrityError:  # the same report, recorded meanwhile by another reader
        db.session.rollback()
        return Outcome.DUPLICATE
    log.info(
        "bounce mailbox: %s for outbox row %d (%s)%s",
        report.kind,
        row.id,
        address,
        ", address suppressed" if suppress else "",
    )
    return Outcome.RECORDED
