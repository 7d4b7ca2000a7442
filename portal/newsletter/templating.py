"""What other pages need of the newsletter, as template globals (no view variables):

- ``newsletter_box_form()``: the form of the subscribe box (``newsletter/_subscribe_box.html``),
  included on the home page and under every blog article;
- ``newsletter_consent_text()``: the consent wording shown beside every subscribe button;
- ``newsletter_of_current_user()``: the signed-in person's subscription, the tips still to
  come and whether their training profile's race differs (account page, client dashboard).
  One query when there is no subscription, two or three with one.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import request
from flask_login import current_user

from portal.extensions import db
from portal.models import Subscriber, TrainingProfile
from portal.newsletter import bp, subscriptions, tips
from portal.newsletter.forms import SubscribeForm


@bp.app_template_global()
def newsletter_box_form() -> SubscribeForm:
    data: dict[str, object] = {"source": request.path[:200]}
    if current_user.is_authenticated:
        data["email"] = current_user.email
    return SubscribeForm(formdata=None, data=data)


@bp.app_template_global()
def newsletter_consent_text() -> str:
    return subscriptions.wording(subscriptions.SUBSCRIBE_WORDING)


@dataclass(frozen=True)
class OwnNewsletter:
    subscriber: Subscriber | None
    upcoming: list[tips.UpcomingTip]
    profile: TrainingProfile | None

    @property
    def race_differs(self) -> bool:
        from portal.newsletter.account import race_differs

        return race_differs(self.subscriber, self.profile)


@bp.app_template_global()
def newsletter_of_current_user(for_dashboard: bool = False) -> OwnNewsletter | None:
    """The account page needs the subscription; the dashboard also the tips to come and the
    training profile (already loaded by the dashboard's view: no query for it here)."""
    if not current_user.is_authenticated or current_user.is_staff:
        return None
    subscriber = subscriptions.find_by_email(current_user.email)
    if subscriber is None or not for_dashboard:
        return OwnNewsletter(subscriber, [], None)
    profile = None
    if current_user.is_client and subscriber.is_confirmed:
        profile = db.session.get(TrainingProfile, current_user.id)
    return OwnNewsletter(subscriber, tips.upcoming_for(subscriber), profile)
