"""The mail pipeline. Features call ``enqueue_email``; workers do the sending.

Nothing outside this package opens an SMTP connection.
"""

from portal.mail.outbox import enqueue_email

__all__ = ["enqueue_email"]
