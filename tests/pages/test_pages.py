"""The practice's pages (issue 19, item 1): written by staff in Markdown with a preview, kept
as drafts or published at /<slug>, placed in the menu, audited; reserved addresses refused."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import AuditEntry, Page, PracticeSettings
from portal.pages.services import reserved_slugs

ABOUT = {
    "title": "About the practice",
    "slug": "about",
    "body": "We look after **runners**.\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1))",
    "status": "published",
    "show_in_menu": "y",
    "menu_order": "10",
    "submit": "Save",
}


@pytest.fixture
def staff(auth):
    auth.login_staff()
    return auth.client


def _page(app, slug: str) -> Page | None:
    with app.app_context():
        page = db.session.scalar(sa.select(Page).where(Page.slug == slug))
        if page is not None:
            db.session.expunge(page)
        return page


def test_a_published_page_is_served_sanitized_in_the_menu_and_audited(app, staff):
    response = staff.post("/staff/pages/new", data=ABOUT)
    assert response.status_code == 302
    visitor = app.test_client()
    page = visitor.get("/about")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<strong>runners</strong>" in html
    assert "<script>alert(1)" not in html and 'href="javascript:' not in html
    assert '<a href="/about">About the practice</a>' in visitor.get("/").get_data(as_text=True)
    with app.app_context():
        actions = db.session.scalars(sa.select(AuditEntry.action)).all()
    assert "page.create" in actions


def test_old_style_address_with_a_slash_redirects_permanently(app, staff):
    staff.post("/staff/pages/new", data=ABOUT)
    response = app.test_client().get("/about/")
    assert response.status_code == 301
    assert response.headers["Location"].endswith("/about")
    assert app.test_client().get("/nothing-here/").status_code == 404


def test_a_draft_is_not_public_but_staff_can_preview_it(app, staff):
    preview = staff.post("/staff/pages/new", data={**ABOUT, "preview": "Preview"})
    assert preview.status_code == 200
    assert "Preview (not saved)" in preview.get_data(as_text=True)
    assert _page(app, "about") is None  # the preview saved nothing

    staff.post("/staff/pages/new", data={**ABOUT, "status": "draft"})
    assert _page(app, "about") is not None
    assert app.test_client().get("/about").status_code == 404
    assert "About the practice" not in app.test_client().get("/").get_data(as_text=True)


def test_menu_follows_the_order_staff_give(app, staff):
    staff.post("/staff/pages/new", data={**ABOUT, "menu_order": "20"})
    staff.post(
        "/staff/pages/new",
        data={**ABOUT, "title": "Services and prices", "slug": "services", "menu_order": "5"},
    )
    html = app.test_client().get("/blog/").get_data(as_text=True)
    header = html[html.index('class="nav-wide"') :]
    assert header.index("Services and prices") < header.index("About the practice")


def test_pages_not_in_the_menu_are_only_in_the_footer(app, staff):
    staff.post("/staff/pages/new", data={**ABOUT, "show_in_menu": ""})
    html = app.test_client().get("/").get_data(as_text=True)
    header, footer = html.split('<footer class="site-footer">')
    assert "/about" not in header and 'href="/about"' in footer


@pytest.mark.parametrize("slug", ["blog", "login", "staff", "portal", "newsletter", "sitemap"])
def test_addresses_of_the_site_are_refused(app, staff, slug):
    response = staff.post("/staff/pages/new", data={**ABOUT, "slug": slug})
    assert response.status_code == 422
    assert "already an address of the site" in response.get_data(as_text=True)
    assert _page(app, slug) is None


def test_reserved_words_come_from_the_url_map(app):
    with app.app_context():
        reserved = reserved_slugs()
    assert {"blog", "portal", "staff", "login", "logout", "healthz", "static"} <= reserved
    assert "about" not in reserved


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("slug", "About Us", "lower-case letters"),
        ("slug", "a\x00b", "ordinary text"),
        ("title", "", "This field is required"),
        ("title", "One\nTwo", "ordinary text"),
        ("menu_order", "1000", "from 0 to 999"),
        ("menu_order", "-1", "from 0 to 999"),
        ("menu_order", "99999999999999999999", "from 0 to 999"),
        ("body", "", "Write the page first"),
        ("status", "scheduled", "Not a valid choice"),
    ],
)
def test_bad_input_is_explained_and_nothing_is_saved(app, staff, field, value, message):
    response = staff.post("/staff/pages/new", data={**ABOUT, field: value})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Page)) == 0


def test_two_pages_cannot_share_an_address(app, staff):
    staff.post("/staff/pages/new", data=ABOUT)
    response = staff.post("/staff/pages/new", data={**ABOUT, "title": "Other"})
    assert response.status_code == 422
    assert "Another page already has this address" in response.get_data(as_text=True)


def test_editing_and_deleting_are_audited(app, staff):
    staff.post("/staff/pages/new", data=ABOUT)
    page = _page(app, "about")
    assert (
        staff.post(f"/staff/pages/{page.id}", data={**ABOUT, "title": "About us"}).status_code
        == 302
    )
    assert "About us" in app.test_client().get("/about").get_data(as_text=True)
    assert staff.post(f"/staff/pages/{page.id}/delete").status_code == 302
    assert app.test_client().get("/about").status_code == 404
    with app.app_context():
        actions = db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions[-3:] == ["page.create", "page.update", "page.delete"]
    assert staff.get(f"/staff/pages/{page.id}").status_code == 404


def test_only_staff_write_pages(app, auth, client):
    assert client.get("/staff/pages").status_code == 302  # to the sign-in page
    auth.login_client()
    assert client.get("/staff/pages").status_code == 403
    assert client.post("/staff/pages/new", data=ABOUT).status_code == 403


def test_placeholders_show_the_practice_settings_escaped(app, staff):
    with app.app_context():
        db.session.add(
            PracticeSettings(
                id=1,
                name="Massage Works",
                address="14 Oak <b>Street</b>, Los Gatos",
                phone="(408) 555-0142",
                opening_hours="Tue–Sat 7 AM–7 PM",
                sender_email="hello@massageworks.example",
            )
        )
        db.session.commit()
    staff.post("/staff/pages/new", data={**ABOUT, "body": "Find us at [[address]], [[hours]]."})
    html = app.test_client().get("/about").get_data(as_text=True)
    assert "14 Oak &lt;b&gt;Street&lt;/b&gt;, Los Gatos, Tue–Sat 7 AM–7 PM." in html


def test_privacy_notice_is_there_before_staff_write_one(app, staff):
    html = app.test_client().get("/privacy").get_data(as_text=True)
    assert "how long" in html.lower() and "Download my data" in html
    staff.post(
        "/staff/pages/new",
        data={**ABOUT, "title": "Privacy", "slug": "privacy", "body": "Our own words."},
    )
    assert "Our own words." in app.test_client().get("/privacy").get_data(as_text=True)


def test_get_on_a_post_only_address_is_still_405(client):
    assert client.get("/logout").status_code == 405


@pytest.mark.parametrize("path", ["/", "/newsletter/subscribe", "/register"])
def test_consent_words_link_to_the_privacy_page(client, path):
    html = client.get(path).get_data(as_text=True)
    consent = html[html.index('class="hint consent"') :]
    consent = consent[: consent.index("</p>")]
    assert 'href="/privacy"' in consent


def test_every_public_page_says_how_to_book_in_its_header(app, client):
    with app.app_context():
        db.session.add(
            PracticeSettings(
                id=1,
                name="Massage Works",
                address="118 Bachman Avenue, Los Gatos, CA 95030",
                phone="(408) 555-0142",
                booking_url="https://book.massageworks.example/",
                sender_email="hello@massageworks.example",
            )
        )
        db.session.commit()
    for path in ("/", "/blog/", "/privacy", "/login"):
        html = client.get(path).get_data(as_text=True)
        header = html[html.index('<header class="site-header">') : html.index("</header>")]
        assert 'class="button book-button" href="https://book.massageworks.example/"' in header


def test_the_home_page_leads_with_booking_not_with_signing_in(app, client):
    with app.app_context():
        db.session.add(
            PracticeSettings(
                id=1,
                name="Massage Works",
                address="118 Bachman Avenue, Los Gatos, CA 95030",
                phone="(408) 555-0142",
                booking_email="book@massageworks.example",
                sender_email="hello@massageworks.example",
            )
        )
        db.session.commit()
    html = client.get("/").get_data(as_text=True)
    main = html[html.index('<main id="main"') :]
    assert main.index("What we offer") < main.index("Client sign in")
    hero = main[: main.index("</section>")]
    assert 'href="mailto:book@massageworks.example?subject=Booking"' in hero
    assert "(408) 555-0142" in hero
    assert 'class="button" href="/login"' not in main  # sign-in is a plain link, not the headline
