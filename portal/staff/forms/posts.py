"""The back office's forms for articles and their images.

Each form's ``values()`` returns exactly the model fields it sets, already normalised, so
the services never see form plumbing (CSRF tokens, submit buttons, empty strings).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    Field,
    SelectField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    InputRequired,
    Length,
    Optional,
    ValidationError,
)

from portal.core.clock import practice_zone
from portal.web.forms import (
    Form,
    line_field,
    options,
)

POST_STATUS_CHOICES = [
    ("draft", "Draft (only staff see it)"),
    ("scheduled", "Scheduled: appears by itself at the time below"),
    ("published", "Published"),
]
ARTICLE_MAX_LENGTH = 100_000


class PostForm(Form):
    title = line_field("Title", max_length=200, required=True)
    slug = line_field(
        "Address (slug)",
        max_length=200,
        description="The last part of the article's address: lower-case letters, digits and "
        "hyphens. Leave empty to make one from the title. Fixed once the article has been "
        "public.",
    )
    summary = line_field(
        "Summary", max_length=500, description="One or two sentences for lists, feeds and links."
    )
    tags = line_field("Tags", max_length=300, description="Separated by commas.")
    body_source = TextAreaField(
        "Article",
        validators=[
            InputRequired(message="Write the article first."),
            Length(max=ARTICLE_MAX_LENGTH, message="An article can be at most 100,000 characters."),
        ],
        description="Markdown: ## headings, *emphasis*, [links](https://…), lists, > quotes, "
        "tables, and images (“Add an image” below).",
    )
    status = SelectField("Status", choices=options(POST_STATUS_CHOICES), default="draft")
    publish_at = DateTimeLocalField(
        "Publication time",
        format="%Y-%m-%dT%H:%M",
        validators=[Optional()],
        description="Practice time. Needed for a scheduled article; for a published one, "
        "empty means now.",
    )
    send_by_email = BooleanField("Also send to newsletter subscribers by email")
    preview = SubmitField("Preview")
    submit = SubmitField("Save")

    def validate_slug(self, field: Field) -> None:
        from portal.blog.posts import is_slug

        if field.data and not is_slug(field.data):
            raise ValidationError(
                "Use lower-case letters, digits and single hyphens (e.g. it-band-myths)."
            )

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if (
            self.status.data == "scheduled"
            and self.publish_at.data is None
            and not self.publish_at.errors
        ):
            self.publish_at.errors = ["Choose when the scheduled article appears."]
            valid = False
        return valid

    def publish_time(self) -> datetime | None:
        """The publication time as an aware datetime (the field is in practice time)."""
        value = self.publish_at.data
        return value.replace(tzinfo=practice_zone()) if value is not None else None


class ImageUploadForm(Form):
    image = FileField(
        "Image file",
        validators=[FileRequired(message="Choose an image file.")],
        description="JPEG, PNG or WebP. Large photos are scaled down; location and camera "
        "data are removed.",
    )
    alt_text = line_field(
        "Description for people who cannot see it (alt text)",
        max_length=300,
        required=True,
        description="Say what the picture shows, e.g. “Foam-rolling the outer thigh”.",
    )
    submit = SubmitField("Upload")
