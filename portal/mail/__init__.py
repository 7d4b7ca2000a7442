"""The mail pipeline. Features call ``enqueue_email``; workers do the sending.

Nothing outside this package opens an SMTP connection.
"""

from flask import Flask

from portal.mail.outbox import CannotRetry, enqueue_email, retry_failed_message
from portal.mail.queue import listen_for_commits


def init_app(app: Flask) -> None:
    """Ask a worker to deliver whenever a transaction that queued mail commits."""
    listen_for_commits()


__all__ = ["CannotRetry", "enqueue_email", "init_app", "retry_failed_message"]
