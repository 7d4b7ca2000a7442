"""Pages run a fixed number of SQL statements, however long the client's history.

Each page is measured with a small and a large history; the counts must match and stay
within budget. A query per row (a forgotten eager load) would make them differ, and the
models' ``lazy="raise_on_sql"`` relationships would fail the request outright.
"""

from __future__ import annotations

import pytest

BUDGET = 9


def _measure(client, count_queries, url: str, *, cached: bool = False) -> int:
    """Statements of one request; unless ``cached``, as when the page's parts are rendered
    (the first visit after a change), else as when they come from the cache."""
    client.get(url)  # warm up: the first request of a client also loads templates
    if not cached:
        client.application.extensions["client_parts"].clear()
    with count_queries() as log:
        response = client.get(url)
    assert response.status_code == 200
    return log.count


def _client_with_history(make_user, records, therapist: int, sessions: int, email: str) -> int:
    client_id = make_user(email)
    records.sessions(client_id, sessions, therapist)
    for n in range(max(2, sessions // 10)):
        records.recommendation(client_id, title=f"Drill {n}", due_in=n, done=n % 3 == 0)
    records.race(client_id, in_days=42)
    return client_id


@pytest.mark.parametrize(
    "url",
    [
        "/portal/",
        "/portal/sessions",
        "/portal/sessions?page=2",
        "/portal/recommendations",
        "/portal/progress",
        "/portal/calendar.ics",
    ],
)
def test_client_pages_cost_the_same_for_10_and_300_sessions(
    app, client, auth, make_user, records, therapist, count_queries, url
):
    records.default_rules()
    small_history = 25 if "page=2" in url else 10  # page 2 needs more than one page
    _client_with_history(make_user, records, therapist, small_history, "s@e.com")
    _client_with_history(make_user, records, therapist, 300, "l@e.com")

    auth.login("s@e.com")
    small = _measure(client, count_queries, url)
    auth.logout()
    auth.login("l@e.com")
    large = _measure(client, count_queries, url)

    assert small == large, f"{url}: {small} statements for 10 sessions, {large} for 300"
    assert large <= BUDGET, f"{url}: {large} statements"


def test_the_dashboard_and_history_counts_are_what_we_expect(
    app, client, auth, make_user, records, therapist, count_queries
):
    """Pinned numbers, so a change in either direction is noticed and explained."""
    records.default_rules()
    _client_with_history(make_user, records, therapist, 30, "c@e.com")
    auth.login("c@e.com")
    # Rendering: user with the versions of their pages (client, global, newsletter);
    # profile; last session (+ therapist joined); its areas; rules; count; active recs; the
    # newsletter subscription of the client's address (none here). The practice's details
    # come from the process's cache under the global version.
    assert _measure(client, count_queries, "/portal/") == 8
    # user with versions; filter choices; page count; page rows (+ therapist); their areas
    assert _measure(client, count_queries, "/portal/sessions") == 5
    # From the cache: the user with the versions, nothing else (the newsletter box is in the
    # cached part too).
    assert _measure(client, count_queries, "/portal/", cached=True) == 1
    assert _measure(client, count_queries, "/portal/sessions", cached=True) == 1


@pytest.mark.parametrize(
    ("url", "budget"),
    [
        ("/staff/clients", BUDGET),
        # the record, with the pictures (soreness series, area counts) and its audit entry
        ("/staff/clients/{id}", 11),
    ],
)
def test_staff_pages_cost_the_same_for_10_and_300_sessions(
    client, auth, make_user, records, therapist, count_queries, url, budget
):
    small_id = _client_with_history(make_user, records, therapist, 10, "s@e.com")
    large_id = _client_with_history(make_user, records, therapist, 300, "l@e.com")
    auth.login_staff()
    small = _measure(client, count_queries, url.format(id=small_id))
    large = _measure(client, count_queries, url.format(id=large_id))
    assert small == large
    assert large <= budget
