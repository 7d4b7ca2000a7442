"""A signed envelope sender per message (VERP), so that a bounce names its outbox row.

Most bounces arrive minutes or days after the relay accepted a message, as a delivery
status notification mailed to the envelope sender (RFC 3464). With ``MAIL_BOUNCE_ADDRESS``
set (``bounces@massageworks.example``), each message goes out with the envelope sender
``bounces+<outbox id>.<mac>@massageworks.example``: the plus address is delivered to the
bounce mailbox by any mail server that knows subaddressing (Postfix's
``recipient_delimiter = +``, Dovecot, the big hosted ones), and the bounce reader
(``portal.mail.bounces``) learns the row from the address the report was sent to.

The mac is the first 16 hex digits of an HMAC-SHA256 of the row id under the app's secret
key: nobody can make up an address that suppresses someone else's mail, and the local part
stays lower-case ASCII (some servers lower-case local parts) and short (64 characters at
most, RFC 5321 4.5.3.1.1).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable

from flask import Flask

from config import ConfigurationError
from portal.mail.compose import check_address

_MAC_LENGTH = 16
_VERP = re.compile(
    r"(?P<local>[^\s<>@+]+)\+(?P<row>\d{1,18})\.(?P<mac>[0-9a-f]{16})@(?P<domain>[A-Za-z0-9.-]+)"
)


def _mac(secret: str, outbox_id: int) -> str:
    digest = hmac.new(secret.encode(), f"verp:{outbox_id}".encode(), hashlib.sha256)
    return digest.hexdigest()[:_MAC_LENGTH]


class Verp:
    """Makes and reads the envelope senders of one app (its secret and bounce address)."""

    def __init__(self, bounce_address: str, secret: str) -> None:
        self.local, _, self.domain = bounce_address.rpartition("@")
        self.secret = secret

    @classmethod
    def of(cls, app: Flask) -> Verp | None:
        address = app.config.get("MAIL_BOUNCE_ADDRESS")
        return cls(address, app.config["SECRET_KEY"]) if address else None

    def sender(self, outbox_id: int) -> str:
        return f"{self.local}+{outbox_id}.{_mac(self.secret, outbox_id)}@{self.domain}"

    def outbox_id(self, texts: Iterable[str]) -> int | None:
        """The row named by the first genuine VERP address found in ``texts`` (header values,
        report fields), or None. Forged or foreign addresses are ignored (constant-time check)."""
        for text in texts:
            for found in _VERP.finditer(text or ""):
                if found["local"].lower() != self.local.lower():
                    continue
                if found["domain"].lower() != self.domain.lower():
                    continue
                outbox_id = int(found["row"])
                if hmac.compare_digest(found["mac"], _mac(self.secret, outbox_id)):
                    return outbox_id
        return None


def check_configuration(app: Flask) -> None:
    """Refuse to start with a bounce address that cannot carry plus addresses."""
    address = app.config.get("MAIL_BOUNCE_ADDRESS")
    if not address:
        return
    try:
        check_address(address)
    except ValueError:
        raise ConfigurationError(
            f"refusing to start: MAIL_BOUNCE_ADDRESS {address!r} is not a plain address"
        ) from None
    if "+" in address:
        raise ConfigurationError(
            "refusing to start: MAIL_BOUNCE_ADDRESS must not contain '+' (it adds its own)"
        )
