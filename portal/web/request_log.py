"""One log line per request, and a request id that follows the work the request causes.

Every request gets an id: the proxy's ``X-Request-ID`` when it is a plain token, else a new
random one. It is sent back in the ``X-Request-ID`` response header, carried by every log
record made while the request runs, and stored on each outbox row the request queues, so
the worker's line for that message carries the same id: one ``grep`` finds a password reset
from the click to the SMTP server's answer.

``LOG_FORMAT=json`` writes one JSON object per line (for a log collector), ``text`` a
readable line. Paths are logged with their one-time tokens redacted (``portal.web.log_redaction``).
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import secrets
import sys
import time
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, current_app, g, request
from flask.logging import default_handler

from portal.web.log_redaction import redact

REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
_FROM_PROXY = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_QUIET_PATHS = ("/healthz", "/readyz", "/static/")  # load balancer probes and assets: debug only
# Fields a record may carry (``extra=``) that the JSON lines include.
FIELDS = (
    "method",
    "path",
    "status",
    "duration_ms",
    "remote_addr",
    "outbox_id",
    "template",
    "event",
    "user_id",
    "details",
)

access_log = logging.getLogger("portal.access")


def current_request_id() -> str | None:
    return REQUEST_ID.get()


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record (``-`` outside a request or a worker's message)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get() or "-"
        return True


_ENCODER = json.JSONEncoder(ensure_ascii=False)  # made once: json.dumps makes one per call


class JsonFormatter(logging.Formatter):
    """One JSON object per record. It runs for every request's access line, so the time's
    date and seconds are formatted once per second, not once per line."""

    _second: tuple[int, str] = (-1, "")

    def _time(self, created: float) -> str:
        second = int(created)
        if self._second[0] != second:
            stamp = datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S")
            self._second = (second, stamp)
        return f"{self._second[1]}.{int((created - second) * 1000):03d}+00:00"

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self._time(record.created),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        given = record.__dict__
        for name in FIELDS:
            value = given.get(name)
            if value is not None:
                entry[name] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return _ENCODER.encode(entry)


class _TextFormatter(logging.Formatter):
    """A readable line, with the request id in brackets."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")


def configure_logging(
    level: str = "INFO", fmt: str = "text", names: tuple[str, ...] = ("portal",)
) -> None:
    """Send the records of the loggers ``names`` (and below) to stderr, once per process.

    Neither format shows where a call was made from or which thread made it, so the
    records skip collecting that (the logging HOWTO's "Optimization"): the caller's frame
    lookup is a large part of the access line's cost on every request. The
    process id stays: other handlers in the same process (gunicorn's ``[%(process)d]``)
    format it, and a record without one turns each of their lines into a logging error.
    """
    logging._srcfile = None  # noqa: SLF001 (the logging HOWTO's documented switch)
    logging.logThreads = logging.logMultiprocessing = False
    handler = _StderrHandler()
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter() if fmt == "json" else _TextFormatter())
    for name in names:
        logger = logging.getLogger(name)
        if name == "portal":
            logger.setLevel(level.upper())
        logger.removeHandler(default_handler)  # Flask's own, on the app's logger
        if not any(
            isinstance(h.formatter, JsonFormatter | _TextFormatter) for h in logger.handlers
        ):
            logger.addHandler(handler)


class _StderrHandler(logging.StreamHandler[Any]):
    """Writes to whatever ``sys.stderr`` is when a record comes (as ``logging.lastResort``
    does), not to the stream of the moment the handler was made."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def init_app(app: Flask) -> None:
    configure_logging(app.config["LOG_LEVEL"], app.config["LOG_FORMAT"])
    app.before_request(_start)
    app.after_request(_finish)
    app.teardown_request(_forget)


def _start() -> None:
    offered = request.headers.get("X-Request-ID", "")
    request_id = offered if _FROM_PROXY.match(offered) else secrets.token_hex(8)
    g.request_token = REQUEST_ID.set(request_id)
    g.request_started = time.perf_counter()


def _finish(response: Response) -> Response:
    request_id = REQUEST_ID.get()
    if request_id:
        response.headers["X-Request-ID"] = request_id
    started = g.get("request_started")
    if started is not None and current_app.config["ACCESS_LOG"]:
        quiet = request.path.startswith(_QUIET_PATHS)
        level = logging.DEBUG if quiet else logging.INFO
        if access_log.isEnabledFor(level):  # the redaction and the record only when written
            method, path, status = (
                request.method,
                redact(request.full_path.rstrip("?")),
                response.status_code,
            )
            access_log.log(
                level,
                "%s %s %s",
                method,
                path,
                status,
                extra={
                    "method": method,
                    "path": path,
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                    "remote_addr": request.remote_addr,
                },
            )
    return response


def _forget(_error: BaseException | None) -> None:
    token = g.pop("request_token", None)
    if token is not None:
        REQUEST_ID.reset(token)
