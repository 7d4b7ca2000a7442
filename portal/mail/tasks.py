"""The worker's tasks. They decide when to run delivery; ``portal.mail.delivery`` does it.

``deliver_mail`` sends one batch. When the batch came back full there is probably more, so
before sending it queues another ``deliver_mail``: with N worker processes, N batches go out
side by side over N SMTP connections. One batch per task keeps a graceful stop short.

``apply_mail_retention`` runs nightly (``portal.mail.retention``).

``sweep_outbox`` runs every minute, and also at the moment the next retry comes due or the
next lease runs out (scheduled by a batch that found the outbox drained): it gives back
rows of dead workers and starts delivery if anything is due. A sweep never schedules
another sweep, so wake-ups cannot pile up.
"""

from __future__ import annotations

import logging
import os
import threading

import redis
from flask import Flask
from huey import Huey, crontab
from huey.api import TaskWrapper

from portal.extensions import db
from portal.mail.claim import due_count, next_wake_up, release_expired_leases
from portal.mail.delivery import BatchReport, deliver_batch
from portal.mail.pacing import Pacer, SharedPacer
from portal.mail.retention import apply_retention
from portal.models.types import utcnow

log = logging.getLogger(__name__)

_pacers: dict[tuple[object, ...], Pacer] = {}


def sending_pacer(app: Flask) -> Pacer:
    """One pacer per sending process or thread.

    With Redis, ``MAIL_RATE_PER_SECOND`` is the rate of the whole deployment: every process
    of every worker host takes its slots from one schedule (``SharedPacer``). Without it,
    each ``flask worker`` keeps the rate, shared equally by its processes.
    """
    rate = app.config["MAIL_RATE_PER_SECOND"]
    workers = max(1, app.config["MAIL_WORKERS"])
    key = (os.getpid(), threading.get_ident(), rate, workers, app.config.get("REDIS_URL"))
    if key not in _pacers:
        if rate and app.config.get("REDIS_URL"):
            client = redis.Redis.from_url(app.config["REDIS_URL"])
            key_name = f"{app.config['HUEY_NAME']}:mail:next-slot"
            _pacers[key] = SharedPacer(rate, client, key=key_name, sharing=workers)
        else:
            _pacers[key] = Pacer(rate / workers if rate else None)
    return _pacers[key]


def register_tasks(huey: Huey, app: Flask) -> tuple[TaskWrapper, TaskWrapper]:
    @huey.task(name="deliver_mail")
    def deliver_mail() -> None:
        def fan_out(report: BatchReport) -> None:
            if report.full and not huey.immediate:
                deliver_mail()

        with app.app_context():
            report = deliver_batch(app, pacer=sending_pacer(app), on_claimed=fan_out)
            if report.claimed:
                log.info("batch: %s", report)
            if not report.full:
                schedule_wake_up()

    @huey.periodic_task(crontab(), name="sweep_outbox")
    def sweep_outbox() -> None:
        with app.app_context(), db.engine.connect() as conn:
            now = utcnow()
            released = release_expired_leases(conn, now=now)
            if released:
                log.warning("gave back %d outbox rows whose worker stopped", released)
            if due_count(conn, now=now):
                deliver_mail()

    @huey.periodic_task(crontab(minute="17", hour="3"), name="apply_mail_retention")
    def apply_mail_retention() -> None:
        with app.app_context(), db.engine.connect() as conn:
            report = apply_retention(app, conn, now=utcnow())
            log.info("retention: %s", report)

    def schedule_wake_up() -> None:
        if huey.immediate:
            return
        now = utcnow()
        with db.engine.connect() as conn:
            when = next_wake_up(conn, now=now)
        if when is not None:
            # A moment late, so the lease has surely ended when the sweep looks.
            sweep_outbox.schedule(delay=max(1.0, (when - now).total_seconds() + 0.5))

    @huey.on_startup()
    def forget_inherited_connections() -> None:
        # A forked worker must not use the database connections of the process it came from.
        with app.app_context():
            db.engine.dispose(close=False)

    return deliver_mail, sweep_outbox
