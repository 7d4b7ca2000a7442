"""``flask --app wsgi worker`` and ``flask --app wsgi mail …``."""

from __future__ import annotations

import gc
import logging

import click
from flask import Flask
from flask.cli import with_appcontext

from portal.extensions import db
from portal.web.request_log import configure_logging


@click.command("worker")
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Sending processes (default: MAIL_WORKERS).",
)
@click.option(
    "--worker-type",
    type=click.Choice(["process", "thread"]),
    default="process",
    show_default=True,
)
@with_appcontext
def worker(workers: int | None, worker_type: str) -> None:
    """Run the background worker in the foreground (Ctrl-C stops it after the current batch)."""
    from portal.mail.queue import current_flask_app, mail_queue

    app = current_flask_app()
    if workers:
        app.config["MAIL_WORKERS"] = workers  # each process paces itself to its share
    queue = mail_queue(app)
    if queue.huey.immediate:
        raise click.ClickException("HUEY_IMMEDIATE is set: tasks run inline, not in a worker")
    configure_logging(app.config["LOG_LEVEL"], app.config["LOG_FORMAT"], ("portal", "huey"))
    logging.getLogger("huey").setLevel(logging.WARNING)  # not a line per task run
    logging.getLogger("huey.consumer").setLevel(logging.INFO)  # but starting and stopping
    where = "the development mailbox" if not app.config["MAIL_SERVER"] else "SMTP"
    click.echo(f"worker: {app.config['MAIL_WORKERS']} {worker_type}(es), mail to {where}")
    consumer = queue.huey.create_consumer(
        workers=app.config["MAIL_WORKERS"],
        worker_type=worker_type,
        periodic=True,
        initial_delay=0.05,
        backoff=1.5,
        max_delay=0.1,  # an idle process looks at the queue 10 times a second
    )
    queue.sweep()  # whatever was queued, or left behind, while no worker ran
    db.engine.dispose()  # children open their own connections
    _share_memory_with_children()
    consumer.run()


def _share_memory_with_children() -> None:
    """Keep the app's objects shared between the forked sending processes (``gc.freeze``).

    Each sending process inherits the parent's 100 MB of modules and objects copy-on-write.
    Python's cyclic garbage collector writes to every object it examines, so each full
    collection in a child copies those pages: over a long campaign every sending process
    ends up with its own 50 MB copy (measured: whole-worker PSS 148 MB after 10,000 rows,
    236 MB after 100,000, with unchanged RSS). Frozen objects are never examined again.
    """
    gc.collect()
    gc.freeze()


@click.group("mail")
def mail_group() -> None:
    """The outbox."""


@mail_group.command("deliver")
@with_appcontext
def deliver_now() -> None:
    """Deliver everything due now, in this process, without a worker."""
    from portal.mail.delivery import deliver_due_mail
    from portal.mail.queue import current_flask_app

    app = current_flask_app()
    report = deliver_due_mail(app)
    click.echo(
        f"sent {report.sent}, retrying {report.retrying}, failed {report.failed}, "
        f"suppressed {report.suppressed}"
    )


def register(app: Flask) -> None:
    app.cli.add_command(worker)
    app.cli.add_command(mail_group)
