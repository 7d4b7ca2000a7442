"""The newsletter: subscribers and their consent, campaigns, article emails, training tips.

A subscriber is an email address, not an account: readers subscribe without signing in.
Accounts find "their" subscription by email address (``portal.newsletter.subscriptions``).
Tokens in links (confirm, preferences, unsubscribe) are not stored: they are HMACs under
``SECRET_KEY`` of the subscriber's ``token_secret`` (``portal.newsletter.tokens``), so a copy
of the database alone opens no one's preferences, and replacing the secret kills every old
link at once.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
import sqlalchemy.orm as so

from portal.extensions import Model
from portal.models.types import UTCDateTime, utcnow


def new_token_secret() -> str:
    return secrets.token_urlsafe(24)


def new_campaign_nonce() -> str:
    return secrets.token_hex(8)


class Topic(StrEnum):
    """What a subscriber can choose to receive; one boolean column each on the subscriber."""

    TIPS = "tips"
    NEWS = "news"
    ARTICLES = "articles"

    @property
    def label(self) -> str:
        return TOPIC_LABELS[self]

    @property
    def column(self) -> str:
        return f"topic_{self.value}"


TOPIC_LABELS = {
    Topic.TIPS: "Training-season tips timed to your race",
    Topic.NEWS: "Practice news (opening hours, new therapists, events)",
    Topic.ARTICLES: "New articles from our blog",
}


class SubscriberStatus(StrEnum):
    PENDING = "pending"  # asked, not yet confirmed (expires)
    CONFIRMED = "confirmed"
    UNSUBSCRIBED = "unsubscribed"  # kept so that nothing is sent to the address again


class Subscriber(Model):
    __tablename__ = "newsletter_subscribers"
    __table_args__ = (
        sa.CheckConstraint(
            "status IN ('pending', 'confirmed', 'unsubscribed')", name="status_known"
        ),
        # The audience queries: confirmed subscribers, by topic.
        sa.Index("ix_newsletter_subscribers_status_topics", "status", "topic_tips", "topic_news"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    email: so.Mapped[str] = so.mapped_column(sa.String(254), unique=True)
    name: so.Mapped[str | None] = so.mapped_column(sa.String(120))
    status: so.Mapped[str] = so.mapped_column(sa.String(12), default=SubscriberStatus.PENDING.value)
    topic_tips: so.Mapped[bool] = so.mapped_column(default=True)
    topic_news: so.Mapped[bool] = so.mapped_column(default=True)
    topic_articles: so.Mapped[bool] = so.mapped_column(default=False)
    race_name: so.Mapped[str | None] = so.mapped_column(sa.String(120))
    race_on: so.Mapped[date | None] = so.mapped_column(sa.Date)
    # Which tips sequence applies (NULL: the default one, see ``TipSequence.is_default``).
    tip_sequence_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("newsletter_tip_sequences.id", ondelete="SET NULL")
    )
    # The day from which tips of the current race are planned: when the subscriber joined or
    # last changed the race. Tips dated before it are never sent (no burst of old tips).
    tips_planned_from: so.Mapped[date | None] = so.mapped_column(sa.Date)
    # A new race after the previous one is over starts a new season: its tips may be sent
    # again. Moving a race that is still ahead keeps the season (nothing is sent twice).
    tips_season: so.Mapped[int] = so.mapped_column(default=1)
    paused_until: so.Mapped[date | None] = so.mapped_column(sa.Date)
    token_secret: so.Mapped[str] = so.mapped_column(sa.String(64), default=new_token_secret)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    # The last time someone asked to subscribe this address (pending ones expire from it).
    requested_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    # The last confirmation (or "already subscribed") email: at most one an hour.
    notified_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    confirmed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    unsubscribed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())

    tip_sequence: so.Mapped[TipSequence | None] = so.relationship(lazy="raise_on_sql")

    def __repr__(self) -> str:
        return f"<Subscriber {self.id} {self.status}>"

    @property
    def is_confirmed(self) -> bool:
        return self.status == SubscriberStatus.CONFIRMED

    @property
    def topics(self) -> list[Topic]:
        return [topic for topic in Topic if getattr(self, topic.column)]

    def set_topics(self, topics: list[str]) -> None:
        for topic in Topic:
            setattr(self, topic.column, topic.value in topics)

    def rotate_token(self) -> None:
        self.token_secret = new_token_secret()


class ConsentAction(StrEnum):
    REQUESTED = "requested"  # the form was sent (for any address, known or not)
    CONFIRMED = "confirmed"  # the confirmation button was pressed
    CHANGED = "changed"  # preferences saved
    WITHDRAWN = "withdrawn"  # unsubscribed


class Consent(Model):
    """The record of consent: what was shown, where, when, from which IP (GDPR art. 7(1))."""

    __tablename__ = "newsletter_consents"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    subscriber_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("newsletter_subscribers.id", ondelete="CASCADE"), index=True
    )
    action: so.Mapped[str] = so.mapped_column(sa.String(12))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    ip_address: so.Mapped[str | None] = so.mapped_column(sa.String(45))
    # The form it came from: the page's path (``/``, ``/blog/some-article``, ``/newsletter/…``)
    # or a name such as ``one-click`` (a mail provider's RFC 8058 POST).
    source: so.Mapped[str] = so.mapped_column(sa.String(200))
    # The exact words next to the button, as shown; topics chosen at that moment.
    wording: so.Mapped[str] = so.mapped_column(sa.Text)
    topics: so.Mapped[str] = so.mapped_column(sa.String(100), default="")


class CampaignStatus(StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    QUEUED = "queued"  # its messages are in the outbox (being sent, or sent)
    PAUSED = "paused"  # queued, with its unsent messages held back


class Campaign(Model):
    __tablename__ = "newsletter_campaigns"
    __table_args__ = (
        sa.CheckConstraint(
            "status IN ('draft', 'scheduled', 'queued', 'paused')", name="status_known"
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    subject: so.Mapped[str] = so.mapped_column(sa.String(200))
    body_markdown: so.Mapped[str] = so.mapped_column(sa.Text)
    # Audience: subscribers of any of these topics (comma-separated ``Topic`` values) …
    topics: so.Mapped[str] = so.mapped_column(sa.String(100))
    # … optionally only those whose race falls in this range.
    race_from: so.Mapped[date | None] = so.mapped_column(sa.Date)
    race_to: so.Mapped[date | None] = so.mapped_column(sa.Date)
    status: so.Mapped[str] = so.mapped_column(sa.String(12), default=CampaignStatus.DRAFT.value)
    scheduled_for: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    queued_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    recipients: so.Mapped[int | None] = so.mapped_column()
    # Part of every Message-ID of the campaign, so the ids are unique and not guessable.
    nonce: so.Mapped[str] = so.mapped_column(sa.String(16), default=new_campaign_nonce)
    # Frozen when queued: what every subscriber receives, and what the archive shows.
    html_snapshot: so.Mapped[str | None] = so.mapped_column(sa.Text)
    text_snapshot: so.Mapped[str | None] = so.mapped_column(sa.Text)
    created_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow
    )

    def __repr__(self) -> str:
        return f"<Campaign {self.id} {self.status}>"

    @property
    def topic_list(self) -> list[Topic]:
        return [Topic(value) for value in self.topics.split(",") if value]

    @property
    def is_editable(self) -> bool:
        return self.status in (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED)

    @property
    def mailing(self) -> str:
        """The outbox's name for this campaign's rows (``OutboxMessage.mailing``)."""
        return f"campaign:{self.id}"


class ArticleMailing(Model):
    """A published article mailed to "new articles" subscribers: once per article.

    Holds what the email shows (plain values from the blog's ``ArticleNotice``), so the
    newsletter never reads the blog's tables.
    """

    __tablename__ = "newsletter_article_mailings"

    article_id: so.Mapped[int] = so.mapped_column(primary_key=True, autoincrement=False)
    title: so.Mapped[str] = so.mapped_column(sa.String(250))
    summary: so.Mapped[str] = so.mapped_column(sa.Text)
    html: so.Mapped[str] = so.mapped_column(sa.Text)
    url: so.Mapped[str] = so.mapped_column(sa.String(500))
    published_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime())
    queued_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    recipients: so.Mapped[int] = so.mapped_column(default=0)


class TipSequence(Model):
    """A season of tips for one kind of race (a marathon, a shorter race)."""

    __tablename__ = "newsletter_tip_sequences"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    slug: so.Mapped[str] = so.mapped_column(sa.String(40), unique=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(120))
    description: so.Mapped[str] = so.mapped_column(sa.String(300), default="")
    # Subscribers who chose no sequence get this one (exactly one should be the default).
    is_default: so.Mapped[bool] = so.mapped_column(default=False)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)

    steps: so.Mapped[list[TipStep]] = so.relationship(
        back_populates="sequence",
        lazy="raise_on_sql",
        order_by="TipStep.offset_days",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    def __repr__(self) -> str:
        return f"<TipSequence {self.slug}>"


# Tips go out from four months before race day to a month after it.
OFFSET_RANGE = (-120, 30)


class TipStep(Model):
    __tablename__ = "newsletter_tip_steps"
    __table_args__ = (
        sa.UniqueConstraint("sequence_id", "offset_days"),  # one tip a day
        sa.CheckConstraint(
            f"offset_days BETWEEN {OFFSET_RANGE[0]} AND {OFFSET_RANGE[1]}", name="offset_range"
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    sequence_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("newsletter_tip_sequences.id", ondelete="CASCADE"), index=True
    )
    # Days from race day: -56 is eight weeks before, 2 is two days after.
    offset_days: so.Mapped[int] = so.mapped_column()
    subject: so.Mapped[str] = so.mapped_column(sa.String(200))
    body_markdown: so.Mapped[str] = so.mapped_column(sa.Text)
    updated_at: so.Mapped[datetime] = so.mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow
    )

    sequence: so.Mapped[TipSequence] = so.relationship(back_populates="steps", lazy="raise_on_sql")

    def __repr__(self) -> str:
        return f"<TipStep {self.sequence_id} {self.offset_days:+d}>"


class TipSend(Model):
    """A tip queued for a subscriber in a season: the record that stops a second send.

    The outbox key (``tip:STEP:SUB:RACEDATE``) makes one send per race date idempotent; this
    row makes one send per *season*, so moving a race date never sends a tip again.
    """

    __tablename__ = "newsletter_tip_sends"
    __table_args__ = (
        sa.UniqueConstraint("subscriber_id", "step_id", "season"),  # once a season
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    subscriber_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("newsletter_subscribers.id", ondelete="CASCADE")
    )
    step_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("newsletter_tip_steps.id", ondelete="CASCADE"), index=True
    )
    season: so.Mapped[int] = so.mapped_column()
    race_on: so.Mapped[date] = so.mapped_column(sa.Date)
    due_on: so.Mapped[date] = so.mapped_column(sa.Date)
    queued_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
