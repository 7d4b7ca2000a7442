"""The back office's newsletter: campaigns (compose, preview, test, schedule, send, watch,
pause) and the training-tip sequences.

Views are short: ``portal.newsletter.campaigns`` does the work, and every change writes its
audit entry in the same transaction.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Response, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response as BaseResponse

from portal.core import audit
from portal.core.audit import AuditAction, AuditTarget
from portal.core.clock import practice_zone
from portal.extensions import db
from portal.models import Campaign, TipSequence, TipStep, User
from portal.newsletter import campaigns
from portal.staff import bp
from portal.staff.forms import (
    CampaignForm,
    ScheduleForm,
    TipSequenceForm,
    TipStepForm,
)
from portal.staff.mail import EMAIL_HTML_POLICY
from portal.web.pagination import paginate

PER_PAGE = 25


def _campaign_or_404(campaign_id: int) -> Campaign:
    return db.get_or_404(Campaign, campaign_id)


def _record(action: AuditAction, campaign: Campaign, detail: str | None = None) -> None:
    audit.record(action, target_type=AuditTarget.CAMPAIGN, target_id=campaign.id, detail=detail)


@bp.route("/newsletter/", endpoint="campaigns")
def campaigns_list() -> str:
    page = paginate(
        sa.select(Campaign).order_by(Campaign.created_at.desc(), Campaign.id.desc()),
        per_page=PER_PAGE,
    )
    return render_template("staff/newsletter/campaigns.html", page=page)


@bp.route("/newsletter/new", methods=["GET", "POST"])
def campaign_new() -> str | BaseResponse | tuple[str, int]:
    form = CampaignForm()
    if form.validate_on_submit():
        campaign = Campaign(created_by_id=current_user.id, **form.values())
        db.session.add(campaign)
        db.session.flush()
        _record(AuditAction.CAMPAIGN_CREATE, campaign, campaign.subject)
        db.session.commit()
        flash("Campaign saved as a draft. Check the preview, then send a test.", "success")
        return redirect(url_for(".campaign_detail", campaign_id=campaign.id))
    status = 422 if form.is_submitted() else 200
    return render_template("staff/newsletter/campaign_form.html", form=form, campaign=None), status


@bp.route("/newsletter/<int:campaign_id>/edit", methods=["GET", "POST"])
def campaign_edit(campaign_id: int) -> str | BaseResponse | tuple[str, int]:
    campaign = _campaign_or_404(campaign_id)
    if not campaign.is_editable:
        flash("This campaign has been sent and can no longer be changed.", "error")
        return redirect(url_for(".campaign_detail", campaign_id=campaign.id))
    form = CampaignForm(
        obj=campaign, data={"topics": [topic.value for topic in campaign.topic_list]}
    )
    if form.validate_on_submit():
        for name, value in form.values().items():
            setattr(campaign, name, value)
        _record(AuditAction.CAMPAIGN_UPDATE, campaign)
        db.session.commit()
        flash("Campaign saved.", "success")
        return redirect(url_for(".campaign_detail", campaign_id=campaign.id))
    status = 422 if form.is_submitted() else 200
    return render_template(
        "staff/newsletter/campaign_form.html", form=form, campaign=campaign
    ), status


def _render_detail(
    campaign: Campaign, schedule_form: ScheduleForm | None = None, status: int = 200
) -> ResponseReturnValue:
    editable = campaign.is_editable
    local_schedule = (
        campaign.scheduled_for.astimezone(practice_zone()) if campaign.scheduled_for else None
    )
    return render_template(
        "staff/newsletter/campaign.html",
        campaign=campaign,
        preview=campaigns.preview(campaign),
        audience=campaigns.audience_size(campaign) if editable else campaign.recipients,
        progress=None if editable else campaigns.progress(campaign.mailing),
        schedule_form=schedule_form or ScheduleForm(formdata=None),
        local_schedule=local_schedule,
    ), status


@bp.route("/newsletter/<int:campaign_id>")
def campaign_detail(campaign_id: int) -> ResponseReturnValue:
    """The preview, the audience, and once sent the progress (reload to update)."""
    return _render_detail(_campaign_or_404(campaign_id))


@bp.route("/newsletter/<int:campaign_id>/preview.html")
def campaign_preview_html(campaign_id: int) -> Response:
    """The HTML part alone, for the sandboxed frame of the campaign page."""
    campaign = _campaign_or_404(campaign_id)
    response = Response(campaigns.preview(campaign).html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = EMAIL_HTML_POLICY
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/newsletter/<int:campaign_id>/test")
def campaign_test(campaign_id: int) -> BaseResponse:
    campaign = _campaign_or_404(campaign_id)
    me = db.session.get(User, current_user.id)
    assert me is not None
    campaigns.send_test(campaign, me)
    _record(AuditAction.CAMPAIGN_TEST, campaign, me.email)
    db.session.commit()
    flash(f"A test copy is on its way to {me.email}.", "success")
    return redirect(url_for(".campaign_detail", campaign_id=campaign.id))


@bp.post("/newsletter/<int:campaign_id>/schedule")
def campaign_schedule(campaign_id: int) -> ResponseReturnValue:
    campaign = _campaign_or_404(campaign_id)
    form = ScheduleForm()
    if not form.validate_on_submit():
        return _render_detail(campaign, form, 422)
    when = form.send_at.data.replace(tzinfo=practice_zone())
    try:
        campaigns.schedule(campaign, when)
    except campaigns.CampaignLocked as refusal:
        return _refused(campaign, refusal)
    _record(AuditAction.CAMPAIGN_SCHEDULE, campaign, f"{when:%Y-%m-%d %H:%M %Z}")
    db.session.commit()
    flash(f"Scheduled for {when:%d %b %Y at %H:%M}.", "success")
    return redirect(url_for(".campaign_detail", campaign_id=campaign.id))


@bp.post("/newsletter/<int:campaign_id>/unschedule")
def campaign_unschedule(campaign_id: int) -> BaseResponse:
    campaign = _campaign_or_404(campaign_id)
    try:
        campaigns.schedule(campaign, None)
    except campaigns.CampaignLocked as refusal:
        return _refused(campaign, refusal)
    _record(AuditAction.CAMPAIGN_UNSCHEDULE, campaign)
    db.session.commit()
    flash("Back to draft: it will not be sent until you schedule or send it.", "info")
    return redirect(url_for(".campaign_detail", campaign_id=campaign.id))


@bp.post("/newsletter/<int:campaign_id>/send")
def campaign_send(campaign_id: int) -> BaseResponse:
    campaign = db.session.get(Campaign, campaign_id, with_for_update=True)
    if campaign is None:
        abort(404)
    try:
        queued = campaigns.queue(campaign)
    except campaigns.CampaignLocked as refusal:
        return _refused(campaign, refusal)
    _record(AuditAction.CAMPAIGN_SEND, campaign, f"{queued} recipients")
    db.session.commit()
    flash(f"Sending to {queued} subscribers. Reload this page to follow it.", "success")
    return redirect(url_for(".campaign_detail", campaign_id=campaign.id))


@bp.post("/newsletter/<int:campaign_id>/pause")
def campaign_pause(campaign_id: int) -> BaseResponse:
    campaign = _campaign_or_404(campaign_id)
    try:
        held = campaigns.pause(campaign)
    except campaigns.CampaignLocked as refusal:
        return _refused(campaign, refusal)
    _record(AuditAction.CAMPAIGN_PAUSE, campaign, f"{held} messages held")
    db.session.commit()
    flash(f"Paused: {held} messages wait until you resume.", "info")
    return redirect(url_for(".campaign_detail", campaign_id=campaign.id))


@bp.post("/newsletter/<int:campaign_id>/resume")
def campaign_resume(campaign_id: int) -> BaseResponse:
    campaign = _campaign_or_404(campaign_id)
    try:
        released = campaigns.resume(campaign)
    except campaigns.CampaignLocked as refusal:
        return _refused(campaign, refusal)
    _record(AuditAction.CAMPAIGN_RESUME, campaign, f"{released} messages released")
    db.session.commit()
    flash(f"Resumed: {released} messages are on their way.", "success")
    return redirect(url_for(".campaign_detail", campaign_id=campaign.id))


def _refused(campaign: Campaign, refusal: Exception) -> BaseResponse:
    db.session.rollback()
    flash(str(refusal), "error")
    return redirect(url_for(".campaign_detail", campaign_id=campaign.id))


# --- Training tips --------------------------------------------------------------------------


@bp.route("/newsletter/tips")
def tip_sequences() -> str:
    found = db.session.scalars(
        sa.select(TipSequence).order_by(TipSequence.id).options(so.selectinload(TipSequence.steps))
    ).all()
    return render_template("staff/newsletter/tip_sequences.html", sequences=found)


def _save_sequence(sequence: TipSequence, form: TipSequenceForm) -> bool:
    for name, value in form.values().items():
        setattr(sequence, name, value)
    try:
        with db.session.begin_nested():
            db.session.add(sequence)
            db.session.flush()
    except IntegrityError:
        form.slug.errors.append("Another sequence has this short name.")
        return False
    if sequence.is_default:  # one default at a time
        db.session.execute(
            sa.update(TipSequence)
            .where(TipSequence.id != sequence.id)
            .values(is_default=False)
            .execution_options(synchronize_session=False)
        )
    return True


@bp.route("/newsletter/tips/new", methods=["GET", "POST"])
def tip_sequence_new() -> str | BaseResponse | tuple[str, int]:
    form = TipSequenceForm()
    if form.validate_on_submit():
        sequence = TipSequence()
        if _save_sequence(sequence, form):
            audit.record(
                AuditAction.TIPS_SEQUENCE_CREATE,
                target_type=AuditTarget.TIP_SEQUENCE,
                target_id=sequence.id,
            )
            db.session.commit()
            flash("Sequence created. Add its tips.", "success")
            return redirect(url_for(".tip_sequence", sequence_id=sequence.id))
    status = 422 if form.is_submitted() else 200
    return render_template(
        "staff/newsletter/tip_sequence_form.html", form=form, sequence=None
    ), status


@bp.route("/newsletter/tips/<int:sequence_id>", methods=["GET", "POST"])
def tip_sequence(sequence_id: int) -> str | BaseResponse | tuple[str, int]:
    """A sequence: its details (editable) and its tips by day."""
    sequence = db.session.scalar(
        sa.select(TipSequence)
        .where(TipSequence.id == sequence_id)
        .options(so.selectinload(TipSequence.steps))
    )
    if sequence is None:
        abort(404)
    form = TipSequenceForm(obj=sequence)
    if form.validate_on_submit() and _save_sequence(sequence, form):
        audit.record(
            AuditAction.TIPS_SEQUENCE_UPDATE,
            target_type=AuditTarget.TIP_SEQUENCE,
            target_id=sequence.id,
        )
        db.session.commit()
        flash("Sequence saved.", "success")
        return redirect(url_for(".tip_sequence", sequence_id=sequence.id))
    status = 422 if form.is_submitted() else 200
    return render_template(
        "staff/newsletter/tip_sequence.html", form=form, sequence=sequence
    ), status


def _step_or_404(sequence_id: int, step_id: int) -> TipStep:
    """A step of this sequence; a step of another sequence is a 404, like any unknown one."""
    step = db.session.scalar(
        sa.select(TipStep).where(TipStep.id == step_id, TipStep.sequence_id == sequence_id)
    )
    if step is None:
        abort(404)
    return step


def _save_step(step: TipStep, form: TipStepForm) -> bool:
    for name, value in form.values().items():
        setattr(step, name, value)
    try:
        with db.session.begin_nested():
            db.session.add(step)
            db.session.flush()
    except IntegrityError:
        form.offset_days.errors.append("This sequence already has a tip on that day.")
        return False
    return True


@bp.route("/newsletter/tips/<int:sequence_id>/steps/new", methods=["GET", "POST"])
def tip_step_new(sequence_id: int) -> str | BaseResponse | tuple[str, int]:
    sequence = db.get_or_404(TipSequence, sequence_id)
    form = TipStepForm()
    if form.validate_on_submit():
        step = TipStep(sequence_id=sequence.id)
        if _save_step(step, form):
            audit.record(
                AuditAction.TIPS_STEP_CREATE, target_type=AuditTarget.TIP_STEP, target_id=step.id
            )
            db.session.commit()
            flash("Tip added.", "success")
            return redirect(url_for(".tip_sequence", sequence_id=sequence.id))
    status = 422 if form.is_submitted() else 200
    return render_template(
        "staff/newsletter/tip_step_form.html", form=form, sequence=sequence, step=None
    ), status


@bp.route("/newsletter/tips/<int:sequence_id>/steps/<int:step_id>", methods=["GET", "POST"])
def tip_step_edit(sequence_id: int, step_id: int) -> str | BaseResponse | tuple[str, int]:
    step = _step_or_404(sequence_id, step_id)
    sequence = db.session.get(TipSequence, sequence_id)
    form = TipStepForm(obj=step)
    if form.validate_on_submit() and _save_step(step, form):
        audit.record(
            AuditAction.TIPS_STEP_UPDATE, target_type=AuditTarget.TIP_STEP, target_id=step.id
        )
        db.session.commit()
        flash("Tip saved.", "success")
        return redirect(url_for(".tip_sequence", sequence_id=sequence_id))
    status = 422 if form.is_submitted() else 200
    return render_template(
        "staff/newsletter/tip_step_form.html", form=form, sequence=sequence, step=step
    ), status


@bp.post("/newsletter/tips/<int:sequence_id>/steps/<int:step_id>/delete")
def tip_step_delete(sequence_id: int, step_id: int) -> BaseResponse:
    step = _step_or_404(sequence_id, step_id)
    audit.record(
        AuditAction.TIPS_STEP_DELETE,
        target_type=AuditTarget.TIP_STEP,
        target_id=step.id,
        detail=step.subject,
    )
    db.session.delete(step)
    db.session.commit()
    flash("Tip deleted.", "info")
    return redirect(url_for(".tip_sequence", sequence_id=sequence_id))


def local_time(moment: datetime | None) -> str:
    return f"{moment.astimezone(practice_zone()):%d %b %Y, %H:%M}" if moment else ""


bp.add_app_template_filter(local_time, "practice_time")
