"""The back office's forms for campaigns, their schedule, and the training-tip sequences.

Each form's ``values()`` returns exactly the model fields it sets, already normalised, so
the services never see form plumbing (CSRF tokens, submit buttons, empty strings).
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from wtforms import (
    BooleanField,
    DateTimeLocalField,
    Field,
    IntegerField,
    SubmitField,
)
from wtforms.fields import DateField
from wtforms.validators import (
    InputRequired,
    NumberRange,
    Optional,
    ValidationError,
)

from portal.core.clock import local_now, local_today
from portal.models import Topic
from portal.models.newsletter import OFFSET_RANGE as TIP_OFFSETS
from portal.web.forms import (
    CheckboxGroupField,
    Form,
    date_within,
    days_from_today,
    line_field,
    options,
    text_field,
)

NEWSLETTER_TOPICS = options((topic.value, topic.label) for topic in Topic)
MAX_SCHEDULE_DAYS = 365


def _audience_date(label: str) -> DateField:
    return DateField(
        label,
        validators=[
            Optional(),
            date_within(
                days_from_today(-365, local_today),
                days_from_today(3 * 366, local_today),
                "Choose a date within the past year or the next three years.",
            ),
        ],
    )


class CampaignForm(Form):
    subject = line_field("Subject", max_length=200, required=True)
    body_markdown = text_field(
        "Text (Markdown)",
        max_length=50_000,
        required=True,
        description="Markdown: ## for a heading, **bold**, [a link](https://…), - for a list.",
    )
    topics = CheckboxGroupField(
        "Send to subscribers of",
        choices=NEWSLETTER_TOPICS,
        default=[Topic.NEWS.value],
    )
    race_from = _audience_date("Only runners whose race is on or after")
    race_to = _audience_date("… and on or before")
    submit = SubmitField("Save campaign")

    def validate_topics(self, field: Field) -> None:
        if not field.data:
            raise ValidationError("Choose at least one topic.")

    def validate_race_to(self, field: Field) -> None:
        start = self.race_from.data
        if start is not None and field.data is not None and field.data < start:
            raise ValidationError("The range must end on or after the day it starts.")

    def values(self) -> dict[str, Any]:
        return {
            "subject": self.subject.data,
            "body_markdown": self.body_markdown.data,
            "topics": ",".join(self.topics.data or []),
            "race_from": self.race_from.data,
            "race_to": self.race_to.data,
        }


class ScheduleForm(Form):
    send_at = DateTimeLocalField(
        "Send at (practice time)",
        format="%Y-%m-%dT%H:%M",
        validators=[InputRequired(message="Choose a date and time.")],
    )
    submit = SubmitField("Schedule")

    def validate_send_at(self, field: Field) -> None:
        # The field holds the practice's wall-clock time (PRACTICE_TIMEZONE), naive.
        now = local_now().replace(tzinfo=None)
        if field.data is None or not now < field.data <= now + timedelta(days=MAX_SCHEDULE_DAYS):
            raise ValidationError(
                f"Choose a moment in the future, at most {MAX_SCHEDULE_DAYS} days ahead."
            )


class TipSequenceForm(Form):
    name = line_field("Name", max_length=120, required=True, description="E.g. “Marathon”.")
    slug = line_field(
        "Short name",
        max_length=40,
        required=True,
        description="Lower-case letters, digits and dashes, e.g. “marathon”.",
    )
    description = line_field("Who it is for", max_length=300)
    is_default = BooleanField("Default: for subscribers who chose no race distance")
    submit = SubmitField("Save sequence")

    def validate_slug(self, field: Field) -> None:
        if field.data and not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", field.data):
            raise ValidationError("Use lower-case letters, digits and single dashes.")

    def values(self) -> dict[str, Any]:
        return {
            "name": self.name.data,
            "slug": self.slug.data,
            "description": self.description.data or "",
            "is_default": self.is_default.data,
        }


class TipStepForm(Form):
    offset_days = IntegerField(
        "Days from race day",
        validators=[
            InputRequired(message="Enter a number of days."),
            NumberRange(
                min=TIP_OFFSETS[0],
                max=TIP_OFFSETS[1],
                message=f"Enter a number from {TIP_OFFSETS[0]} to {TIP_OFFSETS[1]}.",
            ),
        ],
        description="Negative is before the race: -56 is eight weeks before, 2 two days after.",
        render_kw={"min": TIP_OFFSETS[0], "max": TIP_OFFSETS[1]},
    )
    subject = line_field("Subject", max_length=200, required=True)
    body_markdown = text_field("Tip (Markdown)", max_length=20_000, required=True)
    submit = SubmitField("Save tip")

    def values(self) -> dict[str, Any]:
        return {
            "offset_days": self.offset_days.data,
            "subject": self.subject.data,
            "body_markdown": self.body_markdown.data,
        }
