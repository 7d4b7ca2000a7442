"""The portal's POST routes need a CSRF token (switched off elsewhere in the tests)."""

from __future__ import annotations

import re

import pytest

from tests.conftest import sign_in


@pytest.mark.config(WTF_CSRF_ENABLED=True)
def test_mark_done_needs_the_pages_csrf_token(app, make_user, records):
    rosa = make_user("rosa@example.com")
    rec = records.recommendation(rosa)
    client = app.test_client()
    assert sign_in(client, "rosa@example.com").status_code == 302

    assert client.post(f"/portal/recommendations/{rec}/done").status_code == 400

    page = client.get("/portal/recommendations").get_data(as_text=True)
    form_token = re.search(
        rf'action="/portal/recommendations/{rec}/done"[^>]*>\s*<input type="hidden" '
        r'name="csrf_token" value="([^"]+)"',
        page,
    ).group(1)
    response = client.post(f"/portal/recommendations/{rec}/done", data={"csrf_token": form_token})
    assert response.status_code == 302
