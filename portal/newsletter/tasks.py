"""The newsletter's periodic tasks, run by ``flask worker`` (``portal.core.tasks``).

- every minute: queue scheduled campaigns whose time has come; hold rows of paused
  campaigns that a worker gave back after the pause;
- every 15 minutes: queue the training tips that are due (the scheduler itself waits for
  ``TIPS_SEND_HOUR`` in the practice's time zone, and sends each step once);
- hourly: delete unconfirmed subscriptions older than ``NEWSLETTER_PENDING_DAYS``.
"""

from __future__ import annotations

import logging

from flask import Flask
from huey import Huey, crontab

from portal.core.tasks import feature_tasks
from portal.extensions import db
from portal.newsletter import campaigns, subscriptions, tips

log = logging.getLogger(__name__)


@feature_tasks
def register(huey: Huey, app: Flask) -> None:
    @huey.periodic_task(crontab(), name="newsletter_dispatch")
    def newsletter_dispatch() -> None:
        with app.app_context():
            try:
                dispatched = campaigns.dispatch_scheduled()
                held = campaigns.hold_paused_campaigns()
                db.session.commit()
            finally:
                db.session.remove()
            if dispatched or held:
                log.info("newsletter: queued campaigns %s, held %d rows", dispatched, held)

    @huey.periodic_task(crontab(minute="*/15"), name="newsletter_tips")
    def newsletter_tips() -> None:
        with app.app_context():
            try:
                run = tips.send_due_tips()
                db.session.commit()
            finally:
                db.session.remove()
            if run.queued:
                log.info("newsletter: %d tips queued for %s", run.queued, run.day)

    @huey.periodic_task(crontab(minute="7"), name="newsletter_expire_pending")
    def newsletter_expire_pending() -> None:
        with app.app_context():
            try:
                removed = subscriptions.expire_pending()
                db.session.commit()
            finally:
                db.session.remove()
            if removed:
                log.info("newsletter: %d unconfirmed subscriptions expired", removed)
