"""What other pages need of the newsletter, as template globals (no view variables):

- ``newsletter_box()``: the subscribe box (``newsletter/_subscribe_box.html`` calls it), on the
  home page and under every blog article, rendered once per process for each page and
  signed-in address; ``newsletter_box_form()``: its form;
- ``newsletter_consent_text()``: the consent wording shown beside every subscribe button;
- ``newsletter_of_current_user()``: the signed-in person's subscription, the tips still to
  come and whether their training profile's race differs (account page, client dashboard).
  One query when there is no subscription, two or three with one.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, render_template, request
from flask_login import current_user
from markupsafe import Markup

from portal.core.render_cache import VersionedCache
from portal.extensions import db
from portal.models import Subscriber, TrainingProfile
from portal.newsletter import bp, subscriptions, tips
from portal.newsletter.forms import SubscribeForm
from portal.web.cross_origin import CSRF_PLACEHOLDER, form_token

BOX_TEMPLATE = "newsletter/_subscribe_box_form.html"
BOX_ENTRIES = 1024


@bp.app_template_global()
def newsletter_box() -> Markup:
    """The subscribe box for this page and reader, with this request's CSRF token (none
    for an anonymous reader: ``portal.web.cross_origin``).

    Rendering it (a form of six fields through the form macros) cost more than the whole
    cached article page around it, so each process keeps it per key: what the box shows
    besides the token is the page's address (the form's ``source``), the signed-in
    person's email (filled in), and the configuration. Nothing in it is read from the
    database (its consent words name no practice), so no version is needed: a changed email
    is a different key.
    """
    email = current_user.email if current_user.is_authenticated else None
    path = request.path[:200]
    token = form_token()
    if "\x00" in path:  # never kept: the marker must stand only where the token was
        return Markup(render_template(BOX_TEMPLATE))  # noqa: S704 (our template's output)
    boxes: VersionedCache | None = current_app.extensions.get("newsletter_boxes")
    if boxes is None:
        boxes = current_app.extensions["newsletter_boxes"] = VersionedCache(BOX_ENTRIES)
    key = (request.script_root, path, email)
    box = boxes.get(key, 0)
    if box is None:
        box = render_template(BOX_TEMPLATE)
        if token:
            box = box.replace(token, CSRF_PLACEHOLDER)
        boxes.put(key, 0, box)
    return Markup(box.replace(CSRF_PLACEHOLDER, token) if token else box)  # noqa: S704 (our template's output)


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
