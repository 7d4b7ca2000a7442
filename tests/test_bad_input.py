"""No 500s from bad input, for anyone, on every route (issue 8, item 4).

Each role (anonymous, client, staff, admin) crawls the demo site from its home pages, as a
person would. Then:

- every GET route gets ids no database column can hold (2^31, 2^63, 10^30) in each ``<int:…>``
  variable, and absurd values (huge numbers, negative ones, far dates, NUL, line breaks) in
  ``?page=``, ``?next=``, ``?token=`` and every query parameter its page's links and filter
  forms use;
- every form the crawl found gets a NUL, then a line break, in each of its text fields, the
  other fields filled as a browser would;
- every POST route whose form no crawl reached gets NUL and line breaks in every text field
  name any form of the site has.

Nothing may answer 5xx (or raise). A NUL in any field, or a line break in a single-line field,
must be refused: a 4xx, or the form again with the error beside the field and what was typed
kept. The suite runs on SQLite and, with ``TEST_DATABASE_URL``, on PostgreSQL (which refuses
NUL in text and numbers past 2^31−1 in integer columns); the first test checks which one this
run really used. Nothing here names a route: routes added later are walked the same way.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape
from werkzeug.datastructures import MultiDict
from werkzeug.routing import IntegerConverter, Rule
from wtforms import PasswordField, StringField, TextAreaField
from wtforms.fields.core import UnboundField

from portal.demo import DEMO_LOGINS, seed_all
from portal.extensions import db
from portal.models import BouncedAddress, Role, User
from portal.web import forms as site_forms
from tests.conftest import PASSWORD, sign_in
from tests.crawl import Crawl, FormField, HtmlForm, crawl, endpoint_of
from tests.fixtures.mail import deliver, queue
from tests.routes import rules

BIG_IDS = (2**31, 2**63, 10**30)
BAD_QUERY_VALUES = (
    "2147483648",
    "9223372036854775808",
    "1" + "0" * 30,
    "-1",
    "9999-12-31",
    "2147483648.abc",
    "١٢",  # Arabic-Indic digits: str.isdigit() says yes
    "\x00",
    "a\r\nb",
)
GENERIC_PARAMETERS = ("page", "next", "token")
BAD_TEXT = {"NUL": "Wal\x00ker", "line break": "Walker\r\nSet-Cookie: x=1"}
START = ["/", "/portal/", "/staff/", "/account", "/login", "/register", "/reset-password"]
ROLES = ("anonymous", "member", "client", "staff", "admin")
# Thousands of requests from one address: rate limits stay on, out of reach.
NO_LIMITS = pytest.mark.config(
    **{
        name: "1000000 per hour"
        for name in (
            "LOGIN_LIMIT_PER_IP",
            "LOGIN_FAILURES_PER_ACCOUNT",
            "LOGIN_FAILURES_PER_DEVICE",
            "REGISTER_LIMIT_PER_IP",
            "REGISTER_LIMIT_PER_ACCOUNT",
            "RESET_LIMIT_PER_IP",
            "RESET_LIMIT_PER_ACCOUNT",
        )
    }
)


@dataclass
class Visitor:
    role: str
    client: FlaskClient
    seen: Crawl


def _demo_login(role: Role) -> tuple[str, str] | None:
    for email, password, login_role, _name in DEMO_LOGINS:
        if login_role == role:
            return email, password
    return None


def _prepare_world(app: Flask) -> dict[str, tuple[str, str] | None]:
    """The demo data, an admin, and something in every mail page; returns the logins."""
    with app.app_context():
        seed_all()
        admin = _demo_login(Role.ADMIN)
        if admin is None:
            admin = ("walker-admin@example.com", PASSWORD)
            from portal.auth.passwords import hash_password
            from portal.models.types import utcnow

            db.session.add(
                User(
                    email=admin[0],
                    name="Walker Admin",
                    role=Role.ADMIN.value,
                    password_hash=hash_password(PASSWORD),
                    email_confirmed_at=utcnow(),
                )
            )
        db.session.add(BouncedAddress(address="gone@example.com", hard_failures=2))
        db.session.commit()
    queue(app, 2)
    deliver(app)  # the development mailbox has messages
    queue(app, 1, prefix="failing")  # and the mail log a pending one
    return {
        "anonymous": None,
        "member": _demo_login(Role.MEMBER),
        "client": _demo_login(Role.CLIENT),
        "staff": _demo_login(Role.STAFF),
        "admin": admin,
    }


@pytest.fixture
def visitors(app: Flask) -> dict[str, Visitor]:
    logins = _prepare_world(app)
    found = {}
    for role in ROLES:
        client = app.test_client()
        login = logins[role]
        if login is not None:
            assert sign_in(client, *login).status_code == 302, role
        found[role] = Visitor(role, client, crawl(app, client, START))
    return found


def _send(client: FlaskClient, method: str, address: str, data: Any = None):
    """The response, or a string saying what went wrong (5xx or an exception)."""
    try:
        response = client.open(address, method=method, data=data)
    except Exception as error:  # TESTING propagates errors: this is the 500 we look for
        return f"{type(error).__name__}: {str(error)[:200]}"
    if response.status_code >= 500:
        return f"status {response.status_code}"
    return response


def _fill(rule: Rule, values: dict[str, Any]) -> str:
    path = rule.rule
    for name in rule.arguments:
        path = re.sub(rf"<(?:[^:<>]+:)?{name}>", str(values[name]), path)
    return path


def _values_for(app: Flask, rule: Rule, seen: Crawl) -> dict[str, Any]:
    """The rule's variables as on a page the crawl reached, else 1 and "x"."""
    values: dict[str, Any] = {
        name: 1 if isinstance(converter, IntegerConverter) else "x"
        for name, converter in rule._converters.items()  # noqa: SLF001
    }
    address = seen.address_for(rule.endpoint)
    if address:
        adapter = app.url_map.bind("localhost")
        _, arguments = adapter.match(urlsplit(address).path, method="GET")
        values.update(arguments)
    return values


def test_this_run_uses_the_database_it_was_given(app):
    expected = "postgresql" if os.environ.get("TEST_DATABASE_URL") else "sqlite"
    with app.app_context():
        assert db.engine.dialect.name == expected


@NO_LIMITS
def test_every_get_route_survives_oversize_ids_and_absurd_parameters(app, visitors):
    problems = [f"{v.role} {failure}" for v in visitors.values() for failure in v.seen.failures]
    covered = set()
    for visitor in visitors.values():
        for rule in rules(app, "GET"):
            values = _values_for(app, rule, visitor.seen)
            reached = rule.endpoint in visitor.seen.reached()
            addresses = []
            for name, converter in rule._converters.items():  # noqa: SLF001
                if isinstance(converter, IntegerConverter):
                    addresses += [_fill(rule, {**values, name: big}) for big in BIG_IDS]
                else:  # a slug, tag or token with a NUL or a line break in it
                    addresses += [
                        _fill(rule, {**values, name: quote(bad, safe="")})
                        for bad in BAD_TEXT.values()
                    ]
            base = _fill(rule, values)
            names = set(GENERIC_PARAMETERS) | visitor.seen.links.get(rule.endpoint, set())
            names |= {
                field.name
                for form in visitor.seen.forms
                if form.method == "get"
                and endpoint_of(app.url_map.bind("localhost"), form.action) == rule.endpoint
                for field in form.fields
            }
            if not reached:  # the role cannot open it: one try is enough
                names, bad_values = {"page"}, BAD_QUERY_VALUES[2:3]
            else:
                bad_values = BAD_QUERY_VALUES
                covered.add(rule.endpoint)
            addresses += [
                f"{base}?{urlencode({name: value})}"
                for name in sorted(names)
                for value in bad_values
            ]
            for address in addresses:
                outcome = _send(visitor.client, "GET", address)
                if isinstance(outcome, str):
                    problems.append(f"{visitor.role} GET {address!r}: {outcome}")
    assert not problems, "\n".join(problems)
    # The crawl reached the pages that matter (a crawl that finds nothing tests nothing).
    assert {"clients.session_detail", "staff.edit_session", "staff.mailbox_message"} <= covered


def _filler(field: FormField) -> str:
    """What a person would type into an empty field of this kind."""
    return {
        "email": "walker@example.com",
        "password": "a-long-walker-password",
        "date": date.today().isoformat(),
        "time": "10:00",
        "number": field.minimum or "1",
        "url": "https://example.com/reading",
        "textarea": "A few words.",
        "hidden": "",
    }.get(field.kind, "Walker text")


def _browser_data(form: HtmlForm) -> list[tuple[str, str]]:
    """The form as a browser sends it, empty fields filled in and one box of each group
    ticked, so that the field under test is the only thing wrong."""
    data: list[tuple[str, str]] = []
    groups: dict[str, list[FormField]] = {}
    for field in form.fields:
        if field.kind in ("checkbox", "radio"):
            groups.setdefault(field.name, []).append(field)
        elif field.kind == "select":
            data.append((field.name, field.value))
        else:
            data.append((field.name, field.value or _filler(field)))
    for name, boxes in groups.items():
        chosen = [box for box in boxes if box.checked] or boxes[:1]
        data += [(name, box.value or "y") for box in chosen]
    return data


def _must_refuse(field: FormField, kind: str) -> bool:
    """NUL anywhere, a line break in a single line: the form must not accept it."""
    if field.kind == "hidden":
        return False  # not typed by anyone; only "no 500" applies
    if kind == "NUL":
        return True
    return field.kind not in ("textarea", "password")


def _check_refusal(response, form: HtmlForm, sent: list[tuple[str, str]], fuzzed: str) -> str:
    """'' if the response refuses properly, else what is wrong."""
    if 400 <= response.status_code < 500:
        return ""
    if response.status_code not in (200, 422):
        return f"accepted it (status {response.status_code})"
    page = response.get_data(as_text=True)
    if 'aria-invalid="true"' not in page:
        return "no error shown beside a field"
    kinds = {field.name: field.kind for field in form.fields}
    for name, value in sent:
        typed = kinds.get(name) not in ("password", "hidden", "checkbox", "radio", "select")
        if name != fuzzed and typed and value and str(escape(value)) not in page:
            return f"did not keep what was typed in {name!r}"
    return ""


@NO_LIMITS
def test_every_form_refuses_nul_and_line_breaks_in_each_text_field(app, visitors):
    problems: list[str] = []
    adapter = app.url_map.bind("localhost")
    fuzzed_fields = 0
    for visitor in visitors.values():
        done = set()
        for form in visitor.seen.forms:
            if form.method != "post":
                continue
            endpoint = endpoint_of(adapter, form.action, "POST")
            identity = (endpoint, tuple(sorted(field.name for field in form.fields)))
            if endpoint is None or identity in done:
                continue
            done.add(identity)
            base = _browser_data(form)
            for field in form.fields:
                if not field.is_text or field.name == "csrf_token":
                    continue
                fuzzed_fields += 1
                for kind, bad in BAD_TEXT.items():
                    # After what was there: a ``next`` keeps its valid start.
                    value = (field.value or _filler(field)) + bad
                    sent = [(n, value if n == field.name else v) for n, v in base]
                    outcome = _send(visitor.client, "POST", form.action, MultiDict(sent))
                    where = f"{visitor.role} POST {form.action} ({form.page}) {field.name}={kind}"
                    if isinstance(outcome, str):
                        problems.append(f"{where}: {outcome}")
                    elif _must_refuse(field, kind):
                        problem = _check_refusal(outcome, form, sent, field.name)
                        if problem:
                            problems.append(f"{where}: {problem}")
    assert not problems, "\n".join(problems)
    assert fuzzed_fields >= 30  # the crawl found the forms (login, account, sessions…)


def _text_field_names() -> set[str]:
    """Every text field name of every form class of the site."""
    names: set[str] = set()
    pending = [site_forms.Form, site_forms.FilterForm]
    while pending:
        form_class = pending.pop()
        pending.extend(form_class.__subclasses__())
        for name, value in vars(form_class).items():
            if isinstance(value, UnboundField) and issubclass(
                value.field_class, StringField | TextAreaField | PasswordField
            ):
                names.add(name)
    return names


@NO_LIMITS
def test_every_post_route_survives_bad_text_without_its_form(app, visitors):
    """Routes whose form no crawl reached (token links, other roles' pages): NUL and line
    breaks in every field name the site's forms use."""
    names = _text_field_names() | {"next", "address", "email", "token"}
    assert {"name", "email", "title", "client_notes", "password"} <= names
    adapter = app.url_map.bind("localhost")
    problems: list[str] = []
    for visitor in visitors.values():
        posted_to = {endpoint_of(adapter, form.action, "POST") for form in visitor.seen.forms}
        for rule in rules(app, "POST"):
            if rule.endpoint in posted_to:
                continue
            values = _values_for(app, rule, visitor.seen)
            addresses = [_fill(rule, values)] + [
                _fill(rule, {**values, name: quote(bad, safe="")})
                for name, converter in rule._converters.items()  # noqa: SLF001
                if not isinstance(converter, IntegerConverter)
                for bad in BAD_TEXT.values()
            ]
            for address in addresses:
                for bad in BAD_TEXT.values():
                    data = MultiDict([(name, bad) for name in sorted(names)])
                    outcome = _send(visitor.client, "POST", address, data)
                    if isinstance(outcome, str):
                        problems.append(f"{visitor.role} POST {address}: {outcome}")
    assert not problems, "\n".join(problems)
