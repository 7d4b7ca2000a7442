"""The back office's page editor form."""

from __future__ import annotations

from wtforms import BooleanField, Field, IntegerField, SelectField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, ValidationError

from portal.pages.services import SLUG_MAX, SLUG_PATTERN
from portal.web.forms import Form, line_field, options

PAGE_MAX_LENGTH = 100_000
MENU_ORDER = (0, 999)
PAGE_STATUS_CHOICES = [
    ("draft", "Draft (only staff see it)"),
    ("published", "Published"),
]


class PageForm(Form):
    title = line_field("Title", max_length=200, required=True)
    slug = line_field(
        "Address",
        max_length=SLUG_MAX,
        description="What comes after the site's address, e.g. “about” for /about: lower-case "
        "letters, digits and hyphens. Leave empty to make one from the title.",
    )
    body = TextAreaField(
        "Page text",
        validators=[
            InputRequired(message="Write the page first."),
            Length(max=PAGE_MAX_LENGTH, message="A page can be at most 100,000 characters."),
        ],
        description="Markdown, as in articles. [[address]], [[phone]], [[hours]], "
        "[[booking_email]], [[booking_link]] and [[name]] show the practice settings.",
    )
    status = SelectField("Status", choices=options(PAGE_STATUS_CHOICES), default="draft")
    show_in_menu = BooleanField("Show in the site menu", default=True)
    menu_order = IntegerField(
        "Place in the menu",
        default=10,
        validators=[
            InputRequired(message="Enter a whole number from 0 to 999."),
            NumberRange(*MENU_ORDER, message="Enter a whole number from 0 to 999."),
        ],
        description="Smaller numbers come first.",
    )
    preview = SubmitField("Preview")
    submit = SubmitField("Save")

    def validate_slug(self, field: Field) -> None:
        if field.data and not SLUG_PATTERN.match(field.data):
            raise ValidationError(
                "Use lower-case letters, digits and single hyphens (e.g. visit-us)."
            )
