"""``flask --app wsgi newsletter send ID`` and ``newsletter status ID``, for operators."""

from __future__ import annotations

import time

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from portal.extensions import db
from portal.models import Campaign
from portal.newsletter import campaigns


@click.group("newsletter")
def newsletter_group() -> None:
    """Newsletter campaigns."""


def _campaign(campaign_id: int) -> Campaign:
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        raise click.ClickException(f"no campaign {campaign_id}")
    return campaign


@newsletter_group.command("send")
@click.argument("campaign_id", type=click.IntRange(min=1, max=2**31 - 1))
@click.option(
    "--here",
    is_flag=True,
    help="Deliver in this process instead of waiting for `flask worker` to do it.",
)
@click.option("--poll", type=click.FloatRange(min=0.05), default=0.5, show_default=True)
@with_appcontext
def send(campaign_id: int, here: bool, poll: float) -> None:
    """Queue a campaign now (unless it is queued already) and follow it until the last
    message is sent: the bar counts outbox rows that are sent, failed or suppressed."""
    campaign = _campaign(campaign_id)
    mailing = campaign.mailing
    if campaign.is_editable:
        queued = campaigns.queue(campaign)
        db.session.commit()
        click.echo(f"queued {queued} messages for campaign {campaign_id}")
    else:
        click.echo(f"campaign {campaign_id} is already {campaign.status}; following it")
    progress = campaigns.progress(mailing)
    db.session.rollback()
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # noqa: SLF001
    with click.progressbar(length=progress.total, label="sent", show_pos=True) as bar:
        shown = 0
        while True:
            if here:
                from portal.mail.delivery import deliver_batch
                from portal.mail.pacing import Pacer

                deliver_batch(app, pacer=Pacer(app.config["MAIL_RATE_PER_SECOND"]))
            progress = campaigns.progress(mailing)
            db.session.rollback()
            bar.update(progress.done - shown)
            shown = progress.done
            if progress.unfinished == 0 or progress.counts["paused"] == progress.unfinished:
                break
            if not here:
                time.sleep(poll)
    _print_counts(progress.counts)
    if progress.counts["paused"]:
        click.echo("the campaign is paused: paused messages wait for `resume` in the back office")


def _print_counts(counts: dict[str, int]) -> None:
    click.echo(", ".join(f"{state} {count}" for state, count in counts.items()))


@newsletter_group.command("status")
@click.argument("campaign_id", type=click.IntRange(min=1, max=2**31 - 1))
@with_appcontext
def status(campaign_id: int) -> None:
    """A campaign's state and its messages by status."""
    campaign = _campaign(campaign_id)
    click.echo(f"campaign {campaign.id}: {campaign.subject}")
    when = campaign.queued_at or campaign.scheduled_for
    click.echo(f"status: {campaign.status}" + (f" ({when:%Y-%m-%d %H:%M} UTC)" if when else ""))
    if not campaign.is_editable:
        _print_counts(campaigns.progress(campaign.mailing).counts)


def register(app: Flask) -> None:
    app.cli.add_command(newsletter_group)
