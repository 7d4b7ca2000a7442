"""Reading the bounce mailbox over IMAP (``imap-tools``).

``MAIL_BOUNCE_ADDRESS`` receives every later bounce (the envelope senders are its plus
addresses) and is where a provider's feedback loop sends complaints. The worker reads it
every ``BOUNCE_IMAP_POLL_MINUTES``; ``flask --app wsgi mail bounces`` reads it once.

Each message is fetched without setting ``\\Seen`` (``BODY.PEEK``). A bounce or complaint is
recorded (``portal.mail.bounces``), committed, then moved to ``BOUNCE_IMAP_PROCESSED_FOLDER``
(created if missing): it is never read twice, and if the move fails after the commit the
next round finds its digest already recorded and only moves it. Anything else, an
auto-reply or a person writing to the bounce address, is left where it is, unseen.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field

from flask import Flask
from huey import Huey, crontab
from imap_tools import BaseMailBox, ImapToolsError, MailBox, MailBoxUnencrypted

from portal.core.tasks import feature_tasks
from portal.extensions import db
from portal.mail.bounces import Outcome, apply_report, digest_of, read_report
from portal.mail.verp import Verp

log = logging.getLogger(__name__)

# Reports handled per round; the rest wait for the next one.
ROUND_LIMIT = 500


@dataclass
class MailboxReport:
    outcomes: Counter[str] = field(default_factory=Counter)

    def __str__(self) -> str:
        if not self.outcomes:
            return "no messages"
        return ", ".join(f"{outcome} {count}" for outcome, count in sorted(self.outcomes.items()))


def is_configured(app: Flask) -> bool:
    return bool(app.config.get("BOUNCE_IMAP_HOST") and app.config.get("MAIL_BOUNCE_ADDRESS"))


def _open(app: Flask) -> BaseMailBox:
    config = app.config
    kind = MailBox if config["BOUNCE_IMAP_SSL"] else MailBoxUnencrypted
    box = kind(config["BOUNCE_IMAP_HOST"], config["BOUNCE_IMAP_PORT"], timeout=30)
    return box.login(
        config["BOUNCE_IMAP_USER"],
        config["BOUNCE_IMAP_PASSWORD"],
        initial_folder=config["BOUNCE_IMAP_FOLDER"],
    )


def process_bounce_mailbox(app: Flask) -> MailboxReport:
    """One round over the bounce mailbox (call inside an app context)."""
    report = MailboxReport()
    verp = Verp.of(app)
    if verp is None or not is_configured(app):
        return report
    processed_folder = app.config["BOUNCE_IMAP_PROCESSED_FOLDER"]
    with _open(app) as box:
        if not box.folder.exists(processed_folder):
            box.folder.create(processed_folder)
        done: list[str] = []
        for message in box.fetch("ALL", mark_seen=False, bulk=50):
            if len(done) >= ROUND_LIMIT:
                break
            try:
                found = read_report(message.obj, verp)
                digest = digest_of(message.obj.as_bytes())
            except Exception:  # a malformed message must not stop the reports behind it
                log.exception("bounce mailbox: cannot read message %s; left alone", message.uid)
                found = None
            if found is None:
                report.outcomes[Outcome.NOT_A_BOUNCE] += 1
                continue
            outcome = apply_report(app, found, digest=digest)
            report.outcomes[outcome] += 1
            if message.uid:
                done.append(message.uid)
        if done:
            box.move(done, processed_folder)
    return report


@feature_tasks
def register(huey: Huey, app: Flask) -> None:
    """The worker reads the bounce mailbox every ``BOUNCE_IMAP_POLL_MINUTES`` (when set up)."""
    if not is_configured(app):
        return
    minutes = app.config["BOUNCE_IMAP_POLL_MINUTES"]

    @huey.periodic_task(crontab(minute=f"*/{minutes}"), name="read_bounce_mailbox")
    def read_bounce_mailbox() -> None:
        with app.app_context():
            try:
                report = process_bounce_mailbox(app)
            except (OSError, ImapToolsError) as problem:  # unreachable: the next round retries
                log.warning("bounce mailbox: cannot read it: %s", problem)
                return
            finally:
                db.session.remove()
            if report.outcomes:
                log.info("bounce mailbox: %s", report)
