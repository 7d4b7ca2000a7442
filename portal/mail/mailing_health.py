"""Bounces and complaints per mailing (a campaign's rows), and when they call for a warning.

Mailbox providers judge a sender by the share of its mail that bounces or is reported as
spam: Gmail's sender guidelines ask to stay under 0.3% complaints, and providers commonly
throttle or block above 5% bounces. The back office shows both rates for each campaign
and warns past those thresholds, so the practice cleans its list before the next one.

- bounces: rows that failed at SMTP (``failed``) and rows reported later as hard bounces,
  out of the rows attempted (``sent`` + ``failed``);
- complaints: rows reported by a feedback loop, out of the rows ``sent``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa

from portal.extensions import db
from portal.models.outbox import OutboxMessage, OutboxStatus
from portal.models.suppression import BounceKind, BounceReport

COMPLAINT_RATE_LIMIT = 0.003
BOUNCE_RATE_LIMIT = 0.05


@dataclass(frozen=True)
class MailingHealth:
    sent: int = 0
    failed: int = 0
    hard_bounces: int = 0
    soft_bounces: int = 0
    complaints: int = 0

    @property
    def bounces(self) -> int:
        return self.failed + self.hard_bounces

    @property
    def bounce_rate(self) -> float:
        attempted = self.sent + self.failed
        return self.bounces / attempted if attempted else 0.0

    @property
    def complaint_rate(self) -> float:
        return self.complaints / self.sent if self.sent else 0.0

    @property
    def warnings(self) -> list[str]:
        found = []
        if self.complaint_rate > COMPLAINT_RATE_LIMIT:
            found.append(
                f"{self.complaint_rate:.1%} of recipients reported this campaign as spam "
                f"(above {COMPLAINT_RATE_LIMIT:.1%}, the most mailbox providers accept)"
            )
        if self.bounce_rate > BOUNCE_RATE_LIMIT:
            found.append(
                f"{self.bounce_rate:.1%} of messages bounced (above {BOUNCE_RATE_LIMIT:.0%}): "
                "the list holds addresses that no longer work"
            )
        return found


def mailing_health(mailings: Iterable[str]) -> dict[str, MailingHealth]:
    """Health of each mailing: two grouped, indexed queries whatever their number."""
    wanted = sorted(set(mailings))
    if not wanted:
        return {}
    counts: dict[str, dict[str, int]] = {mailing: {} for mailing in wanted}
    outcomes = db.session.execute(
        sa.select(OutboxMessage.mailing, OutboxMessage.status, sa.func.count())
        .where(
            OutboxMessage.mailing.in_(wanted),
            OutboxMessage.status.in_([OutboxStatus.SENT.value, OutboxStatus.FAILED.value]),
        )
        .group_by(OutboxMessage.mailing, OutboxMessage.status)
    )
    for mailing, status, count in outcomes:
        counts[str(mailing)][status] = count
    reported = db.session.execute(
        sa.select(
            BounceReport.mailing,
            BounceReport.kind,
            sa.func.count(sa.distinct(BounceReport.outbox_id)),
        )
        .where(BounceReport.mailing.in_(wanted))
        .group_by(BounceReport.mailing, BounceReport.kind)
    )
    for mailing, kind, count in reported:
        counts[str(mailing)][kind] = count
    return {
        mailing: MailingHealth(
            sent=found.get(OutboxStatus.SENT.value, 0),
            failed=found.get(OutboxStatus.FAILED.value, 0),
            hard_bounces=found.get(BounceKind.HARD.value, 0),
            soft_bounces=found.get(BounceKind.SOFT.value, 0),
            complaints=found.get(BounceKind.COMPLAINT.value, 0),
        )
        for mailing, found in counts.items()
    }
