"""Request ids and the access log; the worker's line for a message names its request."""

from __future__ import annotations

import io
import json
import logging
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import OutboxMessage
from portal.web.request_log import JsonFormatter, RequestIdFilter
from tests.fixtures.mail import deliver, wait_until


@contextmanager
def json_lines(logger_name: str):  # type: ignore[no-untyped-def]
    """The JSON lines ``logger_name`` writes meanwhile (the production format)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger(logger_name)
    logger.addHandler(handler)
    previous = logger.level
    logger.setLevel(logging.DEBUG)
    lines: list[dict] = []
    try:
        yield lines
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)
        lines.extend(json.loads(line) for line in stream.getvalue().splitlines())


def test_every_response_names_its_request(client):
    first = client.get("/").headers["X-Request-ID"]
    second = client.get("/").headers["X-Request-ID"]
    assert len(first) == 16 and first != second


@pytest.mark.parametrize(
    ("offered", "kept"),
    [("edge-4f9c2a1b77", True), ("short", False), ("has space in it", False), ("x" * 65, False)],
)
def test_a_proxys_request_id_is_kept_only_when_it_is_a_plain_token(client, offered, kept):
    answered = client.get("/", headers={"X-Request-ID": offered}).headers["X-Request-ID"]
    assert (answered == offered) is kept


@pytest.mark.config(ACCESS_LOG=True)
def test_one_access_line_per_request_with_the_token_redacted(client):
    with json_lines("portal.access") as lines:
        response = client.get("/reset-password/SECRET-TOKEN-123?x=1")
    (line,) = lines
    assert line["request_id"] == response.headers["X-Request-ID"]
    assert line["method"] == "GET" and line["status"] == response.status_code
    assert line["path"] == "/reset-password/[redacted]?x=1"
    assert "SECRET-TOKEN-123" not in json.dumps(line)
    assert line["duration_ms"] >= 0 and line["level"] == "info"


def test_no_access_lines_unless_switched_on(client):
    with json_lines("portal.access") as lines:
        client.get("/")
    assert lines == []


def test_mail_queued_by_a_request_is_logged_with_its_request_id(app, client, make_user):
    make_user("rosa@example.com")
    request_id = client.post("/reset-password", data={"email": "rosa@example.com"}).headers[
        "X-Request-ID"
    ]
    with app.app_context():
        row = db.session.scalars(sa.select(OutboxMessage)).one()
        assert row.request_id == request_id

    with json_lines("portal.mail.delivery") as lines:
        deliver(app)
    sent = [line for line in lines if line["message"].startswith("sent outbox row")]
    assert [(line["outbox_id"], line["request_id"]) for line in sent] == [(row.id, request_id)]


@pytest.mark.slow
def test_a_real_workers_log_line_names_the_request(app, client, make_user, worker_processes):
    worker = worker_processes.start()
    make_user("rosa@example.com")
    request_id = client.post("/reset-password", data={"email": "rosa@example.com"}).headers[
        "X-Request-ID"
    ]
    worker_processes.request_delivery()

    def logged() -> bool:
        return any(
            json.loads(line).get("request_id") == request_id
            for line in worker_processes.log(worker).splitlines()
            if line.startswith("{")
        )

    wait_until(logged, 30, f"no line with the request id:\n{worker_processes.log(worker)}")
    line = next(
        json.loads(text)
        for text in worker_processes.log(worker).splitlines()
        if text.startswith("{") and json.loads(text).get("request_id") == request_id
    )
    assert line["message"].startswith("sent outbox row") and line["template"] == "reset_password"
