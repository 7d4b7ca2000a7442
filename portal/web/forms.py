"""What every form of the site shares: the rules for text and dates, and the common fields.

Every form derives from ``Form`` (POST, with a CSRF token) or ``FilterForm`` (GET filters and
searches, which change nothing). Both check every field before anything else runs:

- single-line fields (names, titles, subjects, emails, search terms…) refuse control
  characters and line breaks (``portal.core.text``);
- multi-line fields (``TextAreaField``) refuse control characters other than tab and line
  breaks; passwords only refuse NUL;
- dates (and the day of date-times) must fall between ``EARLIEST_DATE`` and
  ``LATEST_DATE`` (year 1 or 9999 would overflow date arithmetic on the dashboard and in
  the calendar feed); fields add narrower business ranges with ``date_within``.

So a crafted request gets a message beside the field, with the form as typed, instead of a
database error, whatever form a feature adds later.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    EmailField,
    Field,
    PasswordField,
    SelectChoice,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms import Form as PlainForm
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from portal.core.clock import local_today
from portal.core.text import (
    MULTI_LINE_MESSAGE,
    SINGLE_LINE_MESSAGE,
    clean_text,
    is_clean_text,
    is_single_line,
    normalise_email,
    strip,
)
from portal.web.cross_origin import tokens_apply

EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2100, 12, 31)
DATE_MESSAGE = "Enter a date between 1900 and 2100."


def _text_problem(field: Field) -> str | None:
    values = field.raw_data or []
    texts = [value for value in values if isinstance(value, str)]
    if isinstance(field, PasswordField):
        return "Remove the NUL character." if any("\x00" in text for text in texts) else None
    if isinstance(field, TextAreaField):
        return None if all(is_clean_text(text) for text in texts) else MULTI_LINE_MESSAGE
    return None if all(is_single_line(text) for text in texts) else SINGLE_LINE_MESSAGE


def _date_problem(field: Field) -> str | None:
    value = field.data
    if isinstance(value, datetime):  # a DateTimeField's value: compare its day
        value = value.date()
    in_range = not isinstance(value, date) or EARLIEST_DATE <= value <= LATEST_DATE
    return None if in_range else DATE_MESSAGE


def refuse_unsafe_input(form: Any) -> bool:
    """Mark every field holding unsafe text or an absurd date; False if there was one.

    Runs after the fields' own validators, and replaces their messages on such a field: a
    message about the unusable input is the one that helps.
    """
    safe = True
    for field in form:
        problem = _text_problem(field) or _date_problem(field)
        if problem:
            field.errors = [problem]
            safe = False
    return safe


class Form(FlaskForm):
    """A form that changes something: POST, with a CSRF token when a signed-in person sends it.

    Anonymous readers' forms carry no token (no session, so no cookie: their pages can be
    shared); the origin check of every unsafe request protects them
    (``portal.web.cross_origin``).

    The token's field is always called ``csrf_token``, also in a form with a prefix (the
    account page's ``name-``, ``pw-``…): every form of a page carries the same token anyway,
    and scanners and proxies that look for the usual name then see, and test, the protection
    (wapiti reported the prefixed ``name-csrf_token`` as a form without one).
    """

    class Meta(FlaskForm.Meta):
        @property
        def csrf(self) -> bool:
            return tokens_apply()

        def bind_field(self, form: Any, unbound_field: Any, options: dict[str, Any]) -> Any:
            if options.get("name") == self.csrf_field_name:
                options = {**options, "prefix": ""}
            return super().bind_field(form, unbound_field, options)

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        return refuse_unsafe_input(self) and bool(valid)


class FilterForm(PlainForm):
    """A GET form for filters and searches (no CSRF token: it changes nothing)."""

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        return refuse_unsafe_input(self) and bool(valid)


def options(pairs: Iterable[tuple[Any, str]]) -> list[SelectChoice]:
    """``(value, label)`` pairs as WTForms choices (plain tuples are deprecated there)."""
    return [SelectChoice(value, label) for value, label in pairs]


def clean_text_filter(value: str | None) -> str | None:
    return clean_text(value).strip() if isinstance(value, str) else value


def email_field(label: str = "Email", **kwargs: Any) -> EmailField:
    return EmailField(
        label,
        validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)],
        filters=[normalise_email],
        render_kw={"autocomplete": "email"},
        **kwargs,
    )


def line_field(
    label: str, *, max_length: int, required: bool = False, **kwargs: Any
) -> StringField:
    """A single line of text (a name, a title), trimmed; empty is allowed unless required."""
    first = DataRequired() if required else Optional()
    return StringField(label, validators=[first, Length(max=max_length)], filters=[strip], **kwargs)


def name_field(label: str = "Name", **kwargs: Any) -> StringField:
    kwargs.setdefault("render_kw", {"autocomplete": "name"})
    return line_field(label, max_length=120, required=True, **kwargs)


def text_field(label: str, *, max_length: int, required: bool = False, **kwargs: Any) -> Any:
    """Several lines of text (notes, details), trimmed."""
    first = DataRequired() if required else Optional()
    return TextAreaField(
        label, validators=[first, Length(max=max_length)], filters=[clean_text_filter], **kwargs
    )


DateBound = date | Callable[[], date]


def _resolve(bound: DateBound) -> date:
    return bound() if callable(bound) else bound


def date_within(earliest: DateBound, latest: DateBound, message: str) -> Callable[..., None]:
    """A validator: the date lies between ``earliest`` and ``latest`` (dates, or callables
    that return one, for ranges relative to today)."""

    def check(form: Any, field: Field) -> None:
        if field.data is not None and not _resolve(earliest) <= field.data <= _resolve(latest):
            raise ValidationError(message)

    return check


def days_from_today(days: int, today: Callable[[], date] = date.today) -> Callable[[], date]:
    return lambda: today() + timedelta(days=days)


RACE_DATE_MESSAGE = "Choose a race date within the past year or the next three years."


def race_date_field(label: str = "Race date", **kwargs: Any) -> DateField:
    """A goal race's date: recent or ahead, never year 1 or 9999 (training profile, newsletter)."""
    return DateField(
        label,
        validators=[
            Optional(),
            date_within(
                days_from_today(-365, local_today),
                days_from_today(3 * 366, local_today),
                RACE_DATE_MESSAGE,
            ),
        ],
        **kwargs,
    )


class CheckboxGroupField(SelectMultipleField):
    """Several choices as a group of checkboxes.

    The form macro draws a ``RadioField`` as a fieldset of options with a legend; a group of
    checkboxes wants exactly that markup, so this field presents itself under that type.
    """

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.type = "RadioField"
