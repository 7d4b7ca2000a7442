"""The blog's periodic work, on the worker (``portal.core.tasks``).

- ``announce_articles`` (every minute): scheduled articles whose time has come are
  announced (``article_published``, once each). Their *visibility* needs no task: the
  public queries treat a due scheduled article as published.
- ``comment_digest`` (every ``COMMENT_DIGEST_MINUTES``): one email to each staff account
  about newly held comments.
"""

from __future__ import annotations

import logging

from flask import Flask
from huey import Huey, crontab

from portal.blog.notifications import send_held_digest
from portal.blog.posts import announce_due_articles
from portal.core.tasks import feature_tasks
from portal.extensions import db

log = logging.getLogger(__name__)


@feature_tasks
def register_blog_tasks(huey: Huey, app: Flask) -> None:
    @huey.periodic_task(crontab(), name="announce_articles")
    def announce_articles() -> None:
        with app.app_context():
            announced = announce_due_articles()
            db.session.commit()
            if announced:
                log.info("announced articles %s", announced)

    minutes = max(1, min(59, int(app.config["COMMENT_DIGEST_MINUTES"])))

    @huey.periodic_task(crontab(minute=f"*/{minutes}"), name="comment_digest")
    def comment_digest() -> None:
        with app.app_context():
            count = send_held_digest()
            db.session.commit()
            if count:
                log.info("comment digest: %d held comments", count)
