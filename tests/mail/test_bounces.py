"""Bounces and complaints that come back later, read from a real IMAP server (Dovecot).

The reports are Postfix's own (``tests/mail/data/README.md``), and in the last test one
that a Postfix relay writes during the test, for a message the pipeline sent through it.
"""

from __future__ import annotations

import email
import re
import time
from datetime import datetime
from pathlib import Path

import dkim
import pytest
import sqlalchemy as sa
from flask import Flask
from imap_tools import MailBoxUnencrypted

from portal.extensions import db
from portal.mail.bounce_mailbox import process_bounce_mailbox
from portal.mail.bounces import read_report
from portal.mail.queue import mail_queue
from portal.mail.verp import Verp
from portal.models import (
    BouncedAddress,
    BounceKind,
    BounceReport,
    MailCategory,
    OutboxStatus,
    Subscriber,
    SubscriberStatus,
)
from tests.conftest import built_app
from tests.fixtures.arrival import arrival_settings
from tests.fixtures.mail import deliver, queue, rows
from tests.fixtures.mailservers import BOUNCE_PASSWORD
from tests.fixtures.newsletter import Newsletter
from tests.mail.test_signing import ONE_CLICK, dns_for

DATA = Path(__file__).parent / "data"
SAMPLE_SENDER = re.compile(rb"bounces\+\d+\.0123456789abcdef@massageworks\.example")
NOT_A_BOUNCE = (
    b"From: A Runner <runner@example.org>\r\nTo: bounces@massageworks.example\r\n"
    b"Subject: Re: Your taper week\r\nMessage-ID: <reply-1@example.org>\r\n\r\n"
    b"Thanks, see you on Thursday for the flush massage.\r\n"
)


def sample(name: str, app: Flask, outbox_id: int, *, salt: str = "") -> bytes:
    """A stored report, answering the signed envelope sender of ``outbox_id``."""
    raw = (DATA / name).read_bytes().replace(b"\n", b"\r\n").replace(b"\r\r\n", b"\r\n")
    raw = SAMPLE_SENDER.sub(Verp.of(app).sender(outbox_id).encode(), raw)
    return raw.replace(b"Subject: ", f"X-Sample: {salt}\r\nSubject: ".encode(), 1) if salt else raw


@pytest.fixture
def bounce_app(database_url, dovecot, dkim_key_file, smtp_server):
    user = dovecot.new_user()
    settings = {
        **smtp_server.app_settings(),
        **arrival_settings(dkim_key_file),
        **dovecot.settings(user),
    }
    with built_app(database_url, **settings) as application:
        yield application


def imap(app: Flask) -> MailBoxUnencrypted:
    box = MailBoxUnencrypted(app.config["BOUNCE_IMAP_HOST"], app.config["BOUNCE_IMAP_PORT"])
    return box.login(app.config["BOUNCE_IMAP_USER"], BOUNCE_PASSWORD)


def append(app: Flask, *messages: bytes) -> None:
    with imap(app) as box:
        for raw in messages:
            box.append(raw, "INBOX", flag_set=())


def folder_contents(app: Flask, folder: str) -> list[tuple[str, tuple[str, ...]]]:
    with imap(app) as box:
        if not box.folder.exists(folder):
            return []
        box.folder.set(folder)
        return [(m.subject, m.flags) for m in box.fetch(mark_seen=False)]


def sent_newsletter(app: Flask, *addresses: str) -> list[int]:
    for address in addresses:
        queue(app, 1, prefix=address, category=MailCategory.NEWSLETTER, headers=ONE_CLICK)
    deliver(app)
    return [row.id for row in rows(app)]


def suppression(app: Flask, address: str) -> int:
    with app.app_context():
        found = db.session.get(BouncedAddress, address)
        return found.hard_failures if found else 0


def reports(app: Flask) -> list[tuple[str, str, int | None]]:
    with app.app_context():
        return [
            (r.kind, r.address, r.outbox_id)
            for r in db.session.scalars(sa.select(BounceReport).order_by(BounceReport.id))
        ]


def test_reports_are_sorted_into_hard_soft_complaint_and_not_a_bounce(bounce_app):
    verp = Verp.of(bounce_app)
    kinds = {
        name: read_report(email.message_from_bytes(sample(name, bounce_app, 12)), verp)
        for name in ("postfix-dsn-hard.eml", "postfix-dsn-delayed.eml", "arf-complaint.eml")
    }
    assert {name: (r.kind, r.outbox_id) for name, r in kinds.items()} == {
        "postfix-dsn-hard.eml": (BounceKind.HARD, 12),
        "postfix-dsn-delayed.eml": (BounceKind.SOFT, 12),
        "arf-complaint.eml": (BounceKind.COMPLAINT, 12),
    }
    assert read_report(email.message_from_bytes(NOT_A_BOUNCE), verp) is None
    forged = email.message_from_bytes((DATA / "postfix-dsn-hard.eml").read_bytes())
    assert read_report(forged, verp).outbox_id is None  # a made-up mac names no row


def test_a_hard_bounce_and_a_complaint_suppress_and_the_complainer_leaves_every_topic(
    bounce_app, smtp_server
):
    newsletter = Newsletter(bounce_app)
    newsletter.subscriber("complainer0@example.com", topics=("tips", "news", "articles"))
    gone, complainer, fine = sent_newsletter(bounce_app, "gone", "complainer", "fine")
    # A campaign row still queued for the complainer is withheld at once.
    queue(
        bounce_app,
        1,
        prefix="complainer",
        category=MailCategory.NEWSLETTER,
        idempotency_key="campaign:9:complainer",
    )
    append(
        bounce_app,
        sample("postfix-dsn-hard.eml", bounce_app, gone),
        sample("arf-complaint.eml", bounce_app, complainer),
        NOT_A_BOUNCE,
    )

    result = bounce_app.test_cli_runner().invoke(args=["mail", "bounces"])

    assert result.exit_code == 0, result.output
    assert "recorded 2" in result.output and "not a bounce 1" in result.output
    threshold = bounce_app.config["MAIL_SUPPRESS_AFTER_HARD_FAILURES"]
    assert suppression(bounce_app, "gone0@example.com") >= threshold
    assert suppression(bounce_app, "complainer0@example.com") >= threshold
    assert suppression(bounce_app, "fine0@example.com") == 0
    assert reports(bounce_app) == [
        ("hard", "gone0@example.com", gone),
        ("complaint", "complainer0@example.com", complainer),
    ]
    with bounce_app.app_context():
        subscriber = db.session.scalar(
            sa.select(Subscriber).where(Subscriber.email == "complainer0@example.com")
        )
        assert subscriber.status == SubscriberStatus.UNSUBSCRIBED
    assert [row.status for row in rows(bounce_app)][-1] == OutboxStatus.SUPPRESSED
    # The reports moved to Processed; the reply stays in the inbox, unread.
    assert folder_contents(bounce_app, "INBOX") == [("Re: Your taper week", ())]
    assert sorted(s for s, _ in folder_contents(bounce_app, "Processed")) == [
        "FW: Your taper week",
        "Undelivered Mail Returned to Sender",
    ]

    # Read again: nothing new, nothing counted twice.
    again = bounce_app.test_cli_runner().invoke(args=["mail", "bounces"])
    assert "recorded" not in again.output and len(reports(bounce_app)) == 2


def test_soft_bounces_suppress_at_the_threshold(bounce_app):
    (row,) = sent_newsletter(bounce_app, "full")
    limit = bounce_app.config["MAIL_SOFT_BOUNCE_LIMIT"]
    for number in range(limit):
        append(bounce_app, sample("postfix-dsn-delayed.eml", bounce_app, row, salt=str(number)))
        with bounce_app.app_context():
            process_bounce_mailbox(bounce_app)
        expected = (
            0 if number + 1 < limit else bounce_app.config["MAIL_SUPPRESS_AFTER_HARD_FAILURES"]
        )
        assert suppression(bounce_app, "full0@example.com") == expected
    assert [kind for kind, _, _ in reports(bounce_app)] == ["soft"] * limit


def test_a_report_read_twice_is_recorded_once(bounce_app):
    """A crash between the commit and the move: the next round only moves it."""
    (row,) = sent_newsletter(bounce_app, "gone")
    report = sample("postfix-dsn-hard.eml", bounce_app, row)
    append(bounce_app, report, report)
    with bounce_app.app_context():
        outcome = process_bounce_mailbox(bounce_app)
    assert dict(outcome.outcomes) == {"recorded": 1, "duplicate": 1}
    assert len(reports(bounce_app)) == 1
    assert folder_contents(bounce_app, "INBOX") == []


def test_a_bounce_without_a_genuine_envelope_sender_changes_nothing(bounce_app):
    sent_newsletter(bounce_app, "gone")
    append(bounce_app, (DATA / "postfix-dsn-hard.eml").read_bytes())
    with bounce_app.app_context():
        outcome = process_bounce_mailbox(bounce_app)
    assert dict(outcome.outcomes) == {"unmatched": 1}
    assert reports(bounce_app) == [] and suppression(bounce_app, "gone0@example.com") == 0


def test_a_bounce_written_by_postfix_for_the_pipelines_message_suppresses_its_address(
    database_url, dkim_key_file, dovecot, postfix, smtp_server
):
    """Pipeline → Postfix relay → a server that refuses the recipient → Postfix's DSN to the
    signed envelope sender → the Dovecot mailbox → the worker's round → suppressed."""
    relay, user = postfix
    settings = {**relay.app_settings(), **arrival_settings(dkim_key_file), **dovecot.settings(user)}
    smtp_server.reply_with(
        "550 5.1.1 <gone0@example.com>: Recipient address rejected: User unknown",
        times=None,
        recipient="gone0@example.com",
    )
    with built_app(database_url, **settings) as app:
        gone, fine = sent_newsletter(app, "gone", "fine")
        assert [row.status for row in rows(app)] == [OutboxStatus.SENT, OutboxStatus.SENT]

        # The message that got through the relay still carries a valid signature.
        (delivered,) = smtp_server.wait_for(1)
        assert delivered.recipients == ["fine0@example.com"]
        assert dkim.verify(delivered.raw, dnsfunc=dns_for(dkim_key_file))

        new = dovecot.maildir(user) / "new"
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not (new.exists() and any(new.iterdir())):
            time.sleep(0.1)
        assert new.exists() and any(new.iterdir()), relay.log()

        with app.app_context():
            outcome = process_bounce_mailbox(app)
        assert dict(outcome.outcomes) == {"recorded": 1}
        assert reports(app) == [("hard", "gone0@example.com", gone)]
        with app.app_context():  # the staff's bounce list shows the remote server's words
            error = db.session.get(BouncedAddress, "gone0@example.com").last_error
        assert error.startswith("hard bounce for gone0@example.com: 5.1.1 smtp; 550 5.1.1")
        assert (
            suppression(app, "gone0@example.com") >= app.config["MAIL_SUPPRESS_AFTER_HARD_FAILURES"]
        )
        # The next campaign skips the address without offering it to the relay.
        queue(
            app,
            1,
            prefix="gone",
            category=MailCategory.NEWSLETTER,
            idempotency_key="campaign:2:gone",
        )
        deliver(app)
        assert rows(app)[-1].status == OutboxStatus.SUPPRESSED


def test_the_worker_reads_the_mailbox_on_its_schedule(bounce_app):
    """The periodic task ``flask worker`` runs every BOUNCE_IMAP_POLL_MINUTES (5)."""
    (row,) = sent_newsletter(bounce_app, "gone")
    append(bounce_app, sample("postfix-dsn-hard.eml", bounce_app, row))
    huey = mail_queue(bounce_app).huey

    def due(minute: int) -> list[str]:
        return [task.name for task in huey.read_periodic(datetime(2026, 12, 7, 9, minute))]

    assert "read_bounce_mailbox" in due(10) and "read_bounce_mailbox" not in due(11)
    (task,) = [
        task
        for task in huey.read_periodic(datetime(2026, 12, 7, 9, 10))
        if task.name == "read_bounce_mailbox"
    ]
    huey.execute(task)
    assert reports(bounce_app) == [("hard", "gone0@example.com", row)]


def test_without_a_mailbox_the_worker_has_no_bounce_task(app):
    names = [t.name for t in mail_queue(app).huey.read_periodic(datetime(2026, 12, 7, 9, 10))]
    assert "read_bounce_mailbox" not in names
