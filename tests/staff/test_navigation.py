"""Every back-office page has the back office's navigation (issue 8, item 12): the mail log,
the mailbox and the audit log used to have no way back. The test walks the URL map, so
pages added later are checked too."""

from __future__ import annotations

import re

import pytest

from tests.routes import example_path, rules

NAV = '<nav aria-label="Back office" class="subnav">'


@pytest.fixture
def filled(app, make_user, records) -> dict[str, int]:
    """One of each record, so that pages with ids answer 200."""
    rosa = make_user("rosa@example.com", name="Rosa Runner")
    session_id = records.session(rosa)
    records.recommendation(rosa, session_id=session_id)
    return {"client_id": rosa}


def test_every_staff_page_has_the_back_office_navigation(app, client, auth, filled):
    auth.login_admin()
    checked = []
    for rule in rules(app, "GET"):
        if not rule.rule.startswith("/staff/"):
            continue
        response = client.get(example_path(rule, number=filled["client_id"]))
        if response.status_code != 200 or response.mimetype != "text/html":
            continue  # another client's id, a part served alone (a mail's HTML)
        page = response.get_data(as_text=True)
        if "<html" not in page:
            continue
        assert NAV in page, rule.rule
        checked.append(rule.rule)
    for must in ("/staff/", "/staff/mail/log", "/staff/mail/mailbox", "/staff/audit"):
        assert must in checked


def test_the_current_section_is_marked_and_a_sub_page_points_to_its_section(client, auth, filled):
    auth.login_staff()
    nav = re.search(
        r'<nav aria-label="Back office".*?</nav>', client.get("/staff/audit").text, re.S
    )
    assert nav and 'href="/staff/audit" aria-current="page">Audit log' in nav.group(0)
    assert 'href="/staff/">Overview' in nav.group(0)
    detail = client.get(f"/staff/clients/{filled['client_id']}").text
    assert 'href="/staff/clients" aria-current="true">Clients' in detail


def test_therapists_do_not_see_admin_sections_and_clients_see_no_back_office_nav(client, auth):
    auth.login_staff()
    page = client.get("/staff/").text
    assert NAV in page and "/staff/accounts" not in page
    auth.logout()
    auth.login_client()
    forbidden = client.get("/staff/audit")
    assert forbidden.status_code == 403 and NAV not in forbidden.text
