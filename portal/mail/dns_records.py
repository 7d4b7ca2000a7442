"""The DNS records a practice publishes so its mail is believed: SPF, DKIM and DMARC.

``flask --app wsgi mail dns`` prints them in zone-file syntax for the sending domain (the
domain of the From address in the practice settings) and, when the envelope sender
(``MAIL_BOUNCE_ADDRESS``) is on another domain, the SPF record of that one too: SPF checks
the envelope sender's domain, DMARC wants it (or the DKIM ``d=``) to match the From
domain. docs/deploy.md explains each record.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask

from portal.mail.signing import signing_key

# A TXT record is a list of strings of at most 255 characters each; resolvers join them.
_TXT_CHUNK = 250


@dataclass(frozen=True)
class Record:
    name: str
    value: str
    purpose: str

    def zone_line(self) -> str:
        chunks = [self.value[i : i + _TXT_CHUNK] for i in range(0, len(self.value), _TXT_CHUNK)]
        quoted = " ".join(f'"{chunk}"' for chunk in chunks)
        return f"{self.name}. 3600 IN TXT {quoted}"


def records(app: Flask, sender_address: str) -> list[Record]:
    """The records for mail from ``sender_address`` with the app's settings."""
    domain = sender_address.rpartition("@")[2].lower()
    spf = f"v=spf1 {app.config['MAIL_SPF']} ~all"
    found = [Record(domain, spf, "SPF: the hosts allowed to send for the domain")]
    bounce_domain = (app.config.get("MAIL_BOUNCE_ADDRESS") or "").rpartition("@")[2].lower()
    if bounce_domain and bounce_domain != domain:
        found.append(Record(bounce_domain, spf, "SPF of the envelope sender's domain"))
    key = signing_key(app, domain)
    if key is not None:
        found.append(
            Record(
                f"{key.selector}._domainkey.{key.domain}",
                key.public_record(),
                "DKIM: the public key of DKIM_PRIVATE_KEY_FILE",
            )
        )
    reports = app.config.get("MAIL_DMARC_REPORTS") or f"postmaster@{domain}"
    dmarc = f"v=DMARC1; p=quarantine; adkim=r; aspf=r; rua=mailto:{reports}"
    found.append(Record(f"_dmarc.{domain}", dmarc, "DMARC: what receivers do with mail that fails"))
    return found
