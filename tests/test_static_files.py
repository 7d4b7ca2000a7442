"""Static files: fingerprinted URLs cached for a year, plain names revalidated; compression."""

from __future__ import annotations

import hashlib
import re

import pytest
from flask import url_for

from config import BASE_DIR


def _stylesheet_url(app) -> str:  # type: ignore[no-untyped-def]
    with app.test_request_context():
        return url_for("static", filename="css/site.css")


def test_pages_link_the_stylesheet_by_its_fingerprint(app, client):
    digest = hashlib.sha256((BASE_DIR / "static/css/site.css").read_bytes()).hexdigest()[:12]
    url = _stylesheet_url(app)
    assert url == f"/static/css/site.{digest}.css"
    assert f'href="{url}"' in client.get("/").get_data(as_text=True)

    with client.get(url) as response:
        assert response.status_code == 200
        assert response.data == (BASE_DIR / "static/css/site.css").read_bytes()
        assert response.cache_control.max_age == 365 * 24 * 3600
        assert response.cache_control.immutable and response.cache_control.public


def test_plain_names_and_old_fingerprints_are_served_but_revalidated(client):
    for path in ("/static/css/site.css", "/static/css/site.0123456789ab.css"):
        with client.get(path) as response:
            assert response.status_code == 200, path
            assert response.cache_control.no_cache and not response.cache_control.immutable
            assert response.headers["ETag"]


@pytest.mark.parametrize(
    "path", ["/static/css/nothing.css", "/static/../config.py", "/static/css/site.zz.css"]
)
def test_unknown_static_paths_are_404(client, path):
    assert client.get(path).status_code == 404


@pytest.mark.config(COMPRESS_RESPONSES=True)
def test_compression_when_switched_on_spares_html(app, client):
    with client.get(_stylesheet_url(app), headers={"Accept-Encoding": "gzip"}) as css:
        assert css.headers.get("Content-Encoding") == "gzip"
    page = client.get("/", headers={"Accept-Encoding": "gzip, br"})
    assert "Content-Encoding" not in page.headers  # HTML carries CSRF tokens (BREACH)
    assert re.search(r"<html", page.get_data(as_text=True))


def test_no_compression_by_default(app, client):
    with client.get(_stylesheet_url(app), headers={"Accept-Encoding": "gzip"}) as css:
        assert "Content-Encoding" not in css.headers


def test_a_cached_copy_is_confirmed_with_304(app, client):
    url = _stylesheet_url(app)
    with client.get(url) as first:
        etag = first.headers["ETag"]
    with client.get(url, headers={"If-None-Match": etag}) as again:
        assert again.status_code == 304 and not again.data
