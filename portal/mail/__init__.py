"""The mail pipeline. Features call ``enqueue_email``; workers do the sending.

Nothing outside this package opens an SMTP connection.
"""

from flask import Flask

from portal.mail import bounce_mailbox  # noqa: F401 (registers the worker's bounce task)
from portal.mail.outbox import CannotRetry, enqueue_email, retry_failed_message
from portal.mail.queue import listen_for_commits
from portal.mail.signing import check_configuration as check_signing
from portal.mail.verp import check_configuration as check_bounce_address


def init_app(app: Flask) -> None:
    """Ask a worker to deliver whenever a transaction that queued mail commits; refuse to
    start with a DKIM key that cannot sign or a bounce address that cannot be used."""
    check_signing(app)
    check_bounce_address(app)
    listen_for_commits()


__all__ = ["CannotRetry", "enqueue_email", "init_app", "retry_failed_message"]
