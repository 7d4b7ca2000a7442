"""The audit log's one vocabulary, and writing to it.

Every entry names what was done with an ``AuditAction``: a stable code that is stored
(``area.verb``, e.g. ``client.view``) and the words the audit log shows for it ("opened a
client's record"). Entries about one record also name it with an ``AuditTarget`` and its id;
the audit log then says which record it was and links to it while it exists.

Writing an entry: call ``record(AuditAction.…, subject_user_id=…, target_type=…,
target_id=…, detail=…)`` in the same transaction as the change, and let the caller commit.

Adding to the vocabulary (a new feature that staff use, such as the blog or the newsletter):

1. Add a member to ``AuditAction``: ``POST_PUBLISH = "post.publish", "published an article"``.
   The code is ``area.verb`` in lower case; the words complete a sentence that starts with
   the person's name ("Theo Therapist published an article").
2. If entries point at a new kind of record, add it to ``AuditTarget`` (the stored type and
   its name in words), and teach the audit log page to find and link it: one lookup per
   target type in ``portal/staff/audit.py`` (``TARGET_LOOKUPS``), loading every record of
   the page in one query.
3. Codes are stored in rows that are never rewritten by the application: do not rename a
   code. If one must change, a migration renames it in existing rows (as ``0006`` did for
   the early spellings ``invite staff``, ``view client`` and friends).

``record`` refuses an action that is not in the vocabulary, so a misspelt code fails the
first test that reaches it instead of appearing in the log.
"""

from __future__ import annotations

from flask import has_request_context, request
from flask_login import current_user

from portal.extensions import db
from portal.models.audit import AuditEntry
from portal.models.vocabulary import LabelledChoice


class AuditAction(LabelledChoice):
    """What was done: the stored code, and the words the audit log shows for it."""

    CLIENT_INVITE = "client.invite", "invited a client"
    CLIENT_PROMOTE = "client.promote", "made a reader's account a client account"
    CLIENT_REINVITE = "client.reinvite", "sent a client a new invitation"
    CLIENT_VIEW = "client.view", "opened a client's record"
    SESSION_VIEW = "session.view", "opened a session, private notes included"
    SESSION_CREATE = "session.create", "recorded a session"
    SESSION_UPDATE = "session.update", "changed a session"
    SESSION_DELETE = "session.delete", "deleted a session"
    RECOMMENDATION_CREATE = "recommendation.create", "added a recommendation"
    RECOMMENDATION_UPDATE = "recommendation.update", "changed a recommendation"
    STAFF_INVITE = "staff.invite", "invited a colleague"
    STAFF_ENABLE = "staff.enable", "switched a staff account on"
    STAFF_DISABLE = "staff.disable", "switched a staff account off"
    MAIL_CLEAR_BOUNCES = "mail.clear_bounces", "cleared an address's bounces"
    SETTINGS_UPDATE = "settings.update", "changed the practice settings"
    CAMPAIGN_CREATE = "campaign.create", "wrote a newsletter campaign"
    CAMPAIGN_UPDATE = "campaign.update", "changed a newsletter campaign"
    CAMPAIGN_TEST = "campaign.test", "sent a campaign's test email"
    CAMPAIGN_SCHEDULE = "campaign.schedule", "scheduled a campaign"
    CAMPAIGN_UNSCHEDULE = "campaign.unschedule", "took a campaign off the schedule"
    CAMPAIGN_SEND = "campaign.send", "sent a campaign"
    CAMPAIGN_PAUSE = "campaign.pause", "paused a campaign"
    CAMPAIGN_RESUME = "campaign.resume", "resumed a campaign"
    TIPS_SEQUENCE_CREATE = "tips.sequence_create", "added a training-tip sequence"
    TIPS_SEQUENCE_UPDATE = "tips.sequence_update", "changed a training-tip sequence"
    TIPS_STEP_CREATE = "tips.step_create", "added a training tip"
    TIPS_STEP_UPDATE = "tips.step_update", "changed a training tip"
    TIPS_STEP_DELETE = "tips.step_delete", "deleted a training tip"
    POST_CREATE = "post.create", "wrote an article"
    POST_UPDATE = "post.update", "changed an article"
    POST_UNPUBLISH = "post.unpublish", "took an article off the blog"
    POST_DELETE = "post.delete", "deleted an article and its comments"
    IMAGE_UPLOAD = "image.upload", "uploaded an image for articles"
    COMMENT_APPROVE = "comment.approve", "approved a comment"
    COMMENT_SPAM = "comment.spam", "marked a comment as spam"
    COMMENT_TRASH = "comment.trash", "moved a comment to the trash"
    COMMENT_WORDS = "comment.words", "changed the words that hold comments"


class AuditTarget(LabelledChoice):
    """The kinds of record an entry can point at (``target_type``)."""

    USER = "user", "account"
    SESSION = "massage_session", "session"
    RECOMMENDATION = "recommendation", "recommendation"
    SETTINGS = "practice_settings", "practice settings"
    CAMPAIGN = "campaign", "campaign"
    TIP_SEQUENCE = "tip_sequence", "training-tip sequence"
    TIP_STEP = "tip_step", "training tip"
    POST = "post", "article"
    BLOG_IMAGE = "blog_image", "image"
    COMMENT = "comment", "comment"


def record(
    action: AuditAction,
    *,
    subject_user_id: int | None = None,
    target_type: AuditTarget | None = None,
    target_id: int | None = None,
    detail: str | None = None,
) -> AuditEntry:
    """Add an audit entry for the signed-in person's ``action`` (committed with the caller).

    Raises ``ValueError`` for an action or target type outside the vocabulary.
    """
    action = AuditAction.of(action)
    if target_type is not None:
        target_type = AuditTarget.of(target_type)
    actor = current_user if has_request_context() and current_user.is_authenticated else None
    entry = AuditEntry(
        actor_user_id=actor.id if actor else None,
        actor_email=actor.email if actor else None,
        subject_user_id=subject_user_id,
        action=action.value,
        target_type=target_type.value if target_type else None,
        target_id=target_id,
        detail=(detail or None) and detail[:500],
        ip_address=request.remote_addr if has_request_context() else None,
    )
    db.session.add(entry)
    return entry
