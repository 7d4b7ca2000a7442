"""The portal's part of "download my data" and of deleting an account."""

from __future__ import annotations

import json

import sqlalchemy as sa

from portal.extensions import db
from portal.models import MassageSession, TrainingProfile
from tests.conftest import PASSWORD
from tests.fixtures.records import PRIVATE


def test_download_includes_sessions_and_recommendations_without_private_notes(
    client, auth, records, therapist
):
    rosa = auth.login_client("rosa@example.com")
    session_id = records.session(rosa, therapist_id=therapist, client_notes="Hips opened up well.")
    records.recommendation(rosa, session_id=session_id, title="Glute bridges")
    records.race(rosa, name="Harbour Half")
    body = client.get("/account/data.json").get_data(as_text=True)
    data = json.loads(body)
    portal = data["client_portal"]
    assert [s["notes"] for s in portal["sessions"]] == ["Hips opened up well."]
    assert portal["sessions"][0]["therapist"] == "Theo Therapist"
    assert [r["title"] for r in portal["recommendations"]] == ["Glute bridges"]
    assert portal["training_profile"]["goal_race_name"] == "Harbour Half"
    assert PRIVATE not in body


def test_another_clients_records_are_not_in_my_download(client, auth, records, make_user):
    other = make_user("trail@example.com")
    records.session(other, client_notes="Someone else's session")
    auth.login_client("rosa@example.com")
    body = client.get("/account/data.json").get_data(as_text=True)
    assert "Someone else's session" not in body
    assert json.loads(body)["client_portal"]["sessions"] == []


def test_deleting_an_account_keeps_treatment_records_and_drops_the_profile(
    app, client, auth, records
):
    rosa = auth.login_client("rosa@example.com")
    records.session(rosa)
    records.race(rosa)
    response = client.post(
        "/account/delete", data={"del-current_password": PASSWORD, "del-understood": "y"}
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(TrainingProfile, rosa) is None
        kept = db.session.scalar(sa.select(sa.func.count()).where(MassageSession.client_id == rosa))
        assert kept == 1
