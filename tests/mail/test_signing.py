"""DKIM signatures and VERP envelope senders on what reaches the SMTP server.

The signatures are checked by dkimpy's verifier, code independent of the signer
(``portal/mail/signing.py`` writes them with ``cryptography``), with the public key served
by a lookup function instead of DNS.
"""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
from pathlib import Path

import dkim
import pytest
from cryptography.hazmat.primitives import serialization

from portal.mail.signing import DkimKey, load_private_key, sign
from portal.mail.verp import Verp
from portal.models import MailCategory
from tests.conftest import built_app
from tests.fixtures.arrival import (
    BOUNCE_ADDRESS,
    DOMAIN,
    SELECTOR,
    TxtServer,
    arrival_settings,
)
from tests.fixtures.mail import deliver, queue, rows

ONE_CLICK = {
    "List-Id": "Massage Works news <news.massageworks.example>",
    "List-Unsubscribe": "<https://massageworks.example/newsletter/u/abc>",
    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
}


def dns_for(key_file):
    """A dnsfunc for dkimpy: the selector's TXT record, from the test key's public half."""
    private = serialization.load_pem_private_key(key_file.read_bytes(), password=None)
    der = private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    record = b"v=DKIM1; k=rsa; p=" + base64.b64encode(der)

    def lookup(name: bytes, timeout: int = 5) -> bytes | None:
        return record if name == f"{SELECTOR}._domainkey.{DOMAIN}.".encode() else None

    return lookup


def test_a_newsletter_message_is_signed_over_its_one_click_headers(
    signing_app, smtp_server, dkim_key_file
):
    queue(signing_app, 1, category=MailCategory.NEWSLETTER, headers=ONE_CLICK)
    deliver(signing_app)

    (received,) = smtp_server.messages
    assert received.raw.startswith(b"DKIM-Signature: ")
    assert dkim.verify(received.raw, dnsfunc=dns_for(dkim_key_file))
    signature = dkim.DKIM(received.raw)
    signature.verify(dnsfunc=dns_for(dkim_key_file))
    signed = {name.lower() for name, _ in signature.signed_headers}
    assert {
        b"from",
        b"to",
        b"subject",
        b"date",
        b"message-id",
        b"list-id",
        b"list-unsubscribe",
        b"list-unsubscribe-post",
    } <= signed
    tags = dict(
        part.strip().split("=", 1) for part in received.message["DKIM-Signature"].split(";")
    )
    assert tags["d"] == DOMAIN and tags["s"] == SELECTOR and tags["a"] == "rsa-sha256"


@pytest.mark.parametrize(
    "changed",
    [
        (
            b"List-Unsubscribe: <https://massageworks.example/newsletter/u/abc>",
            b"List-Unsubscribe: <https://evil.example/u>",
        ),
        (b"Hello A Runner,", b"Hello B Runner,"),
        (b"Subject: Your Massage Works", b"Subject: Your Massage Wonks"),
    ],
)
def test_a_changed_header_or_body_fails_verification(
    signing_app, smtp_server, dkim_key_file, changed
):
    queue(signing_app, 1, category=MailCategory.NEWSLETTER, headers=ONE_CLICK)
    deliver(signing_app)
    raw = smtp_server.messages[0].raw
    old, new = changed
    assert old in raw
    assert not dkim.verify(raw.replace(old, new), dnsfunc=dns_for(dkim_key_file))


def test_an_added_list_header_breaks_the_signature_of_a_transactional_message(
    signing_app, smtp_server, dkim_key_file
):
    """List-Id is named in h= without being present: nobody can add one afterwards."""
    queue(signing_app, 1, to_name="Zoë Å\u00e5ström", subject="Your client account — ready")
    deliver(signing_app)
    raw = smtp_server.messages[0].raw
    assert dkim.verify(raw, dnsfunc=dns_for(dkim_key_file))
    head, _, body = raw.partition(b"\r\n\r\n")
    forged = head + b"\r\nList-Unsubscribe: <https://evil.example/u>\r\n\r\n" + body
    assert not dkim.verify(forged, dnsfunc=dns_for(dkim_key_file))


def test_a_long_folded_subject_still_verifies(signing_app, smtp_server, dkim_key_file):
    queue(signing_app, 1, subject="Recovery week: " + "easy runs, sleep and mobility " * 6)
    deliver(signing_app)
    raw = smtp_server.messages[0].raw
    assert b"\r\n " in raw.partition(b"\r\n\r\n")[0].split(b"Subject:")[1]
    assert dkim.verify(raw, dnsfunc=dns_for(dkim_key_file))


def test_each_message_has_its_own_signed_envelope_sender(signing_app, smtp_server):
    queue(signing_app, 2)
    deliver(signing_app)

    verp = Verp.of(signing_app)
    by_recipient = {message.recipients[0]: message for message in smtp_server.messages}
    for row in rows(signing_app):
        mail_from = by_recipient[row.to_address].mail_from
        assert mail_from.startswith(f"bounces+{row.id}.") and mail_from.endswith(f"@{DOMAIN}")
        assert verp.outbox_id([f"<{mail_from}>"]) == row.id
        # The From header stays the practice's address.
        assert by_recipient[row.to_address].message["From"].endswith(f"<hello@{DOMAIN}>")


def test_a_made_up_or_foreign_envelope_sender_names_no_row(signing_app):
    verp = Verp.of(signing_app)
    genuine = verp.sender(41)
    row, mac = genuine.split("+")[1].split("@")[0].split(".")
    assert verp.outbox_id([genuine.replace(f"+{row}.", "+42.")]) is None
    assert verp.outbox_id([genuine.replace(mac, "0" * 16)]) is None
    assert verp.outbox_id([genuine.replace(DOMAIN, "elsewhere.example")]) is None
    other = Verp(BOUNCE_ADDRESS, "another secret of at least thirty-two chars")
    assert other.outbox_id([genuine]) is None


def test_without_settings_mail_is_neither_signed_nor_verped(smtp_app, smtp_server):
    queue(smtp_app, 1)
    deliver(smtp_app)
    (received,) = smtp_server.messages
    assert not received.raw.startswith(b"DKIM-Signature")
    assert received.mail_from == f"hello@{DOMAIN}"


@pytest.mark.parametrize(
    "settings",
    [
        {"DKIM_SELECTOR": SELECTOR},
        {"DKIM_SELECTOR": SELECTOR, "DKIM_PRIVATE_KEY_FILE": "/nonexistent/dkim.pem"},
        {"MAIL_BOUNCE_ADDRESS": "bounces"},
        {"MAIL_BOUNCE_ADDRESS": "bounces+x@massageworks.example"},
        {"MAIL_BOUNCE_ADDRESS": "bounces@massageworks.example\r\nBcc: x@y.example"},
    ],
)
def test_a_half_configured_key_or_a_bad_bounce_address_refuses_to_start(database_url, settings):
    with pytest.raises(SystemExit, match="refusing to start"), built_app(database_url, **settings):
        pass


def test_mail_dns_prints_spf_dkim_and_dmarc(database_url, dkim_key_file):
    with built_app(database_url, **arrival_settings(dkim_key_file)) as app:
        result = app.test_cli_runner().invoke(args=["mail", "dns"])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if not line.startswith(";")]
    spf, dkim_line, dmarc = lines
    assert spf == f'{DOMAIN}. 3600 IN TXT "v=spf1 mx a ~all"'
    assert dkim_line.startswith(f'{SELECTOR}._domainkey.{DOMAIN}. 3600 IN TXT "v=DKIM1; k=rsa; p=')
    published = "".join(part for part in dkim_line.split('"')[1::2])
    assert all(len(part) <= 255 for part in dkim_line.split('"')[1::2])
    assert published.encode() == dns_for(dkim_key_file)(f"{SELECTOR}._domainkey.{DOMAIN}.".encode())
    assert dmarc == (
        f'_dmarc.{DOMAIN}. 3600 IN TXT "v=DMARC1; p=quarantine; adkim=r; aspf=r; '
        f'rua=mailto:postmaster@{DOMAIN}"'
    )


@pytest.mark.parametrize("tamper", [False, True])
def test_perls_mail_dkim_verifies_the_signature_through_dns(
    signing_app, smtp_server, dkim_key_file, tamper
):
    """A second verifier in another language (Mail::DKIM), finding the key by a DNS query."""
    if (
        not shutil.which("perl")
        or subprocess.run(
            ["perl", "-MMail::DKIM::Verifier", "-e", "1"], capture_output=True
        ).returncode
    ):
        if os.environ.get("PORTAL_REQUIRE_MAILSERVERS") == "1":
            pytest.fail("Mail::DKIM is not installed (apt-get install libmail-dkim-perl)")
        pytest.skip("Mail::DKIM is not installed (apt-get install libmail-dkim-perl)")
    queue(signing_app, 1, category=MailCategory.NEWSLETTER, headers=ONE_CLICK)
    deliver(signing_app)
    raw = smtp_server.messages[0].raw
    if tamper:
        raw = raw.replace(b"newsletter/u/abc", b"newsletter/u/abd")
    name = f"{SELECTOR}._domainkey.{DOMAIN}"
    record = dns_for(dkim_key_file)(f"{name}.".encode())
    with TxtServer({name: record}) as server:
        result = subprocess.run(
            ["perl", str(Path(__file__).with_name("verify_dkim.pl")), str(server.port)],
            input=raw,
            capture_output=True,
            timeout=30,
        )
    output = result.stdout.decode()
    if tamper:
        assert output.startswith("fail") and result.returncode == 1, output
    else:
        assert output.startswith("pass") and result.returncode == 0, output + result.stderr.decode()


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"\r\n",
        b"Easy  runs,\t\tthen strides. \r\n\r\n\r\n",
        b"Foam roller\r\n \t \r\n",
        b"  indented\r\n\tand tabbed\t\r\n",
        b"no final line break",
    ],
)
def test_bodies_of_every_shape_verify(dkim_key_file, body):
    """Relaxed body canonicalisation on whitespace the composer rarely writes."""
    key = DkimKey(SELECTOR, DOMAIN, load_private_key(str(dkim_key_file)))
    raw = (
        b"From: Massage Works <hello@massageworks.example>\r\nTo: runner@example.com\r\n"
        b"Subject:  Taper \t week \r\nDate: Mon, 07 Dec 2026 09:00:00 +0000\r\n"
        b"Message-ID: <shape@massageworks.example>\r\n\r\n" + body
    )
    assert dkim.verify(sign(raw, key), dnsfunc=dns_for(dkim_key_file))
    assert not dkim.verify(sign(raw, key) + b"tampered\r\n", dnsfunc=dns_for(dkim_key_file))
