"""All models, imported here so that Alembic and ``db.create_all`` see every table."""

from portal.models.audit import AuditEntry
from portal.models.blog import (
    BlockedWord,
    BlogImage,
    BodyFormat,
    Comment,
    CommentStatus,
    CommentSubscription,
    LegacyRedirect,
    Post,
    PostStatus,
    Tag,
)
from portal.models.guidance import Audience, BookingRule, RuleKind
from portal.models.health import ReadinessCheck
from portal.models.mail_budget import MailBudget
from portal.models.mailbox import MailboxMessage
from portal.models.newsletter import (
    ArticleMailing,
    Campaign,
    CampaignStatus,
    Consent,
    ConsentAction,
    Subscriber,
    SubscriberStatus,
    TipSend,
    TipSequence,
    TipStep,
    Topic,
)
from portal.models.outbox import (
    MailCategory,
    MailPriority,
    OutboxMessage,
    OutboxStatus,
    PausedMailing,
)
from portal.models.pages import Page, PageFormat, PageStatus
from portal.models.practice import PracticeSettings
from portal.models.recommendations import Recommendation
from portal.models.render import RenderVersion
from portal.models.sessions import MassageSession, SessionArea
from portal.models.suppression import BouncedAddress, BounceKind, BounceReport
from portal.models.tokens import AccountToken, TokenPurpose
from portal.models.training import CalendarFeed, DistanceUnit, TrainingProfile
from portal.models.users import Role, User
from portal.models.vocabulary import BodyArea, Modality, Pressure

__all__ = [
    "AccountToken",
    "ArticleMailing",
    "Audience",
    "AuditEntry",
    "BlockedWord",
    "BlogImage",
    "BodyFormat",
    "Comment",
    "CommentStatus",
    "CommentSubscription",
    "LegacyRedirect",
    "MailBudget",
    "Post",
    "PostStatus",
    "Tag",
    "BodyArea",
    "BookingRule",
    "BouncedAddress",
    "BounceKind",
    "BounceReport",
    "CalendarFeed",
    "Campaign",
    "CampaignStatus",
    "Consent",
    "ConsentAction",
    "DistanceUnit",
    "MailCategory",
    "MailPriority",
    "MailboxMessage",
    "MassageSession",
    "Modality",
    "OutboxMessage",
    "OutboxStatus",
    "Page",
    "PageFormat",
    "PageStatus",
    "PausedMailing",
    "ReadinessCheck",
    "PracticeSettings",
    "Pressure",
    "Recommendation",
    "RenderVersion",
    "Role",
    "RuleKind",
    "SessionArea",
    "Subscriber",
    "SubscriberStatus",
    "TipSend",
    "TipSequence",
    "TipStep",
    "TokenPurpose",
    "Topic",
    "TrainingProfile",
    "User",
]
