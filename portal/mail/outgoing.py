"""The last step before SMTP: a message's envelope sender (VERP) and its DKIM signature.

Both are optional (``MAIL_BOUNCE_ADDRESS``; ``DKIM_SELECTOR`` with ``DKIM_PRIVATE_KEY_FILE``).
Without them the envelope sender is the From address and the bytes are what ``compose``
wrote.
"""

from __future__ import annotations

from flask import Flask

from portal.mail.compose import Sender
from portal.mail.signing import sign, signing_key
from portal.mail.transport import Envelope
from portal.mail.verp import Verp


def outgoing_envelope(
    app: Flask, *, outbox_id: int, sender: Sender, recipient: str, raw: bytes
) -> Envelope:
    """The envelope of one outbox row, its bytes signed when a key is configured."""
    verp = Verp.of(app)
    key = signing_key(app, sender.domain)
    return Envelope(
        sender=verp.sender(outbox_id) if verp else sender.address,
        recipient=recipient,
        raw=sign(raw, key) if key else raw,
    )
