"""The back office's forms for finding clients, inviting them, and recording their sessions
and recommendations.

Each form's ``values()`` returns exactly the model fields it sets, already normalised, so
the services never see form plumbing (CSRF tokens, submit buttons, empty strings).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from wtforms import (
    Field,
    IntegerField,
    SearchField,
    SelectField,
    SubmitField,
    URLField,
)
from wtforms.fields import DateField, TimeField
from wtforms.validators import (
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from portal.clients.links import is_web_url
from portal.core.clock import local_today
from portal.core.locale import local_date
from portal.core.text import strip
from portal.models import BodyArea, Modality, Pressure
from portal.models.sessions import DURATION_MINUTES, SORENESS
from portal.web.forms import (
    CheckboxGroupField,
    FilterForm,
    Form,
    date_within,
    days_from_today,
    email_field,
    line_field,
    name_field,
    options,
    text_field,
)

# Sessions are recorded after they happen; none are older than the practice's records.
FIRST_SESSION_DATE = date(2000, 1, 1)


class ClientSearchForm(FilterForm):
    q = SearchField("Name or email", validators=[Optional(), Length(max=254)], filters=[strip])
    submit = SubmitField("Search")


class InviteClientForm(Form):
    name = name_field()
    email = email_field(description="They get an email with a link to choose their password.")
    submit = SubmitField("Invite client")


SORENESS_MESSAGE = f"Soreness is a whole number from {SORENESS[0]} (none) to {SORENESS[1]} (worst)."
DURATION_MESSAGE = f"Enter a duration from {DURATION_MINUTES[0]} to {DURATION_MINUTES[1]} minutes."


def _soreness(label: str) -> IntegerField:
    return IntegerField(
        label,
        validators=[
            InputRequired(message=SORENESS_MESSAGE),
            NumberRange(min=SORENESS[0], max=SORENESS[1], message=SORENESS_MESSAGE),
        ],
        render_kw={"min": SORENESS[0], "max": SORENESS[1], "inputmode": "numeric"},
    )


class SessionForm(Form):
    therapist_id = SelectField("Therapist", coerce=int)
    held_on = DateField(
        "Date",
        validators=[
            InputRequired(message="Enter the session's date."),
            date_within(
                FIRST_SESSION_DATE,
                date.max,  # the future is refused below, with today's date in the message
                f"Enter a date from {FIRST_SESSION_DATE:%Y} onwards.",
            ),
        ],
    )
    starts_at = TimeField(
        "Start time", validators=[Optional()], description="Optional; shown in calendars."
    )
    duration_minutes = IntegerField(
        "Duration (minutes)",
        validators=[
            InputRequired(message=DURATION_MESSAGE),
            NumberRange(min=DURATION_MINUTES[0], max=DURATION_MINUTES[1], message=DURATION_MESSAGE),
        ],
        default=60,
        render_kw={"min": DURATION_MINUTES[0], "max": DURATION_MINUTES[1], "step": 5},
    )
    modality = SelectField("Modality", choices=options(Modality.choices()))
    pressure = SelectField(
        "Pressure", choices=options(Pressure.choices()), default=Pressure.MEDIUM.value
    )
    areas = CheckboxGroupField("Areas worked", choices=options(BodyArea.choices()))
    soreness_before = _soreness("Soreness before (0–10)")
    soreness_after = _soreness("Soreness after (0–10)")
    client_notes = text_field(
        "Notes for the client",
        max_length=5000,
        description="The client reads these in their portal.",
    )
    private_notes = text_field(
        "Private notes", max_length=5000, description="Only staff ever see these."
    )
    submit = SubmitField("Save session")

    def validate_held_on(self, field: Field) -> None:
        today = local_today()
        if field.data and field.data > today:
            raise ValidationError(
                f"A session can't be in the future: use today ({local_date(today)}) or earlier."
            )

    def validate_areas(self, field: Field) -> None:
        if not field.data:
            raise ValidationError("Tick at least one area worked.")

    def values(self) -> dict[str, Any]:
        return {
            "therapist_id": self.therapist_id.data,
            "held_on": self.held_on.data,
            "starts_at": self.starts_at.data,
            "duration_minutes": self.duration_minutes.data,
            "modality": self.modality.data,
            "pressure": self.pressure.data,
            "areas": list(self.areas.data or []),
            "soreness_before": self.soreness_before.data,
            "soreness_after": self.soreness_after.data,
            "client_notes": self.client_notes.data or "",
            "private_notes": self.private_notes.data or "",
        }


NO_SESSION = 0


class RecommendationForm(Form):
    title = line_field(
        "Recommendation",
        max_length=200,
        required=True,
        description="Short and concrete, e.g. “Calves with a roller stick”.",
    )
    frequency = line_field(
        "How often", max_length=120, description="Optional, e.g. “5 minutes a day”."
    )
    due_on = DateField(
        "Due by",
        validators=[
            Optional(),
            date_within(
                days_from_today(-365, local_today),
                days_from_today(2 * 365, local_today),
                "Choose a due date within a year back and two years ahead.",
            ),
        ],
        description="Optional.",
    )
    details = text_field("Details", max_length=5000)
    link_url = URLField(
        "Further reading (web address)",
        validators=[Optional(), Length(max=500)],
        filters=[strip],
        description="Optional; must start with https:// or http://.",
    )
    article_slug = SelectField(
        "Article from our blog",
        default="",
        description="Optional; shown to the client with its title (it wins over the web address).",
    )
    session_id = SelectField("Given in session", coerce=int, default=NO_SESSION)
    submit = SubmitField("Save recommendation")

    def validate_link_url(self, field: Field) -> None:
        if field.data and not is_web_url(field.data):
            raise ValidationError("Enter a web address that starts with https:// or http://.")

    def set_articles(self, articles: list[tuple[str, str]], stored: str | None = None) -> None:
        """``(slug, title)`` of the published articles; ``stored``, the slug the record already
        has, stays offered. Only that one: offering whatever was submitted (as this did)
        accepted any text, and PostgreSQL then refused one over 200 characters with a 500."""
        self.article_slug.data = self.article_slug.data or ""
        choices = [("", "No article")] + articles
        if stored and stored not in dict(articles):
            choices.append((stored, f"{stored} (not published)"))
        self.article_slug.choices = options(choices)

    def set_sessions(self, sessions: list[tuple[int, date]]) -> None:
        self.session_id.choices = options(
            [(NO_SESSION, "Not tied to a session")]
            + [(session_id, local_date(held_on)) for session_id, held_on in sessions]
        )

    def values(self) -> dict[str, Any]:
        return {
            "title": self.title.data,
            "frequency": self.frequency.data or None,
            "due_on": self.due_on.data,
            "details": self.details.data or "",
            "link_url": self.link_url.data or None,
            "article_slug": self.article_slug.data or None,
            "session_id": self.session_id.data or None,
        }
