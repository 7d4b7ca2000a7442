"""Tokens in links never reach the access log."""

from __future__ import annotations

import logging

import pytest

from portal.log_redaction import RedactTokens, redact


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            '"GET /reset-password/AbC-123_x HTTP/1.1" 200 -',
            '"GET /reset-password/[redacted] HTTP/1.1" 200 -',
        ),
        (
            '"POST /invitation/tok_en HTTP/1.1" 302 -',
            '"POST /invitation/[redacted] HTTP/1.1" 302 -',
        ),
        ("GET /register/confirm/xyz?next=/", "GET /register/confirm/[redacted]?next=/"),
        ("GET /account/email/confirm/xyz", "GET /account/email/confirm/[redacted]"),
        ("GET /portal/calendar.ics?token=12.abcdef", "GET /portal/calendar.ics?token=[redacted]"),
        ("GET /portal/sessions/12", "GET /portal/sessions/12"),
    ],
)
def test_redact(app, line, expected):
    # ``app``: the blueprints register their token routes when they are imported.
    assert redact(line) == expected


def test_the_filter_is_on_the_werkzeug_logger_and_redacts_arguments(app, caplog):
    assert any(isinstance(f, RedactTokens) for f in logging.getLogger("werkzeug").filters)
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        logging.getLogger("werkzeug").info(
            '%s - - "%s" %s', "127.0.0.1", "GET /reset-password/SECRET123 HTTP/1.1", "200"
        )
    assert "SECRET123" not in caplog.text
    assert "/reset-password/[redacted]" in caplog.text
