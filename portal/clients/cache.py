"""The portal's pages, rendered once per change: each client's dashboard and history parts
are kept per web process under the versions of what they show (``portal.core.render_cache``).

What a cached part shows, and the scope whose version covers it:

- the client's sessions, their areas, recommendations, training profile, name: ``client:<id>``
  (bumped by the ORM when any of them is added, changed or deleted, by whoever: the client,
  a therapist, an import);
- practice settings (how to book), booking rules, therapists' names, the titles of linked
  articles: ``global``;
- the newsletter's box (the subscription of the client's address, the tips to come): the
  scope the newsletter registers for a person (``render_cache.person_scope``);
- the date: the dashboard's advice moves with today, so the practice's date is in the key.

Per request, without a database query: the CSRF token in the part's buttons (cached with a
marker in its place).

Whole pages (``cached_page``): the layout around a part (navigation, footer with the
practice's details, sign-out button) shows nothing the same versions do not cover: the
person's name, email and role are in their ``client:<id>`` scope, the practice's details in
``global``, the navigation follows the role and the page. So the page is kept as well, per
client and key, under the same versions, with the CSRF token marked as in a part; the
static files whose fingerprinted names it holds are noted and checked (a changed stylesheet
gets a new name). A request with flash messages to show gets the layout rendered for it.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from flask import Flask, current_app, g, render_template, request, session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from portal.core.render_cache import (
    GLOBAL,
    VersionedCache,
    client_scope,
    own_scopes,
    track,
    versions,
)
from portal.extensions import db
from portal.models import BookingRule, MassageSession, Recommendation, TrainingProfile, User
from portal.web import static_files
from portal.web.cross_origin import CSRF_PLACEHOLDER


def client_versions(client_id: int) -> tuple[int, ...]:
    """The versions of the client's records, of what every page shows, and of the scopes
    other features keep for this person (the newsletter: their subscription), read first:
    with the signed-in person's row (``portal.auth.session.load_user``), else one query."""
    found = g.get("client_versions")
    if found is None:
        loaded = g.get("own_versions")
        if loaded is not None and loaded[0] == client_id == current_user.id:
            found = loaded[1]
        else:
            found = versions(db.session, [client_scope(client_id), *own_scopes(current_user)[1:]])
        g.client_versions = found
        g.global_version = found[1]  # the practice's details may be reused under it
    return found


def cached_part(
    name: str, client_id: int, key: tuple[Hashable, ...], render: Callable[[], str]
) -> Markup:
    """The part ``name`` of the client's page for ``key`` (request parameters, the date),
    rendered by ``render`` only when its versions changed since this process last did."""
    cache: VersionedCache = current_app.extensions["client_parts"]
    version = client_versions(client_id)
    token = generate_csrf()
    part = cache.get((name, client_id, key), version)
    if part is None:
        part = render().replace(token, CSRF_PLACEHOLDER)
        cache.put((name, client_id, key), version, part)
    # Markup: the part is our own template's output, escaped when it was rendered.
    return Markup(part.replace(CSRF_PLACEHOLDER, token))  # noqa: S704


def cached_page(
    name: str,
    client_id: int,
    key: tuple[Hashable, ...],
    render: Callable[[], str],
    template: str,
) -> str:
    """``template`` around the part ``name`` (as ``body``), the whole page kept like the part."""
    if "_flashes" in session:  # shown once, on this page: the layout is rendered for them
        return render_template(template, body=cached_part(name, client_id, key, render))
    cache: VersionedCache = current_app.extensions["client_parts"]
    version = client_versions(client_id)
    token = generate_csrf()
    page_key = ("page", name, client_id, key, request.script_root)
    files = current_app.extensions.get("static_files")
    entry = cache.get(page_key, version)
    if entry is not None and static_files.current(files, entry[1]):
        return str(entry[0].replace(CSRF_PLACEHOLDER, token))
    g.static_files_used = []
    page = render_template(template, body=cached_part(name, client_id, key, render))
    used = g.pop("static_files_used")
    noted = tuple((f, files.digest(f)) for f in dict.fromkeys(used)) if files else ()
    cache.put(page_key, version, (page.replace(token, CSRF_PLACEHOLDER), noted))
    return page


def _clients_of_records(obj: Any) -> list[str]:
    return [client_scope(obj.client_id)]


def _user(user: User) -> list[str]:
    scopes = [client_scope(user.id)]
    if user.is_staff:
        scopes.append(GLOBAL)  # therapists' names are on their clients' pages
    return scopes


def init_app(app: Flask) -> None:
    app.extensions["client_parts"] = VersionedCache()


track(MassageSession, _clients_of_records)
track(Recommendation, _clients_of_records)
track(TrainingProfile, lambda profile: [client_scope(profile.user_id)])
track(BookingRule, lambda _rule: [GLOBAL])
track(User, _user, attributes=("name", "email", "role", "is_active_account"))
