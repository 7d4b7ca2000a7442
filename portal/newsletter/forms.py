"""The newsletter's public forms: subscribe (the page and the box), preferences, buttons."""

from __future__ import annotations

from typing import Any

from wtforms import Field, HiddenField, RadioField, SubmitField
from wtforms.fields import DateField
from wtforms.validators import Length, Optional, ValidationError

from portal.core.clock import local_today
from portal.models import Topic
from portal.newsletter.subscriptions import Choices
from portal.web.forms import (
    CheckboxGroupField,
    Form,
    date_within,
    days_from_today,
    email_field,
    line_field,
    options,
    race_date_field,
)

# Element ids of the subscribe form carry this prefix, so the box can sit on a page with
# other forms (a comment form has its own "email") without two elements sharing an id. The
# field names stay plain: email, name, topics, race_name, race_on, race_distance, source.
PREFIX = "nl"


def _id(name: str) -> str:
    return f"{PREFIX}-{name}"


MAX_PAUSE_DAYS = 365
TOPIC_CHOICES = options((topic.value, topic.label) for topic in Topic)
DEFAULT_TOPICS = [Topic.TIPS.value, Topic.NEWS.value]


def _topics(label: str, **kwargs: Any) -> CheckboxGroupField:
    return CheckboxGroupField(label, choices=TOPIC_CHOICES, default=DEFAULT_TOPICS, **kwargs)


def _sequence(**kwargs: Any) -> RadioField:
    return RadioField(
        "Race distance",
        coerce=int,
        validators=[Optional()],
        validate_choice=False,  # checked against the sequences in ``chosen_sequence``
        description="We time the tips to it; marathon if you are not sure.",
        **kwargs,
    )


def _source(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class RaceFieldsForm(Form):
    """A form with a goal race: the subclasses declare the three fields (where they show)."""

    race_name: Any
    race_on: Any
    race_distance: Any

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        race_on = self.race_on
        if self.race_name.data and race_on.data is None and not race_on.errors:
            race_on.errors.append("Add the race date too, so we can time the tips to it.")
            valid = False
        return valid

    def set_sequences(self, sequences: list[tuple[int, str]]) -> None:
        self.race_distance.choices = options(sequences)
        if self.race_distance.data is None and sequences:
            self.race_distance.data = sequences[0][0]

    def chosen_sequence(self, sequence_ids: set[int]) -> int | None:
        value = self.race_distance.data
        return value if value in sequence_ids else None


class SubscribeForm(RaceFieldsForm):
    email = email_field(id=_id("email"))
    name = line_field(
        "Name",
        max_length=120,
        description="Optional.",
        render_kw={"autocomplete": "name"},
        id=_id("name"),
    )
    topics = _topics("What would you like to receive?", id=_id("topics"))
    race_name = line_field(
        "Goal race",
        max_length=120,
        description="Optional, e.g. “Riverside Marathon”.",
        id=_id("race_name"),
    )
    race_on = race_date_field("Race date", id=_id("race_on"))
    race_distance = _sequence(id=_id("race_distance"))
    source = HiddenField(
        validators=[Optional(), Length(max=200)], filters=[_source], id=_id("source")
    )
    submit = SubmitField("Subscribe")

    def validate_topics(self, field: Field) -> None:
        if not field.data:
            raise ValidationError("Tick at least one topic.")

    def validate_source(self, field: Field) -> None:
        if field.data and not field.data.startswith("/"):
            raise ValidationError("Unknown form.")

    def choices(self, sequence_ids: set[int]) -> Choices:
        return Choices(
            topics=list(self.topics.data or []),
            name=self.name.data or "",
            race_name=self.race_name.data or None,
            race_on=self.race_on.data,
            sequence_id=self.chosen_sequence(sequence_ids),
        )


def _pause_field() -> DateField:
    return DateField(
        "Pause until",
        validators=[
            Optional(),
            date_within(
                days_from_today(1, local_today),
                days_from_today(MAX_PAUSE_DAYS, local_today),
                f"Choose a date from tomorrow to {MAX_PAUSE_DAYS} days ahead.",
            ),
        ],
        description="Optional: no email until the day after this date (at most a year).",
    )


class PreferencesForm(RaceFieldsForm):
    name = line_field("Name", max_length=120, render_kw={"autocomplete": "name"})
    topics = _topics("Send me")
    race_name = line_field("Goal race", max_length=120)
    race_on = race_date_field("Race date")
    race_distance = _sequence()
    paused_until = _pause_field()
    submit = SubmitField("Save my choices")

    def choices(self, sequence_ids: set[int]) -> Choices:
        return Choices(
            topics=list(self.topics.data or []),
            name=self.name.data or "",
            race_name=self.race_name.data or None,
            race_on=self.race_on.data,
            sequence_id=self.chosen_sequence(sequence_ids),
            paused_until=self.paused_until.data,
        )


class ButtonForm(Form):
    """A form that is only a button (confirm, unsubscribe, new links): CSRF and nothing else."""


def prefill(subscriber: Any, *, today: Any) -> dict[str, Any]:
    """A subscriber's current choices as form data (a pause that is over shows empty)."""
    paused = subscriber.paused_until
    return {
        "name": subscriber.name,
        "topics": [topic.value for topic in subscriber.topics],
        "race_name": subscriber.race_name,
        "race_on": subscriber.race_on,
        "race_distance": subscriber.tip_sequence_id,
        "paused_until": paused if paused is not None and paused >= today else None,
    }
