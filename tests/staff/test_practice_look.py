"""The practice's own look (issue 19, item 4): a logo uploaded through the article images'
path (re-encoded by Pillow) and a brand colour, used by the site's header and every email;
and its locale and time zone (item 12), used by every date the site writes."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from io import BytesIO

import pytest
import sqlalchemy as sa
from PIL import Image
from werkzeug.datastructures import FileStorage
from werkzeug.test import stream_encode_multipart

from portal.auth.passwords import hash_password
from portal.core import practice
from portal.extensions import db
from portal.models import AuditEntry, BlogImage, PracticeSettings, Role, User
from portal.models.types import utcnow
from tests.conftest import PASSWORD, sign_in
from tests.fixtures.mail import deliver, queue

SETTINGS = {
    "name": "Massage Works",
    "address": "118 Bachman Avenue, Los Gatos, CA 95030",
    "phone": "(408) 555-0142",
    "opening_hours": "Mon–Fri 7 AM–7 PM",
    "booking_url": "",
    "booking_email": "book@massageworks.example",
    "sender_email": "hello@massageworks.example",
    "brand_colour": "#1d4f6e",
    "locale": "en_US",
    "time_zone": "America/Los_Angeles",
    "submit": "Save settings",
}


@pytest.fixture
def image_dir(app, tmp_path):
    app.config["BLOG_IMAGE_DIR"] = str(tmp_path / "images")
    return tmp_path / "images"


def _jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (1200, 600), (30, 80, 110))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (37.0, 13.0, 12.0), 3: "W", 4: (121.0, 58.0, 40.0)}
    out = BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def _save(client, logo: bytes | None = None, name: str = "logo.jpg", **changes: str):
    fields: dict[str, object] = {**SETTINGS, **changes}
    if logo is not None:
        fields["logo"] = FileStorage(BytesIO(logo), filename=name)
    stream, length, boundary = stream_encode_multipart(fields, use_tempfile=False)
    return client.post(
        "/staff/settings",
        input_stream=stream,
        content_length=length,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def test_the_logo_is_reencoded_without_its_hidden_data_and_heads_every_page(
    app, client, auth, image_dir
):
    auth.login_admin()
    assert _save(client, _jpeg_with_gps()).status_code == 302
    with app.app_context():
        image = db.session.scalar(sa.select(BlogImage))
        assert practice.current().logo_filename == image.filename
        assert db.session.scalar(sa.select(AuditEntry.action)) == "settings.update"
    with Image.open(image_dir / image.filename) as stored:
        assert not stored.getexif()  # no camera, no GPS position
    header = app.test_client().get("/blog/").get_data(as_text=True).split("</header>")[0]
    assert f'src="/blog/images/{image.filename}"' in header

    assert _save(client, remove_logo="y").status_code == 302
    assert "brand-logo" not in app.test_client().get("/").get_data(as_text=True)


def test_a_file_that_is_no_image_is_refused_and_nothing_is_saved(app, client, auth, image_dir):
    auth.login_admin()
    response = _save(client, b"%PDF-1.4 not a picture", name="logo.png")
    assert response.status_code == 422
    assert "not a JPEG, PNG or WebP image" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(PracticeSettings, 1) is None
        assert db.session.scalar(sa.select(sa.func.count()).select_from(BlogImage)) == 0


@pytest.mark.parametrize("colour", ["1d4f6e", "#1d4f6", "#1d4f6g", "red", "#1d4f6e\n"])
def test_a_colour_that_is_not_hex_is_refused(app, client, auth, colour):
    auth.login_admin()
    response = _save(client, brand_colour=colour)
    assert response.status_code == 422
    with app.app_context():
        assert db.session.get(PracticeSettings, 1) is None


def test_the_brand_colour_styles_the_header_with_readable_text(app, client, auth):
    auth.login_admin()
    assert _save(client, brand_colour="#F2B705").status_code == 302  # a light yellow
    html = app.test_client().get("/").get_data(as_text=True)
    assert 'href="/brand/f2b705.css"' in html
    css = app.test_client().get("/brand/f2b705.css")
    assert css.mimetype == "text/css" and css.cache_control.max_age == 365 * 24 * 3600
    text = css.get_data(as_text=True)
    assert "--brand: #f2b705" in text
    assert "--brand-ink: #111111" in text  # dark text on a light colour
    assert "--accent: #0b5d57" in text  # too light for links on the page: the site's own
    assert app.test_client().get("/brand/zzzzzz.css").status_code == 404
    assert practice.contrast("#f2b705", "#111111") >= 4.5


def test_emails_carry_the_logo_the_colour_and_a_readable_footer(smtp_app, smtp_server, image_dir):
    smtp_app.config["BLOG_IMAGE_DIR"] = str(image_dir)
    with smtp_app.app_context():
        db.session.add(
            User(
                email="ada@example.com",
                name="Ada Lindqvist",
                role=Role.ADMIN.value,
                password_hash=hash_password(PASSWORD),
                email_confirmed_at=utcnow(),
            )
        )
        db.session.commit()
    browser = smtp_app.test_client()
    assert sign_in(browser, "ada@example.com").status_code == 302
    assert _save(browser, _jpeg_with_gps(), brand_colour="#7a1f3d").status_code == 302
    queue(smtp_app, 1)
    assert deliver(smtp_app).sent == 1
    html = smtp_server.messages[0].message.get_body(("html",)).get_content()
    assert re.search(r'<img src="http[^"]+/blog/images/[0-9a-f]{32}\.jpg"', html)
    assert "background:#7a1f3d" in html.replace(" ", "")
    footer = html[html.index("118 Bachman Avenue") - 300 :]
    sizes = [int(size) for size in re.findall(r"font-size:\s*(\d+)px", footer)]
    assert sizes and min(sizes) >= 14


@pytest.mark.parametrize(
    ("locale", "time_zone", "shown"),
    [
        ("en_US", "America/Los_Angeles", "Wed, Jul 1, 2026, 5:05\u202fAM"),
        ("en_GB", "Europe/London", "Wed, 1 Jul 2026, 13:05"),
    ],
)
def test_dates_follow_the_practice_locale_and_time_zone(
    app, client, auth, locale, time_zone, shown
):
    auth.login_admin()
    assert _save(client, locale=locale, time_zone=time_zone).status_code == 302
    with app.app_context():
        db.session.add(
            AuditEntry(created_at=datetime(2026, 7, 1, 12, 5, tzinfo=UTC), action="client.view")
        )
        db.session.commit()
    page = client.get("/staff/audit").get_data(as_text=True)
    assert shown in page
    assert "2026-07-01" not in page.replace('datetime="2026-07-01', "")


def test_an_unknown_locale_or_zone_is_refused(app, client, auth):
    auth.login_admin()
    assert _save(client, locale="xx_YY").status_code == 422
    assert _save(client, time_zone="Mars/Olympus_Mons").status_code == 422
    with app.app_context():
        assert db.session.get(PracticeSettings, 1) is None
