"""Tokens in links never reach the access log."""

from __future__ import annotations

import logging

import pytest

from portal.web.log_redaction import RedactTokens, redact


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


def test_gunicorn_access_atoms_are_redacted_and_the_line_still_formats(app, caplog):
    """gunicorn's access logger passes one mapping of atoms; every one may carry a token."""
    logger = logging.getLogger("gunicorn.access")
    assert any(isinstance(f, RedactTokens) for f in logger.filters)
    atoms = {
        "h": "127.0.0.1",
        "r": "GET /reset-password/SECRET1?token=SECRET2 HTTP/1.1",
        "U": "/newsletter/unsubscribe/SECRET3",
        "q": "token=SECRET4&x=1",
        "f": "https://portal.example/register/confirm/SECRET5",
        "{referer}i": "https://portal.example/invitation/SECRET6",
        "s": "200",
    }
    with caplog.at_level(logging.INFO, logger="gunicorn.access"):
        logger.info('%(h)s "%(r)s" %(U)s %(q)s "%(f)s" "%({referer}i)s" %(s)s', atoms)
    assert "SECRET" not in caplog.text
    assert '"GET /reset-password/[redacted]?token=[redacted] HTTP/1.1"' in caplog.text
    assert "token=[redacted]&x=1" in caplog.text


def test_gunicorn_error_logger_is_redacted(app, caplog):
    logger = logging.getLogger("gunicorn.error")
    with caplog.at_level(logging.ERROR, logger="gunicorn.error"):
        logger.error("Error handling request %s", "/reset-password/SECRET7")
    assert "SECRET7" not in caplog.text
