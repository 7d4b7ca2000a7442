"""Flask-Limiter's hooks run for the views that carry a limit, and only for those."""

from __future__ import annotations

from portal.extensions import limiter


def test_limited_views_are_checked_and_report_their_limit(app, client):
    for _ in range(2):
        response = client.post("/login", data={"email": "x@example.com", "password": "nope"})
    assert response.status_code == 200
    assert "X-RateLimit-Limit" in response.headers  # the after-request hook ran
    assert app.extensions["limited_endpoint"]("auth.login")


def test_other_views_never_reach_the_limiter(app, client, monkeypatch):
    calls: list[str] = []
    monkeypatch.setattr(limiter.limiter, "hit", lambda *a, **k: calls.append("hit") or True)
    monkeypatch.setattr(limiter.limiter, "test", lambda *a, **k: calls.append("test") or True)
    response = client.get("/")
    assert response.status_code == 200
    assert "X-RateLimit-Limit" not in response.headers
    assert calls == []
    assert not app.extensions["limited_endpoint"]("main.index")
    client.post("/login", data={"email": "x@example.com", "password": "nope"})
    assert calls  # the same app checks a limited view


def test_rate_limits_fail_open_with_a_warning_when_redis_is_down(database_url, caplog):
    """With the configured Redis stopped, limited forms still answer (no 500), and the
    limiter says why it let the request through."""
    from portal.extensions import db
    from tests.conftest import make_test_app
    from tests.fixtures.smtp import free_port
    from tests.newsletter.test_subscribe import FORM

    down = f"redis://127.0.0.1:{free_port()}/0"
    app = make_test_app(database_url, REDIS_URL=down, RATELIMIT_STORAGE_URI=down)
    with app.app_context():
        db.create_all()
    client = app.test_client()
    subscribe = client.post("/newsletter/subscribe", data=FORM)
    login = client.post("/login", data={"email": "nobody@example.com", "password": "x"})
    with app.app_context():
        db.engine.dispose()
    assert subscribe.status_code == 200
    assert "Check your email" in subscribe.get_data(as_text=True)
    assert login.status_code == 200  # the form again, with its message
    assert "do not match an account" in login.get_data(as_text=True)
    assert any(
        record.levelname == "WARNING" and "limit" in record.getMessage().lower()
        for record in caplog.records
    )
