"""The signed-in side: "manage my subscription" from the account page, and keeping the goal
race of the newsletter and of the client's training profile in step.

The subscription of an account is the one of its email address. A change of race in one
place is offered to the other with a button (never copied silently: the newsletter race
may be a different race on purpose).
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from portal.extensions import db
from portal.models import Subscriber, TrainingProfile
from portal.newsletter import bp, subscriptions, tips
from portal.newsletter.forms import ButtonForm, PreferencesForm, prefill
from portal.newsletter.routes import _sequence_choices


def own_subscription() -> Subscriber | None:
    subscriber = subscriptions.find_by_email(current_user.email)
    return subscriber if subscriber is not None and subscriber.is_confirmed else None


@bp.route("/account", methods=["GET", "POST"])
@login_required
def manage() -> str | Response | tuple[str, int]:
    subscriber = own_subscription()
    if subscriber is None:
        return redirect(url_for(".subscribe"))
    form = PreferencesForm(data=prefill(subscriber, today=tips.today()))
    sequence_ids = _sequence_choices(form)
    if form.validate_on_submit():
        subscriptions.save_preferences(
            subscriber, form.choices(sequence_ids), source=request.path, ip=request.remote_addr
        )
        db.session.commit()
        flash("Your newsletter choices are saved.", "success")
        return redirect(url_for(".manage"))
    profile = db.session.get(TrainingProfile, current_user.id) if current_user.is_client else None
    return render_template(
        "newsletter/manage.html",
        form=form,
        subscriber=subscriber,
        upcoming=tips.upcoming_for(subscriber),
        profile=profile,
        race_differs=race_differs(subscriber, profile),
        unsubscribe_form=ButtonForm(prefix="unsub"),
    ), (422 if form.is_submitted() else 200)


def race_differs(subscriber: Subscriber | None, profile: TrainingProfile | None) -> bool:
    if subscriber is None or profile is None:
        return False
    return (subscriber.race_name, subscriber.race_on) != (
        profile.goal_race_name,
        profile.goal_race_on,
    )


@bp.post("/account/unsubscribe")
@login_required
def manage_unsubscribe() -> Response:
    subscriber = own_subscription()
    if subscriber is None:
        abort(404)
    subscriptions.unsubscribe(subscriber, source=request.path, ip=request.remote_addr)
    db.session.commit()
    flash("You are unsubscribed: no more newsletter email.", "info")
    return redirect(url_for("auth.account"))


@bp.post("/account/race/from-profile")
@login_required
def race_from_profile() -> Response:
    """Copy the training profile's goal race to the newsletter (re-plans the tips)."""
    subscriber = own_subscription()
    profile = db.session.get(TrainingProfile, current_user.id) if current_user.is_client else None
    if subscriber is None or profile is None:
        abort(404)
    choices = subscriptions.Choices(
        topics=[topic.value for topic in subscriber.topics],
        race_name=profile.goal_race_name,
        race_on=profile.goal_race_on,
        sequence_id=subscriber.tip_sequence_id,
        paused_until=subscriber.paused_until,
    )
    subscriptions.save_preferences(subscriber, choices, source=request.path, ip=request.remote_addr)
    db.session.commit()
    flash("Your newsletter race now matches your training profile.", "success")
    return redirect(_back())


@bp.post("/account/race/to-profile")
@login_required
def race_to_profile() -> Response:
    """Copy the newsletter's race to the client's training profile."""
    subscriber = own_subscription()
    if subscriber is None or not current_user.is_client or subscriber.race_on is None:
        abort(404)
    profile = db.session.get(TrainingProfile, current_user.id)
    if profile is None:
        profile = TrainingProfile(user_id=current_user.id)
        db.session.add(profile)
    profile.goal_race_name = subscriber.race_name
    profile.goal_race_on = subscriber.race_on
    db.session.commit()
    flash("Your training profile now has your newsletter race.", "success")
    return redirect(_back())


def _back() -> str:
    target = request.form.get("next", "")
    if target in ("/portal/", url_for(".manage")):
        return target
    return url_for(".manage")
