"""The back office's forms for the booking rules behind "when to book next".

Each form's ``values()`` returns exactly the model fields it sets, already normalised, so
the services never see form plumbing (CSRF tokens, submit buttons, empty strings).
"""

from __future__ import annotations

from typing import Any

from wtforms import (
    BooleanField,
    Field,
    IntegerField,
    SelectField,
    SubmitField,
)
from wtforms.validators import (
    InputRequired,
    NumberRange,
    Optional,
    ValidationError,
)

from portal.models import Audience, RuleKind
from portal.web.forms import (
    Form,
    line_field,
    options,
    text_field,
)


class BookingRuleForm(Form):
    title = line_field("Title", max_length=120, required=True)
    advice = text_field("Advice shown to clients", max_length=500, required=True)
    kind = SelectField(
        "Kind",
        choices=options(
            [(RuleKind.BOOK.value, "Book a session"), (RuleKind.AVOID.value, "Avoid massage")]
        ),
    )
    audience = SelectField(
        "Who it is for",
        choices=options(
            [
                (Audience.EVERYONE.value, "Everyone"),
                (Audience.NEW_TO_MASSAGE.value, "Clients new to massage (fewer than 3 sessions)"),
                (Audience.EXPERIENCED.value, "Clients used to massage"),
            ]
        ),
    )
    starts_days = IntegerField(
        "From (days relative to race day)",
        validators=[Optional(), NumberRange(min=-365, max=365)],
        description="Negative is before the race: -3 is three days before. Empty: no start.",
    )
    ends_days = IntegerField(
        "Until (days relative to race day)",
        validators=[Optional(), NumberRange(min=-365, max=365)],
        description="Empty: no end.",
    )
    repeat_every_days = IntegerField(
        "Repeat every (days)",
        validators=[Optional(), NumberRange(min=1, max=90)],
        description="For regular sessions, e.g. 7 for weekly. Empty: once.",
    )
    position = IntegerField("Order", validators=[InputRequired(), NumberRange(min=0, max=1000)])
    is_active = BooleanField("In use")
    submit = SubmitField("Save rule")

    def validate_ends_days(self, field: Field) -> None:
        start = self.starts_days.data
        if start is not None and field.data is not None and field.data < start:
            raise ValidationError("The window must end on or after the day it starts.")

    def values(self) -> dict[str, Any]:
        names = ("title", "advice", "kind", "audience", "starts_days", "ends_days")
        values = {name: getattr(self, name).data for name in names}
        values.update(
            repeat_every_days=self.repeat_every_days.data,
            position=self.position.data,
            is_active=self.is_active.data,
        )
        return values
