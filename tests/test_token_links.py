"""One registry of links that carry a secret, shared by the access log and the mailbox."""

from __future__ import annotations

import re

import pytest

from portal.web import token_links
from portal.web.token_links import redact, register_token_route, token_route_prefixes


def test_every_route_with_a_token_in_its_path_is_registered(app):
    """A blueprint that adds ``…/<token>`` must register it, or logs and the mailbox show it."""
    prefixes = token_route_prefixes()
    token_rules = [
        rule.rule for rule in app.url_map.iter_rules() if re.search(r"<(?:\w+:)?token>", rule.rule)
    ]
    assert "/reset-password/<token>" in token_rules
    for rule in token_rules:
        prefix = rule[: rule.index("<")]
        assert prefix in prefixes, f"{rule}: call register_token_route({prefix!r})"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '<a href="https://x.example/invitation/Ab-9_z">https://x.example/invitation/Ab-9_z</a>',
            '<a href="https://x.example/invitation/[redacted]">'
            "https://x.example/invitation/[redacted]</a>",
        ),
        (
            "Link: http://h/register/confirm/tok.en\nBye",
            "Link: http://h/register/confirm/[redacted]\nBye",
        ),
        (
            'href="/portal/calendar.ics?a=1&amp;token=9.mac"',
            'href="/portal/calendar.ics?a=1&amp;token=[redacted]"',
        ),
        ("/staff/clients/5/invitation", "/staff/clients/5/invitation"),
    ],
)
def test_redact_in_text_and_html(app, text, expected):
    assert redact(text) == expected


def test_a_blueprint_registers_its_own_token_routes(monkeypatch):
    monkeypatch.setattr(token_links, "_route_prefixes", set(token_links._route_prefixes))  # noqa: SLF001
    monkeypatch.setattr(token_links, "_patterns", None)
    assert redact("/example/confirm/secret") == "/example/confirm/secret"
    register_token_route("/example/confirm/")
    assert redact("GET /example/confirm/secret?x=1") == "GET /example/confirm/[redacted]?x=1"
    with pytest.raises(ValueError, match="starts and ends with '/'"):
        register_token_route("/example/confirm")
