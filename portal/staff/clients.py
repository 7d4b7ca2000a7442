"""Back office: clients and their records (``/staff/clients…``).

Staff find a client, read their record, record and correct sessions, and write
recommendations. Reading a client's record and every change to it leave an audit entry in
the same transaction; lookups go through ``portal.clients.queries`` like the portal's own.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.auth.invitations import (
    CannotInvite,
    EmailTaken,
    invite_or_promote_client,
    send_invitation,
)
from portal.clients import pictures, queries, records
from portal.core import audit
from portal.core.audit import AuditAction, AuditTarget
from portal.core.clock import local_today
from portal.extensions import db
from portal.models import MassageSession, Recommendation, Role, User
from portal.staff import bp
from portal.staff.forms import (
    NO_SESSION,
    ClientSearchForm,
    InviteClientForm,
    RecommendationForm,
    SessionForm,
)
from portal.web.forms import options
from portal.web.pagination import id_arg, page_number, paginate

CLIENTS_PER_PAGE = 25


def _like(text: str) -> str:
    """A LIKE pattern matching ``text`` anywhere, with its own % and _ taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _therapist_choices() -> list[tuple[int, str]]:
    rows = db.session.execute(
        sa.select(User.id, User.name)
        .where(User.role.in_([Role.STAFF, Role.ADMIN]), User.is_active_account)
        .order_by(User.name)
    )
    return [(user_id, name) for user_id, name in rows]


def _session_choices(client_id: int) -> list[tuple[int, Any]]:
    rows = db.session.execute(
        sa.select(MassageSession.id, MassageSession.held_on)
        .where(MassageSession.client_id == client_id)
        .order_by(MassageSession.held_on.desc(), MassageSession.id.desc())
        .limit(40)
    )
    return [(session_id, held_on) for session_id, held_on in rows]


@bp.route("/clients")
def clients() -> str:
    form = ClientSearchForm(request.args)
    search = form.q.data if form.validate() else None
    query = sa.select(User).where(User.role == Role.CLIENT).order_by(User.name, User.id)
    if search:
        pattern = _like(search)
        query = query.where(
            sa.or_(User.name.ilike(pattern, escape="\\"), User.email.ilike(pattern, escape="\\"))
        )
    page = paginate(query, per_page=CLIENTS_PER_PAGE)
    # Last visit and number of sessions for the clients on this page, in one query.
    ids = [client.id for client in page.items]
    stats = {
        client_id: (last_on, count)
        for client_id, last_on, count in db.session.execute(
            sa.select(
                MassageSession.client_id, sa.func.max(MassageSession.held_on), sa.func.count()
            )
            .where(MassageSession.client_id.in_(ids))
            .group_by(MassageSession.client_id)
        )
    }
    return render_template(
        "staff/clients/list.html", form=form, page=page, stats=stats, q=search or ""
    )


@bp.route("/clients/invite", methods=["GET", "POST"])
def invite() -> str | Response:
    form = InviteClientForm()
    if form.validate_on_submit():
        try:
            invitation = invite_or_promote_client(email=form.email.data, name=form.name.data)
        except EmailTaken:
            form.email.errors.append(
                "There is already an account with this email (a client or staff account)."
            )
        else:
            client = invitation.user
            audit.record(
                AuditAction.CLIENT_PROMOTE if invitation.promoted else AuditAction.CLIENT_INVITE,
                subject_user_id=client.id,
                target_type=AuditTarget.USER,
                target_id=client.id,
            )
            db.session.commit()
            if invitation.promoted:
                flash(
                    f"{client.email} already had a reader account ({client.name}): it is now a "
                    "client account with the same login, and they have been told by email.",
                    "success",
                )
            else:
                flash(f"Invitation sent to {client.email}.", "success")
            return redirect(url_for(".client_detail", client_id=client.id))
    return render_template("staff/clients/invite.html", form=form)


@bp.post("/clients/<int:client_id>/invitation")
def resend_invitation(client_id: int) -> Response:
    """A fresh 7-day link for a client who has not chosen a password yet (the old one dies)."""
    client = queries.get_client_or_404(client_id)
    if client.password_hash is not None:
        flash(f"{client.name} has already set a password.", "info")
        return redirect(url_for(".client_detail", client_id=client.id))
    try:
        send_invitation(client)
    except CannotInvite as refusal:
        flash(str(refusal), "error")
        return redirect(url_for(".client_detail", client_id=client.id))
    audit.record(
        AuditAction.CLIENT_REINVITE,
        subject_user_id=client.id,
        target_type=AuditTarget.USER,
        target_id=client.id,
    )
    db.session.commit()
    flash(f"A new invitation is on its way to {client.email}.", "success")
    return redirect(url_for(".client_detail", client_id=client.id))


@bp.route("/clients/<int:client_id>")
def client_detail(client_id: int) -> str:
    client = queries.get_client_or_404(client_id)
    active, done = queries.recommendations_by_state(client.id)
    page = render_template(
        "staff/clients/detail.html",
        client=client,
        profile=queries.training_profile(client.id),
        page=queries.session_history(client.id, page=page_number()),
        active=active,
        done=done,
        pictures=pictures.of_client(client.id),
    )
    # Written once the page is ready, so committing does not expire what it displays.
    audit.record(
        AuditAction.CLIENT_VIEW,
        subject_user_id=client.id,
        target_type=AuditTarget.USER,
        target_id=client.id,
    )
    db.session.commit()
    return page


@bp.route("/clients/<int:client_id>/sessions/new", methods=["GET", "POST"])
def record_session(client_id: int) -> str | Response:
    client = queries.get_client_or_404(client_id)
    form = SessionForm(therapist_id=current_user.id, held_on=local_today())
    form.therapist_id.choices = options(_therapist_choices())
    if form.validate_on_submit():
        session = records.record_session(client, form.values())
        db.session.commit()
        flash(f"Session on {session.held_on:%d %b %Y} recorded for {client.name}.", "success")
        return redirect(url_for(".client_detail", client_id=client.id))
    return render_template("staff/clients/session_form.html", form=form, client=client)


@bp.route("/clients/<int:client_id>/sessions/<int:session_id>", methods=["GET", "POST"])
def edit_session(client_id: int, session_id: int) -> str | Response:
    client = queries.get_client_or_404(client_id)
    session = queries.get_session_for_client(session_id, client.id, with_private_notes=True)
    current = {name: getattr(session, name) for name in records.SESSION_FIELDS}
    form = SessionForm(data={**current, "areas": session.area_keys})
    therapists = _therapist_choices()
    if session.therapist_id is not None and session.therapist_id not in dict(therapists):
        # A therapist whose account is closed stays selectable on their own old sessions.
        therapists.append((session.therapist_id, "(former therapist)"))
    form.therapist_id.choices = options(therapists)
    if form.validate_on_submit():
        changed = records.update_session(session, form.values())
        db.session.commit()
        flash("Session updated." if changed else "Nothing changed.", "success")
        return redirect(url_for(".client_detail", client_id=client.id))
    page = render_template(
        "staff/clients/session_form.html", form=form, client=client, visit=session
    )
    if request.method == "GET":  # staff read the private notes: that goes in the log
        audit.record(
            AuditAction.SESSION_VIEW,
            subject_user_id=client.id,
            target_type=AuditTarget.SESSION,
            target_id=session.id,
        )
        db.session.commit()
    return page


@bp.route("/clients/<int:client_id>/sessions/<int:session_id>/delete", methods=["GET", "POST"])
def delete_session(client_id: int, session_id: int) -> str | Response:
    client = queries.get_client_or_404(client_id)
    session = queries.get_session_for_client(session_id, client.id)
    if request.method == "POST":
        records.delete_session(session)
        db.session.commit()
        flash(f"Session on {session.held_on:%d %b %Y} deleted.", "success")
        return redirect(url_for(".client_detail", client_id=client.id))
    return render_template("staff/clients/session_delete.html", client=client, visit=session)


def _recommendation_form(client_id: int, **data: Any) -> RecommendationForm:
    form = RecommendationForm(data=data or None)
    form.set_sessions(_session_choices(client_id))
    form.set_articles(_article_choices(), stored=data.get("article_slug"))
    return form


def _article_choices() -> list[tuple[str, str]]:
    """Published articles for the picker; empty until the blog is installed."""
    if "blog" not in current_app.blueprints:
        return []
    from portal.blog.posts import published_choices

    return published_choices()


@bp.route("/clients/<int:client_id>/recommendations/new", methods=["GET", "POST"])
def add_recommendation(client_id: int) -> str | Response:
    client = queries.get_client_or_404(client_id)
    form = _recommendation_form(client.id, session_id=id_arg("session_id") or NO_SESSION)
    if form.validate_on_submit():
        recommendation = Recommendation(client_id=client.id)
        records.save_recommendation(recommendation, form.values(), author=current_user)
        db.session.commit()
        flash(f"Recommendation added for {client.name}.", "success")
        return redirect(url_for(".client_detail", client_id=client.id))
    return render_template("staff/clients/recommendation_form.html", form=form, client=client)


@bp.route(
    "/clients/<int:client_id>/recommendations/<int:recommendation_id>", methods=["GET", "POST"]
)
def edit_recommendation(client_id: int, recommendation_id: int) -> str | Response:
    client = queries.get_client_or_404(client_id)
    recommendation = queries.get_recommendation_for_client(recommendation_id, client.id)
    current = {name: getattr(recommendation, name) for name in records.RECOMMENDATION_FIELDS}
    form = _recommendation_form(client.id, **{**current, "session_id": current["session_id"] or 0})
    if form.validate_on_submit():
        changed = records.save_recommendation(recommendation, form.values())
        db.session.commit()
        flash("Recommendation updated." if changed else "Nothing changed.", "success")
        return redirect(url_for(".client_detail", client_id=client.id))
    return render_template(
        "staff/clients/recommendation_form.html",
        form=form,
        client=client,
        recommendation=recommendation,
    )
