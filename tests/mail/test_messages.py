"""What arrives at the SMTP server: headers, both parts, and no header injection."""

from __future__ import annotations

import email.utils
from email import message_from_bytes, policy

import pytest

from portal.mail.compose import RenderedEmail, Sender, compose, header_text
from tests.fixtures.mail import deliver, queue, rows

EXPECTED_HEADERS = ["From", "To", "Subject", "Date", "Message-ID", "MIME-Version", "Content-Type"]


def test_every_message_has_the_practice_sender_an_id_a_date_and_two_parts(smtp_app, smtp_server):
    queue(smtp_app, 1)
    deliver(smtp_app)

    (received,) = smtp_server.messages
    message = received.message
    assert message.keys() == EXPECTED_HEADERS
    assert message["From"] == "Massage Works <hello@massageworks.example>"
    assert received.mail_from == "hello@massageworks.example"
    assert message["To"] == "A Runner <runner0@example.com>"
    assert message["Message-ID"] == rows(smtp_app)[0].message_id
    assert message["Message-ID"].endswith("@massageworks.example>")
    assert email.utils.parsedate_to_datetime(message["Date"]).tzinfo is not None
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "Hello A Runner," in text and "https://massageworks.example/x" in text
    assert '<a href="https://massageworks.example/x" class="button"' in html


@pytest.mark.parametrize(
    ("name", "subject"),
    [
        ("Eve\r\nBcc: victim@example.org", "Hi\r\nBcc: victim@example.org"),
        ("Eve\nX-Injected: yes", "Hi\n\nX-Injected: yes\n\nbody"),
        ("Eve\rX-Injected: yes", "Hi\r X-Injected: yes"),
        ("Eve\u2028X-Injected: yes", "Hi\x85X-Injected: yes\x00"),
    ],
)
def test_names_and_subjects_cannot_add_headers(smtp_app, smtp_server, name, subject):
    queue(smtp_app, 1, to_name=name, subject=subject)
    deliver(smtp_app)

    (received,) = smtp_server.messages
    message = received.message
    assert message.keys() == EXPECTED_HEADERS
    assert received.recipients == ["runner0@example.com"]
    assert "\n" not in message["To"] and "\n" not in message["Subject"]
    assert message["Subject"] == header_text(subject)
    assert message["To"].addresses[0].addr_spec == "runner0@example.com"
    assert message["To"].addresses[0].display_name == header_text(name)
    head = received.raw.split(b"\r\n\r\n", 1)[0]
    assert b"\nBcc" not in head and b"\nX-Injected" not in head


def test_non_ascii_names_and_long_subjects_are_encoded_and_come_back_intact(smtp_app, smtp_server):
    subject = "Zoë's 10 km plan — " + "easy runs, strides and one long run each week " * 3
    queue(smtp_app, 1, to_name="Zoë Ångström", subject=subject)
    deliver(smtp_app)

    message = smtp_server.messages[0].message
    assert message["Subject"] == header_text(subject)
    assert message["To"].addresses[0].display_name == "Zoë Ångström"
    assert all(len(line) <= 78 for line in smtp_server.messages[0].raw.split(b"\r\n"))


def test_per_message_headers_are_added(smtp_app, smtp_server):
    unsubscribe = "<https://massageworks.example/newsletter/unsubscribe/abc>"
    headers = {
        "List-Unsubscribe": unsubscribe,
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    queue(smtp_app, 1, headers=headers)
    deliver(smtp_app)

    message = smtp_server.messages[0].message
    assert message["List-Unsubscribe"] == unsubscribe
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_the_composer_round_trips_awkward_bodies_exactly():
    text = "Line one\n.\n..starts with dots\nFrom here\ttab \ntrailing space \n" + "x" * 300
    html = "<p>Zoë — café</p>\n" + "<p>" + "long line " * 100 + "</p>"
    raw = compose(
        RenderedEmail(
            to_address="a@example.com",
            to_name=None,
            subject="Test",
            text=text,
            html=html,
            message_id="<1@example.com>",
        ),
        sender=Sender.parse("Massage Works <hello@massageworks.example>"),
        date=0,
    )

    parsed = message_from_bytes(raw, policy=policy.strict)
    assert parsed["To"] == "a@example.com"

    def content(kind: str) -> str:
        return parsed.get_body((kind,)).get_content().replace("\r\n", "\n")

    assert content("plain") == text + "\n"
    assert content("html") == html + "\n"
    assert all(len(line) <= 78 for line in raw.split(b"\r\n"))
    assert b"\n" not in raw.replace(b"\r\n", b"")


def test_bodies_with_dot_lines_survive_a_real_smtp_exchange(smtp_app, smtp_server):
    queue(smtp_app, 1, context={"name": "A\n.\nRunner", "link": ".\n..\n"})
    deliver(smtp_app)

    text = smtp_server.messages[0].message.get_body(("plain",)).get_content()
    text = text.replace("\r\n", "\n")  # the parser keeps the wire's line endings
    assert "Hello A\n.\nRunner," in text
    assert "\n.\n..\n" in text
