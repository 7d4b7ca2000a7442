"""The back office's forms: client records, booking rules, staff accounts, practice settings,
newsletter.

Each form's ``values()`` returns exactly the model fields it sets, already normalised, so
the services never see form plumbing (CSRF tokens, submit buttons, empty strings).
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any

from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    EmailField,
    Field,
    IntegerField,
    SearchField,
    SelectChoice,
    SelectField,
    SubmitField,
    TextAreaField,
    URLField,
)
from wtforms.fields import DateField, TimeField
from wtforms.validators import (
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from portal.clients.links import is_web_url
from portal.core.clock import local_now, local_today, practice_zone
from portal.core.text import normalise_email, strip
from portal.mail.compose import check_address
from portal.models import Audience, BodyArea, Modality, Pressure, Role, RuleKind, Topic
from portal.models.newsletter import OFFSET_RANGE as TIP_OFFSETS
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


class InviteStaffForm(Form):
    name = name_field()
    email = email_field()
    role = SelectField(
        "Role",
        choices=[
            SelectChoice(Role.STAFF.value, "Therapist (staff)"),
            SelectChoice(Role.ADMIN.value, "Administrator"),
        ],
        default=Role.STAFF.value,
    )
    submit = SubmitField("Send invitation")


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
                f"A session can't be in the future: use today ({today:%d %b %Y}) or earlier."
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
            + [(session_id, f"{held_on:%d %b %Y}") for session_id, held_on in sessions]
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


def _optional_email(label: str, **kwargs: Any) -> EmailField:
    return EmailField(
        label,
        validators=[Optional(), Email(check_deliverability=False), Length(max=254)],
        filters=[normalise_email],
        **kwargs,
    )


PHONE_CHARACTERS = set("0123456789 +-().")


class PracticeSettingsForm(Form):
    """The practice's details (admins): the footer, "how to book" and every email use them."""

    name = line_field("Practice name", max_length=120, required=True)
    address = line_field(
        "Postal address",
        max_length=300,
        required=True,
        description="One line, e.g. “12 Tempo Lane, Riverside, RS1 4KM”. Shown in the "
        "site's footer and at the bottom of every email.",
    )
    phone = line_field("Phone", max_length=40, description="Optional; clients can call to book.")
    opening_hours = line_field(
        "Opening hours", max_length=200, description="Optional, e.g. “Mon–Fri 8:00–20:00”."
    )
    booking_url = URLField(
        "Online booking (web address)",
        validators=[Optional(), Length(max=500)],
        filters=[strip],
        description="Optional; must start with https:// or http://.",
    )
    booking_email = _optional_email("Booking email", description="Optional.")
    sender_email = EmailField(
        "Sender address",
        validators=[InputRequired(), Email(check_deliverability=False), Length(max=254)],
        filters=[normalise_email],
        description="The From of every email the site sends; your mail server must be "
        "allowed to send for it.",
    )
    submit = SubmitField("Save settings")

    def validate_phone(self, field: Field) -> None:
        digits = sum(c.isdigit() for c in field.data or "")
        if field.data and (set(field.data) - PHONE_CHARACTERS or digits < 6):
            raise ValidationError("Enter a phone number: digits, spaces, + - ( ) only.")

    def validate_booking_url(self, field: Field) -> None:
        if field.data and not is_web_url(field.data):
            raise ValidationError("Enter a web address that starts with https:// or http://.")

    def validate_sender_email(self, field: Field) -> None:
        try:
            check_address(field.data or "")
        except ValueError:
            raise ValidationError(
                "Use a plain address in ASCII letters, e.g. hello@example.com."
            ) from None

    def values(self) -> dict[str, Any]:
        names = ("name", "address", "phone", "opening_hours", "booking_url", "booking_email")
        values: dict[str, Any] = {name: getattr(self, name).data or None for name in names}
        values["sender_email"] = self.sender_email.data
        return values


# --- Newsletter ---------------------------------------------------------------------------

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


# --- the blog --------------------------------------------------------------------------------

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
        "tables, and images uploaded on the Images page.",
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
        from portal.blog.posts import SLUG_PATTERN

        if field.data and not SLUG_PATTERN.match(field.data):
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


class BlockedWordsForm(Form):
    words = text_field(
        "Words that hold a comment for moderation",
        max_length=20_000,
        description="One word or phrase per line; letter case does not matter.",
    )
    submit = SubmitField("Save the list")

    def word_list(self) -> list[str]:
        seen: dict[str, str] = {}
        for line in (self.words.data or "").splitlines():
            word = " ".join(line.split())[:80]
            if word and word.lower() not in seen:
                seen[word.lower()] = word.lower()
        return sorted(seen.values())
