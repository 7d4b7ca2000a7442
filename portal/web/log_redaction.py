"""Keep one-time tokens out of access logs.

Links in account emails carry their token in the path (``/reset-password/<token>``…). The
development server and gunicorn log every request line; this filter replaces the token with
``[redacted]`` before a line is written, so a log file never holds a usable link. Which paths
carry a token is the one registry in ``portal.web.token_links``, which blueprints extend.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from portal.web.token_links import redact

# gunicorn.error too: gunicorn names the request's URI when a request fails
# ("Error handling request /reset-password/…").
ACCESS_LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error")


class RedactTokens(logging.Filter):
    """Redacts the message and its arguments, positional (werkzeug) or a mapping.

    gunicorn's access logger passes one mapping of "atoms" (``r`` the request line, ``U`` the
    path, ``q`` the query string without its ``?``, ``f`` the Referer, ``{name}i`` request
    headers…). A filter that wrapped that mapping in a tuple broke the line: logging then
    reported a formatting error on stderr with the raw arguments, tokens included.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        args = record.args
        if isinstance(args, Mapping):
            record.args = {key: _redacted(value) for key, value in args.items()}
        elif isinstance(args, tuple):
            record.args = tuple(_redacted(value) for value in args)
        return True


def _redacted(value: object) -> object:
    return redact(value) if isinstance(value, str) else value


def install() -> None:
    """Add the filter to the access loggers once per process."""
    for name in ACCESS_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactTokens) for f in logger.filters):
            logger.addFilter(RedactTokens())
