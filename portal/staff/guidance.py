"""Back office: the booking guidance rules behind "when to book next" on every dashboard."""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, render_template, url_for
from werkzeug.wrappers import Response

from portal.extensions import db
from portal.models import BookingRule
from portal.staff import bp
from portal.staff.forms.guidance import BookingRuleForm


@bp.route("/clients/guidance")
def booking_rules() -> str:
    rules = db.session.scalars(
        sa.select(BookingRule).order_by(BookingRule.position, BookingRule.id)
    )
    return render_template("staff/clients/rules.html", rules=list(rules))


@bp.route("/clients/guidance/new", methods=["GET", "POST"])
@bp.route("/clients/guidance/<int:rule_id>", methods=["GET", "POST"])
def edit_booking_rule(rule_id: int | None = None) -> str | Response:
    rule = db.get_or_404(BookingRule, rule_id) if rule_id is not None else None
    form = BookingRuleForm(obj=rule) if rule else BookingRuleForm(position=100, is_active=True)
    if form.validate_on_submit():
        rule = rule or BookingRule()
        for name, value in form.values().items():
            setattr(rule, name, value)
        db.session.add(rule)
        db.session.commit()
        flash(f"Booking rule “{rule.title}” saved.", "success")
        return redirect(url_for(".booking_rules"))
    return render_template("staff/clients/rule_form.html", form=form, rule=rule)
