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
