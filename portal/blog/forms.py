"""The blog's public forms: comments (guest and member), editing a comment, the search box,
and the one-button confirm/stop forms of the notification links."""

from __future__ import annotations

from wtforms import (
    BooleanField,
    IntegerField,
    SearchField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import HiddenInput

from portal.core.text import strip
from portal.web.forms import FilterForm, Form, clean_text_filter, email_field, name_field
from portal.web.pagination import MAX_ID

COMMENT_MAX_LENGTH = 5000
COMMENT_TOO_LONG = (
    f"A comment can be at most {COMMENT_MAX_LENGTH:,} characters. Shorten it a little "
    "(your text is still here)."
)


def comment_body_field() -> TextAreaField:
    # The length message names the limit and says the text is kept (it is: the form comes
    # back with it).
    return TextAreaField(
        "Your comment",
        validators=[
            DataRequired(message="Write your comment first."),
            Length(max=COMMENT_MAX_LENGTH, message=COMMENT_TOO_LONG),
        ],
        filters=[clean_text_filter],
        description="Plain text; *emphasis*, [links](https://…) and lists work.",
    )


class CommentForm(Form):
    """A member's comment (they comment as themselves)."""

    body = comment_body_field()
    parent_id = IntegerField(
        widget=HiddenInput(),
        validators=[Optional(), NumberRange(min=1, max=MAX_ID)],
    )
    notify = BooleanField("Email me when someone replies to my comment")
    # A field people never see (hidden by the stylesheet): robots fill in every field.
    website = StringField("Leave this field empty", validators=[Optional(), Length(max=200)])
    submit = SubmitField("Post comment")


class GuestCommentForm(CommentForm):
    name = name_field("Name", description="Shown with your comment.")
    email = email_field(
        "Email", description="Never shown. Used to recognise you and, if you ask, for replies."
    )


class EditCommentForm(Form):
    body = comment_body_field()
    submit = SubmitField("Save changes")


class DeleteCommentForm(Form):
    submit = SubmitField("Delete my comment")


class ButtonForm(Form):
    """A page whose only control is one button (confirm, stop): the POST does the work."""

    submit = SubmitField("Confirm")


class SearchForm(FilterForm):
    q = SearchField(
        "Search articles",
        validators=[Optional(), Length(max=200, message="Use at most 200 characters.")],
        filters=[strip],
    )
