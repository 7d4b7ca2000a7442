"""The client's pages: dashboard, history, one session, recommendations, progress,
training profile and calendar."""

from __future__ import annotations

from datetime import date

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response as BaseResponse

from portal.auth.permissions import client_required
from portal.clients import bp, cache, calendar, guidance, pictures, queries, records
from portal.clients.forms import HistoryFilterForm, TrainingProfileForm
from portal.core.clock import local_today
from portal.extensions import db
from portal.models import TrainingProfile
from portal.web.pagination import page_number
from portal.web.token_links import register_token_parameter
from portal.web.urls import local_path

# ``/portal/calendar.ics?token=…`` works without signing in: the token is a secret.
register_token_parameter("token")


def _back_to(default: str) -> str:
    """Where a mark-done button returns: the page it was on, if that is a portal page."""
    target = local_path(request.form.get("next"))
    if target and target.startswith("/portal/"):
        return target
    return default


@bp.route("/")
@login_required
def dashboard() -> str | tuple[str, int]:
    if current_user.is_member:
        # A reader who registered: explain the portal rather than refuse the page.
        return render_template("clients/for_members.html")
    if not current_user.is_client:
        abort(403)
    client_id, today = current_user.id, local_today()
    return cache.cached_page(
        "dashboard",
        client_id,
        (today,),
        lambda: _dashboard_body(client_id, today),
        "clients/dashboard.html",
    )


def _dashboard_body(client_id: int, today: date) -> str:
    profile = queries.training_profile(client_id)
    last = queries.last_session(client_id)
    advice: list[guidance.Guidance] = []
    if profile is not None and profile.goal_race_on is not None:
        advice = guidance.evaluate(
            guidance.active_rules(),
            race_on=profile.goal_race_on,
            today=today,
            last_session_on=last.held_on if last else None,
            new_to_massage=guidance.is_new_to_massage(queries.session_count(client_id)),
        )
    return render_template(
        "clients/_dashboard_body.html",
        profile=profile,
        last_session=last,
        active=queries.active_recommendations(client_id),
        guidance=advice,
        next_booking=guidance.next_booking(advice),
        today=today,
    )


@bp.route("/sessions")
@client_required
def history() -> str:
    client_id, page_wanted = current_user.id, page_number()
    # The cache key holds only values the page can use: short numbers, else "all".
    year, therapist = (_short_number(request.args.get(name)) for name in ("year", "therapist"))
    return cache.cached_page(
        "history",
        client_id,
        (year, therapist, page_wanted),
        lambda: _history_body(client_id, page_wanted),
        "clients/history.html",
    )


def _short_number(value: str | None) -> str | None:
    return value if value and value.isascii() and value.isdigit() and len(value) <= 10 else None


def _history_body(client_id: int, page_wanted: int) -> str:
    choices = queries.history_choices(client_id)
    form = HistoryFilterForm(request.args)
    form.set_choices(choices.years, choices.therapists)
    year = form.selected_year(choices.years)
    therapist_id = form.selected_therapist(choices.therapists)
    page = queries.session_history(
        client_id, year=year, therapist_id=therapist_id, page=page_wanted
    )
    filters = {"year": year, "therapist": therapist_id}
    return render_template("clients/_history_body.html", form=form, page=page, filters=filters)


@bp.route("/sessions/<int:session_id>")
@client_required
def session_detail(session_id: int) -> str:
    session = queries.get_session_for_client(session_id, current_user.id)
    return render_template("clients/session.html", visit=session)


@bp.route("/recommendations")
@client_required
def recommendations() -> str:
    active, done = queries.recommendations_by_state(current_user.id)
    return render_template("clients/recommendations.html", active=active, done=done)


@bp.post("/recommendations/<int:recommendation_id>/done")
@client_required
def mark_done(recommendation_id: int) -> BaseResponse:
    recommendation = queries.get_recommendation_for_client(recommendation_id, current_user.id)
    records.mark_done(recommendation)
    db.session.commit()
    flash(f"Marked done: {recommendation.title}.", "success")
    return redirect(_back_to(url_for(".recommendations")))


@bp.post("/recommendations/<int:recommendation_id>/undo")
@client_required
def mark_not_done(recommendation_id: int) -> BaseResponse:
    recommendation = queries.get_recommendation_for_client(recommendation_id, current_user.id)
    records.mark_not_done(recommendation)
    db.session.commit()
    flash(f"Back on your list: {recommendation.title}.", "info")
    return redirect(_back_to(url_for(".recommendations")))


@bp.route("/progress")
@client_required
def progress() -> str:
    return render_template("clients/progress.html", pictures=pictures.of_client(current_user.id))


@bp.route("/profile", methods=["GET", "POST"])
@client_required
def profile() -> str | BaseResponse:
    existing = queries.training_profile(current_user.id)
    form = TrainingProfileForm(obj=existing)
    if form.validate_on_submit():
        target = existing or TrainingProfile(user_id=current_user.id)
        for name, value in form.values().items():
            setattr(target, name, value)
        db.session.add(target)
        db.session.commit()
        flash("Your training profile is saved.", "success")
        return redirect(url_for(".dashboard"))
    return render_template("clients/profile.html", form=form)


@bp.route("/calendar")
@client_required
def calendar_page() -> str:
    return render_template(
        "clients/calendar.html", subscription_url=calendar.subscription_url(current_user.id)
    )


@bp.post("/calendar/reset")
@client_required
def reset_calendar() -> BaseResponse:
    calendar.reset_token(current_user.id)
    db.session.commit()
    flash("Your calendar address has changed. The old one no longer works.", "success")
    return redirect(url_for(".calendar_page"))


@bp.route("/calendar.ics")
def calendar_feed() -> BaseResponse:
    """The client's calendar: by secret ``token`` (calendar apps) or for the signed-in client.

    A wrong or reset token is a 404. So is another client's token in a signed-in browser:
    whoever is signed in sees only their own records, even holding a leaked address.
    """
    token = request.args.get("token")
    if token is not None:
        client = calendar.client_for_token(token)
        if client is None:
            abort(404)
        if current_user.is_authenticated and current_user.id != client.id:
            abort(404)
    elif current_user.is_authenticated and current_user.is_client:
        client = current_user
    elif current_user.is_authenticated:
        abort(403)
    else:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    response = Response(calendar.build_calendar(client), mimetype="text/calendar")
    response.headers["Content-Disposition"] = 'inline; filename="massage-sessions.ics"'
    response.headers["Cache-Control"] = "private, no-cache"
    return response
