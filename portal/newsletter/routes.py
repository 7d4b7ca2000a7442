"""The public pages: subscribe, confirm, preferences, unsubscribe, archive, tip pages.

Links in emails open a page with a button; only the POST changes anything, so a link
scanner that fetches every URL of a message confirms and unsubscribes no one. The one
exception is the RFC 8058 one-click POST to the unsubscribe URL, see ``unsubscribe``.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from portal.extensions import csrf, db
from portal.models import Campaign, CampaignStatus, Subscriber, TipStep, TrainingProfile
from portal.newsletter import bp, content, subscriptions, throttle, tips
from portal.newsletter.forms import ButtonForm, PreferencesForm, SubscribeForm, prefill
from portal.newsletter.tokens import Purpose, subscriber_for_token, token_for
from portal.web.pagination import paginate
from portal.web.token_links import register_token_route

ARCHIVE_PER_PAGE = 20


def subscriber_or_404(token: str, purpose: Purpose = Purpose.MANAGE) -> Subscriber:
    """The subscriber a link's token names; an unknown, old or malformed token is a 404."""
    subscriber = subscriber_for_token(token, purpose)
    if subscriber is None:
        abort(404)
    return subscriber


def form_name() -> str:
    """The form a consent came from, as its route (``/newsletter/preferences/<token>``):
    the record names the form, never the token."""
    return request.url_rule.rule if request.url_rule is not None else request.path


def _sequence_choices(form: SubscribeForm | PreferencesForm) -> set[int]:
    found = subscriptions.sequences()
    form.set_sequences([(sequence.id, sequence.name) for sequence in found])
    return {sequence.id for sequence in found}


def _prefilled_subscribe_form() -> SubscribeForm:
    """On GET: a signed-in person's address, and a client's goal race from their profile."""
    data: dict[str, object] = {"source": request.path}
    if current_user.is_authenticated:
        data.update(email=current_user.email, name=current_user.name)
        profile = db.session.get(TrainingProfile, current_user.id)
        if profile is not None and profile.goal_race_on is not None:
            data.update(race_name=profile.goal_race_name, race_on=profile.goal_race_on)
    return SubscribeForm(formdata=None, data=data)


# The subscriber's token in these links acts for them: never logged, redacted in the mailbox.
register_token_route(
    "/newsletter/confirm/",
    "/newsletter/confirmed/",
    "/newsletter/preferences/",
    "/newsletter/unsubscribe/",
)


@bp.route("/subscribe", methods=["GET", "POST"])
@throttle.subscribe_per_ip
@throttle.subscribe_per_address
def subscribe() -> str | tuple[str, int]:
    if request.method == "GET":
        form = _prefilled_subscribe_form()
        _sequence_choices(form)
        return render_template("newsletter/subscribe.html", form=form)
    form = SubscribeForm()
    sequence_ids = _sequence_choices(form)
    if not form.validate_on_submit():
        return render_template("newsletter/subscribe.html", form=form), 422
    try:
        subscriptions.request_subscription(
            form.email.data,
            form.choices(sequence_ids),
            source=form.source.data or request.path,
            ip=request.remote_addr,
        )
        db.session.commit()
    except IntegrityError:
        # The same address sent twice at the same moment: the first one's email is enough.
        db.session.rollback()
    return render_template("newsletter/check_email.html", email=form.email.data)


@bp.route("/confirm/<token>", methods=["GET", "POST"])
def confirm(token: str) -> str | Response | tuple[str, int]:
    subscriber = subscriber_or_404(token, Purpose.CONFIRM)
    if subscriber.is_confirmed:
        return render_template("newsletter/confirmed.html", subscriber=subscriber, again=True)
    if subscriptions.is_expired(subscriber) or subscriber.status != "pending":
        return render_template("newsletter/link_expired.html"), 410
    form = ButtonForm()
    if form.validate_on_submit():
        subscriptions.confirm(subscriber, source=form_name(), ip=request.remote_addr)
        db.session.commit()
        return redirect(url_for(".confirmed", token=token_for(subscriber)))
    return render_template("newsletter/confirm.html", form=form, subscriber=subscriber)


@bp.route("/confirmed/<token>")
def confirmed(token: str) -> str:
    subscriber = subscriber_or_404(token)
    return render_template(
        "newsletter/confirmed.html", subscriber=subscriber, again=False, token=token
    )


@bp.route("/preferences/<token>", methods=["GET", "POST"])
def preferences(token: str) -> str | Response | tuple[str, int]:
    subscriber = subscriber_or_404(token)
    if not subscriber.is_confirmed:
        return render_template("newsletter/not_subscribed.html", subscriber=subscriber), 404
    form = PreferencesForm(data=prefill(subscriber, today=tips.today()))
    sequence_ids = _sequence_choices(form)
    if form.validate_on_submit():
        subscriptions.save_preferences(
            subscriber, form.choices(sequence_ids), source=form_name(), ip=request.remote_addr
        )
        db.session.commit()
        flash("Your choices are saved.", "success")
        return redirect(url_for(".preferences", token=token))
    status = 422 if form.is_submitted() else 200
    return render_template(
        "newsletter/preferences.html",
        form=form,
        subscriber=subscriber,
        token=token,
        upcoming=tips.upcoming_for(subscriber),
        links_form=ButtonForm(prefix="links"),
        today=tips.today(),
    ), status


@bp.post("/preferences/<token>/new-links")
def new_links(token: str) -> Response | tuple[str, int]:
    """Replace the subscriber's secret: every link in emails sent so far stops working."""
    subscriber = subscriber_or_404(token)
    if not ButtonForm(prefix="links").validate_on_submit():
        abort(400)
    subscriber.rotate_token()
    db.session.commit()
    flash(
        "Your links have changed: links in earlier emails no longer work. Bookmark this page "
        "if you want to come back without an email.",
        "success",
    )
    return redirect(url_for(".preferences", token=token_for(subscriber)))


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt
def unsubscribe(token: str) -> str | tuple[str, int]:
    """GET: a page with a button. POST: off the list at once, no cookie, no login.

    Exempt from CSRF on purpose: RFC 8058 one-click POSTs come from mail providers, which
    have no session and no CSRF token. That is safe here because the token in the URL is the
    capability (only the email's recipient has it, and a forger cannot guess it: an HMAC
    under SECRET_KEY), and the action is idempotent and harmless to its owner — it can only
    take the address off the list, and a second POST changes nothing.
    """
    subscriber = subscriber_or_404(token)
    if request.method == "POST":
        subscriptions.unsubscribe(subscriber, source=_unsubscribe_source(), ip=request.remote_addr)
        db.session.commit()
        return render_template("newsletter/unsubscribed.html", subscriber=subscriber, token=token)
    if subscriber.status == "unsubscribed":
        return render_template("newsletter/unsubscribed.html", subscriber=subscriber, token=token)
    return render_template("newsletter/unsubscribe.html", subscriber=subscriber)


def _unsubscribe_source() -> str:
    if request.form.get("List-Unsubscribe") == "One-Click":
        return "one-click (RFC 8058)"
    return form_name()  # the page's button


@bp.route("/archive/")
def archive() -> str:
    page = paginate(
        sa.select(Campaign)
        .where(Campaign.status == CampaignStatus.QUEUED.value)
        .order_by(Campaign.queued_at.desc(), Campaign.id.desc()),
        per_page=ARCHIVE_PER_PAGE,
    )
    return render_template("newsletter/archive.html", page=page)


@bp.route("/archive/<int:campaign_id>")
def archive_campaign(campaign_id: int) -> str:
    """A sent campaign as a web page: the "view in browser" link of its emails."""
    campaign = db.session.scalar(
        sa.select(Campaign).where(
            Campaign.id == campaign_id, Campaign.status == CampaignStatus.QUEUED.value
        )
    )
    if campaign is None:
        abort(404)
    return render_template(
        "newsletter/archive_campaign.html",
        campaign=campaign,
        body=content.web_html(campaign.body_markdown),
    )


@bp.route("/tips/<int:step_id>")
def tip_page(step_id: int) -> str:
    """A training tip as a web page: the "view in browser" link of tip emails."""
    step = db.get_or_404(TipStep, step_id)
    return render_template(
        "newsletter/tip.html", step=step, body=content.web_html(step.body_markdown)
    )


@bp.route("/welcome")
def welcome_page() -> str:
    return render_template("newsletter/welcome.html")
