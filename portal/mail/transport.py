"""Where composed messages go: an SMTP server through Flask-Mail, or the development mailbox.

Both are "channels" opened once per batch. SMTP failures are sorted into three kinds:
temporary (4xx, refused connection, timeout: retry later), permanent (5xx: fail the row),
and bounce (a permanent refusal of the recipient itself: fail the row and count it against
the address, see ``portal.mail.suppression``).
"""

from __future__ import annotations

import smtplib
import socket
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from enum import StrEnum

from flask import Flask
from flask_mail import Connection

from portal.extensions import mail


class FailureKind(StrEnum):
    TEMPORARY = "temporary"
    PERMANENT = "permanent"
    BOUNCE = "bounce"


class DeliveryFailure(Exception):
    """Why one message (or a whole batch, when connecting failed) was not delivered."""

    def __init__(self, kind: FailureKind, reason: str, *, connection_lost: bool = False):
        super().__init__(reason)
        self.kind = kind
        self.reason = reason
        self.connection_lost = connection_lost


@dataclass(frozen=True)
class Envelope:
    """One composed message and who it goes to."""

    sender: str
    recipient: str
    raw: bytes


def _reply_text(reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    return " ".join(text.split())


def _from_reply(code: int, reply: bytes | str, *, recipient_stage: bool) -> DeliveryFailure:
    text = _reply_text(reply)
    reason = f"{code} {text}"[:500]
    if code == 421:  # the server is closing the connection
        return DeliveryFailure(FailureKind.TEMPORARY, reason, connection_lost=True)
    if 400 <= code < 500:
        return DeliveryFailure(FailureKind.TEMPORARY, reason)
    mailbox_problem = text.startswith(("5.1.", "5.2."))
    if recipient_stage or mailbox_problem:
        return DeliveryFailure(FailureKind.BOUNCE, reason)
    return DeliveryFailure(FailureKind.PERMANENT, reason)


def classify(error: Exception) -> DeliveryFailure:
    """Sort an exception raised while sending one message."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        code, reply = next(iter(error.recipients.values()))
        return _from_reply(code, reply, recipient_stage=True)
    if isinstance(error, smtplib.SMTPSenderRefused | smtplib.SMTPDataError):
        return _from_reply(error.smtp_code, error.smtp_error, recipient_stage=False)
    if isinstance(error, smtplib.SMTPResponseException):
        failure = _from_reply(error.smtp_code, error.smtp_error, recipient_stage=False)
        return DeliveryFailure(FailureKind.TEMPORARY, failure.reason, connection_lost=True)
    reason = f"{type(error).__name__}: {error}"[:500]
    return DeliveryFailure(FailureKind.TEMPORARY, reason, connection_lost=True)


@dataclass
class _Announced:
    """An envelope whose MAIL, RCPT and DATA went out ahead of its content, and the replies."""

    envelope: Envelope
    replies: tuple[tuple[int, bytes], tuple[int, bytes], tuple[int, bytes]]

    @property
    def awaiting_data(self) -> bool:
        """The server said 354: everything it reads next is this message's content."""
        return self.replies[2][0] == 354


class SmtpChannel:
    """One SMTP connection for a batch, opened by Flask-Mail (TLS, login and QUIT included).

    Messages go out as the bytes ``compose`` wrote. Where the server offers PIPELINING
    (RFC 2920; Postfix, Exim and the big providers do), a message costs one round trip: its
    content and the terminating dot travel in the same write as the next message's MAIL,
    RCPT and DATA (RFC 2920 3.1 allows message content to open a group, and DATA to close
    it). The caller says which message comes next (``send(envelope, then=next)``); the next
    call must send that one, or the channel is closed. Without PIPELINING ``sendmail`` is
    used. ``flask_mail.Connection.send`` is not, because it re-parses and re-encodes both
    addresses of every message, a fifth of the pipeline's time per message, to reach the same
    bytes. Like Flask-Mail, the channel reconnects after ``MAIL_MAX_EMAILS`` messages.

    What a crash can cost is unchanged: the one message whose content the server accepted
    and that was not yet recorded. An announced envelope without content is never delivered:
    a server discards a transaction whose data did not end with the dot.
    """

    keeps_copy = False

    def __init__(self, connection: Connection, max_emails: int | None) -> None:
        self.connection = connection
        self.max_emails = max_emails
        self.sent_on_connection = 0
        self._announced: _Announced | None = None

    def send(self, envelope: Envelope, *, then: Envelope | None = None) -> None:
        try:
            if self._announced is None and self._connection_spent():
                self._reconnect()
            host = self._host()
            host.ehlo_or_helo_if_needed()
            if host.has_extn("pipelining"):
                self._send_pipelined(host, envelope, then)
            else:
                host.sendmail(envelope.sender, [envelope.recipient], envelope.raw)
        except (smtplib.SMTPException, OSError) as error:
            raise classify(error) from error
        self.sent_on_connection += 1

    def _connection_spent(self) -> bool:
        return bool(self.max_emails) and self.sent_on_connection >= (self.max_emails or 0)

    def _last_on_connection(self) -> bool:
        return bool(self.max_emails) and self.sent_on_connection + 1 >= (self.max_emails or 0)

    def _send_pipelined(
        self, host: smtplib.SMTP, envelope: Envelope, then: Envelope | None
    ) -> None:
        announced, self._announced = self._announced, None
        if announced is not None and announced.envelope is not envelope:
            host.close()  # the server waits for another message's content
            raise smtplib.SMTPServerDisconnected("another message was announced on this connection")
        if announced is None:
            host.send(_envelope_commands(envelope))
            announced = _Announced(envelope, _read_three(host))
        _refuse_if_needed(host, announced)
        # The next envelope rides along with this content, unless the connection is renewed
        # after this message.
        ride_along = then is not None and not self._last_on_connection()
        next_commands = _envelope_commands(then) if then is not None and ride_along else b""
        host.send(dot_stuffed(envelope.raw) + next_commands)
        code, reply = host.getreply()
        if then is not None and ride_along and code != 421:
            try:
                self._announced = _Announced(then, _read_three(host))
            except (smtplib.SMTPException, OSError):
                # This message's answer is known; the next send finds the connection closed.
                host.close()
        if code != 250:
            if code == 421:
                host.close()
            elif self._announced is None and host.sock is not None:
                host.rset()
            # Otherwise the next transaction is already under way: nothing to reset.
            raise smtplib.SMTPDataError(code, reply)

    def finish(self) -> None:
        """End the connection. After an announced envelope the server waits for content:
        a QUIT would be taken as content, so the connection is dropped instead, which makes
        the server discard the unfinished transaction."""
        host = self.connection.host
        if self._announced is not None and self._announced.awaiting_data and host is not None:
            host.close()
        self._announced = None

    def _host(self) -> smtplib.SMTP:
        """The open SMTP session (Flask-Mail's ``host``, set once the connection is entered)."""
        host = self.connection.host
        if host is None:
            raise smtplib.SMTPServerDisconnected("the SMTP connection is closed")
        return host

    def _reconnect(self) -> None:
        with suppress(smtplib.SMTPException, OSError):
            self._host().quit()
        self.connection.host = self.connection.configure_host()
        self.sent_on_connection = 0


def dot_stuffed(raw: bytes) -> bytes:
    """``raw`` with a dot doubled at the start of every line (RFC 5321 4.5.2), then ``.``.

    ``bytes.replace`` rather than a multiline regex: the same result (a line starts at the
    beginning or after LF), five times cheaper on a 5 KB message, which matters per message.
    """
    if raw.startswith(b"."):
        raw = b"." + raw
    return raw.replace(b"\n.", b"\n..") + b".\r\n"


def _envelope_commands(envelope: Envelope) -> bytes:
    """MAIL, RCPT and DATA in one write. The addresses were checked at enqueue (plain ASCII,
    no ``<>``), so they go into the commands as they are."""
    return f"MAIL FROM:<{envelope.sender}>\r\nRCPT TO:<{envelope.recipient}>\r\nDATA\r\n".encode()


def _read_three(
    host: smtplib.SMTP,
) -> tuple[tuple[int, bytes], tuple[int, bytes], tuple[int, bytes]]:
    return host.getreply(), host.getreply(), host.getreply()


def _refuse_if_needed(host: smtplib.SMTP, announced: _Announced) -> None:
    """Raise what ``sendmail`` would for a refused envelope, leaving the session reusable.

    Every reply was read, in order, before deciding anything.
    """
    (mail_code, mail_reply), (rcpt_code, rcpt_reply), (data_code, data_reply) = announced.replies
    envelope = announced.envelope
    refusal: smtplib.SMTPException | None = None
    if mail_code != 250:
        refusal = smtplib.SMTPSenderRefused(mail_code, mail_reply, envelope.sender)
    elif rcpt_code not in (250, 251):
        refusal = smtplib.SMTPRecipientsRefused({envelope.recipient: (rcpt_code, rcpt_reply)})
    elif data_code != 354:
        refusal = smtplib.SMTPDataError(data_code, data_reply)
    if refusal is None:
        return
    if data_code == 354:  # a server that took DATA anyway: send it an empty message…
        host.send(b".\r\n")
        host.getreply()
    if 421 in (mail_code, rcpt_code, data_code):
        host.close()
    else:
        host.rset()  # … and forget it
    raise refusal


class MailboxChannel:
    """No SMTP server configured: the message is stored with the row marked sent."""

    keeps_copy = True

    def send(self, envelope: Envelope, *, then: Envelope | None = None) -> None:
        """Nothing to transmit; the bookkeeping stores ``envelope.raw`` in the mailbox."""

    def finish(self) -> None:
        """Nothing to close."""


@contextmanager
def _socket_timeout(seconds: float) -> Iterator[None]:
    """Flask-Mail opens sockets without a timeout; a silent server must not hang a worker.

    New sockets take the process default, so it is set while the batch's connections are
    opened (a worker process sends one batch at a time).
    """
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(seconds)
    try:
        yield
    finally:
        socket.setdefaulttimeout(previous)


@contextmanager
def open_channel(app: Flask) -> Iterator[SmtpChannel | MailboxChannel]:
    """Open the batch's channel. Failing to connect raises a temporary ``DeliveryFailure``."""
    if not app.config.get("MAIL_SERVER"):
        yield MailboxChannel()
        return
    connection = mail.connect()
    with _socket_timeout(app.config["MAIL_SMTP_TIMEOUT"]):
        try:
            connection.__enter__()  # connects (and logs in); ``with`` cannot sort this error
        except (smtplib.SMTPException, OSError) as error:
            raise classify(error) from error
        channel = SmtpChannel(connection, app.config.get("MAIL_MAX_EMAILS"))
        try:
            yield channel
        finally:
            channel.finish()
            # QUIT. If the server went away after our last message, nothing is lost.
            with suppress(smtplib.SMTPException, OSError):
                # Flask-Mail annotates __exit__'s arguments as never None (they are, after a
                # normal block), so the call the ``with`` statement would make is untyped here.
                connection.__exit__(None, None, None)  # type: ignore[arg-type]
