"""Practice settings (admins only): the practice's details shown to clients and in emails,
its logo and colour, and how dates are written.

The logo goes through the article images' upload path (``portal.blog.images.store_image``):
re-encoded by Pillow from pixels alone, within the same size bounds, and served with them.
"""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.auth.permissions import admin_required
from portal.blog import images
from portal.core import practice
from portal.extensions import db
from portal.staff import bp
from portal.staff.forms.settings import PracticeSettingsForm
from portal.web.forms import options

FORM_FIELDS = (
    "name",
    "address",
    "phone",
    "opening_hours",
    "booking_url",
    "booking_email",
    "sender_email",
    "brand_colour",
    "locale",
    "time_zone",
)


def _form(details: practice.PracticeDetails) -> PracticeSettingsForm:
    form = PracticeSettingsForm(data={name: getattr(details, name) for name in FORM_FIELDS})
    for field, current in ((form.locale, details.locale), (form.time_zone, details.time_zone)):
        if current not in {choice.value for choice in field.choices}:  # from the configuration
            field.choices = [*options([(current, current)]), *field.choices]
    return form


def _logo(form: PracticeSettingsForm, details: practice.PracticeDetails) -> str | None:
    """The logo to save: the upload (re-encoded, stored as an image), none, or the current."""
    if form.remove_logo.data:
        return None
    upload = form.logo.data
    if upload is None or not getattr(upload, "filename", ""):
        return details.logo_filename
    with upload.stream as stream:
        data = stream.read()
    alt = f"{form.name.data} logo"
    return images.store_image(data, alt_text=alt, uploader=current_user).filename


@bp.route("/settings", methods=["GET", "POST"])
@admin_required
def practice_settings() -> str | Response | tuple[str, int]:
    details = practice.current()
    form = _form(details)
    if form.validate_on_submit():
        try:
            logo = _logo(form, details)
        except images.ImageRefused as refused:
            form.logo.errors = [str(refused)]
        else:
            changed = practice.save({**form.values(), "logo_filename": logo}, by=current_user)
            db.session.commit()
            flash("Practice settings saved." if changed else "Nothing changed.", "success")
            return redirect(url_for("staff.practice_settings"))
    status = 422 if form.errors else 200
    return render_template("staff/settings.html", form=form, details=details), status


def upload_limit() -> int:
    return current_app.config["BLOG_IMAGE_MAX_BYTES"] + 64 * 1024  # the picture and the form


@bp.before_request
def _allow_logo_upload() -> None:
    """The settings form carries the logo: it may be as large as an article image."""
    if request.endpoint == "staff.practice_settings":
        request.max_content_length = upload_limit()
