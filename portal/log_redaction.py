"""Keep one-time tokens out of access logs.

Links in account emails carry their token in the path (``/reset-password/<token>``…). The
development server and gunicorn log every request line; this filter replaces the token with
``[redacted]`` before a line is written, so a log file never holds a usable link.
"""

from __future__ import annotations

import logging
import re

TOKEN_PATHS = re.compile(
    r"(/(?:reset-password|invitation|register/confirm|account/email/confirm"
    r"|blog/notifications/confirm|blog/notifications/stop)/)[^\s/?\"']+"
)
CALENDAR_TOKEN = re.compile(r"([?&]token=)[^\s&\"']+")
ACCESS_LOGGERS = ("werkzeug", "gunicorn.access")


def redact(text: str) -> str:
    return CALENDAR_TOKEN.sub(r"\1[redacted]", TOKEN_PATHS.sub(r"\1[redacted]", text))


class RedactTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if record.args:
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in args)
        return True


def install() -> None:
    """Add the filter to the access loggers once per process."""
    for name in ACCESS_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactTokens) for f in logger.filters):
            logger.addFilter(RedactTokens())
