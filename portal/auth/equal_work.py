"""The same work for known and unknown addresses, so that timing tells nobody which is which.

Forms that must not reveal whether an address has an account (register, reset password, and
the newsletter's subscribe form) already answer with the same page either way. The work behind
the page must be the same too: when one path hashes a password and inserts three rows and the
other only reads one, the response time gives the answer away (a password hash alone takes
longer than the whole of the other path).

The pattern: each path does its own work for real, and *rehearses* the work of the other
path, that is, runs the same code (the same hash, the same inserts and updates on the same
tables and indexes, the same outbox row) inside a savepoint that is then rolled back:

    existing = find_subscriber(email)
    if existing is None:
        subscriber = add_subscriber(email, …)          # for real
        with rehearsal():
            send_already_subscribed(subscriber)         # what the other path does
    else:
        send_already_subscribed(existing)               # for real
        with rehearsal():
            add_subscriber(stand_in_address(), …)       # what the other path does

When the rehearsed work needs a row that the address does not have (a reset token belongs to
an account), the rehearsal first creates a stand-in row with ``stand_in_address()``. That
insert is work the real path does not do, so the real path rehearses it too (see
``services.request_password_reset``): without that, an unknown address took about 15% longer.
What remains different is whether a savepoint is kept or rolled back, and on PostgreSQL the
sequence value a rolled-back insert used (ids have gaps; they always could).
``tests/auth/test_timing.py`` compares the medians of both paths of register and reset.

Notes the session keeps for after the commit (``session.info``: the mail pipeline's "ask a
worker to deliver") survive the rollback: a rehearsed email asks a worker to look, as the real
one does. The worker then finds nothing to send.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager

from portal.extensions import db

# Addresses in a reserved top-level domain (RFC 2606): never anybody's, never delivered.
STAND_IN_DOMAIN = "stand-in.invalid"


def stand_in_address() -> str:
    """A unique address for a rehearsal's stand-in row (unique, like a real new address)."""
    return f"stand-in-{secrets.token_hex(8)}@{STAND_IN_DOMAIN}"


@contextmanager
def rehearsal() -> Iterator[None]:
    """Run the block's database work in a savepoint, flush it, then roll it back."""
    session = db.session
    notes_before = dict(session.info)
    savepoint = session.begin_nested()
    try:
        yield
        session.flush()
    finally:
        notes_during = dict(session.info)
        savepoint.rollback()
        session.info.update(notes_before)
        session.info.update(notes_during)
