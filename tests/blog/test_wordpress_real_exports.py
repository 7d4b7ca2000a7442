"""`flask blog import-wxr` on the exports people actually have: WordPress.com's undeclared
prefixes, the https namespace, two sites side by side, hidden posts, non-Latin tags and
slugs, shortcodes and embeds, pictures from a folder or the old site, dry runs."""

from __future__ import annotations

import http.server
import threading
from io import BytesIO
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image

from portal.blog.wp_content import convert, wpautop
from portal.extensions import db
from portal.models import BlogImage, Comment, LegacyRedirect, Post, Tag
from portal.models.pages import Page
from tests.blog.wxr_builder import WxrComment, WxrItem, wxr

SITE_A = "https://recovery-notes.example"
SITE_B = "https://calf-clinic.example"


@pytest.fixture
def admin(make_user):
    return make_user("ada@example.com", role="admin", name="Ada Admin")


@pytest.fixture
def images_dir(app, tmp_path):
    app.config["BLOG_IMAGE_DIR"] = str(tmp_path / "stored")
    return tmp_path / "stored"


def _write(tmp_path: Path, text: str, name: str = "export.xml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _import(runner, path, *extra):  # type: ignore[no-untyped-def]
    return runner.invoke(args=["blog", "import-wxr", str(path), *extra])


def _count(model) -> int:  # type: ignore[no-untyped-def]
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _picture(path: Path, colour: str = "teal", size: tuple[int, int] = (64, 48)) -> bytes:
    out = BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(out.getvalue())
    return out.getvalue()


# --- dialects ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "namespace",
    [
        "http://wordpress.org/export/1.0/",
        "http://wordpress.org/export/1.1/",
        "http://wordpress.org/export/1.2/",
        "https://wordpress.org/export/1.2/",  # what exports have written since 2019
    ],
)
def test_every_wxr_namespace_imports(app, runner, admin, tmp_path, namespace):
    path = _write(tmp_path, wxr([WxrItem(1, "Calf care")], wp_namespace=namespace))
    result = _import(runner, path)
    assert result.exit_code == 0, result.output
    assert "posts imported: 1" in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(Post.title)) == "Calf care"


# WordPress.com writes these into the channel of every export without declaring ``atom``
# (``xmlns:atom`` is missing from its ``<rss>`` element); WordPress's importer reads the file.
WORDPRESS_COM_CHANNEL = """
<generator>http://wordpress.com/</generator>
<cloud domain='recoverynotes.wordpress.com' port='80' path='/?rsscloud=notify'
  registerProcedure='' protocol='http-post' />
<image><url>https://s0.wp.com/i/buttonw-com.png</url><title>Recovery notes</title>
  <link>https://recoverynotes.wordpress.com</link></image>
<atom:link rel="search" type="application/opensearchdescription+xml"
  href="https://recoverynotes.wordpress.com/osd.xml" title="Recovery notes" />
<atom:link rel='hub' href='https://recoverynotes.wordpress.com/?pushpress=hub'/>
"""


def test_a_wordpress_com_export_with_an_undeclared_prefix_imports(app, runner, admin, tmp_path):
    site = "https://recoverynotes.wordpress.com"
    text = wxr(
        [WxrItem(7, "Hamstring notes", comments=[WxrComment(3, "Thanks!")])],
        site=site,
        base_site_url="http://wordpress.com/",
        channel_extra=WORDPRESS_COM_CHANNEL,
    )
    result = _import(runner, _write(tmp_path, text))
    assert result.exit_code == 0, result.output
    assert "posts imported: 1" in result.output and "comments imported: 1" in result.output
    with app.app_context():
        # Scoped to the blog, not to wordpress.com (every WordPress.com blog says that).
        assert db.session.scalar(sa.select(Post.source_site)) == "recoverynotes.wordpress.com"


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (
            '<?xml version="1.0"?><rss version="2.0"><channel><title>A feed</title>'
            "<item><title>Hi</title></item></channel></rss>",
            "not a WordPress export",
        ),
        (wxr([WxrItem(1, "Menu", kind="nav_menu_item")]), "nothing to import"),
        ("<html><body>not an export</body></html>", "not a WordPress export"),
    ],
)
def test_not_wxr_or_nothing_importable_fails_clearly(
    app, runner, admin, tmp_path, document, message
):
    result = _import(runner, _write(tmp_path, document))
    assert result.exit_code != 0 and message in result.output
    with app.app_context():
        assert _count(Post) == 0


def test_a_dry_run_reports_and_saves_nothing(app, runner, admin, tmp_path):
    items = [
        WxrItem(
            1, "Calf care", comments=[WxrComment(1, "Great"), WxrComment(2, "x", kind="pingback")]
        ),
        WxrItem(2, "About us", kind="page", slug="about"),
        WxrItem(3, "Menu", kind="nav_menu_item"),
        WxrItem(
            4, "Shortcodes", content='[contact-form to="a@b.example"]Write to us[/contact-form]'
        ),
    ]
    result = _import(runner, _write(tmp_path, wxr(items)), "--dry-run")
    assert result.exit_code == 0, result.output
    output = result.output
    assert "dry run: nothing was saved" in output
    assert "posts would be imported: 2" in output and "pages would be imported: 1" in output
    assert "comments would be imported: 1" in output
    assert "left out: 1 comments (pingbacks)" in output
    assert "left out: 1 nav_menu_item" in output
    assert "shortcode [contact-form] removed, its text kept: 1" in output
    with app.app_context():
        assert _count(Post) == 0 and _count(Page) == 0 and _count(LegacyRedirect) == 0


# --- sites side by side --------------------------------------------------------------------


def test_two_sites_with_the_same_ids_import_side_by_side(app, runner, admin, tmp_path, client):
    def site(address: str, title: str, reader: str) -> Path:
        items = [
            WxrItem(
                1,
                title,
                slug="hello-world",
                link=f"{address}/hello-world/",
                comments=[WxrComment(1, f"{reader} says hi", author=reader)],
            ),
            WxrItem(2, f"About {title}", kind="page", slug="about", link=f"{address}/about/"),
        ]
        return _write(tmp_path, wxr(items, site=address), f"{title}.xml")

    assert _import(runner, site(SITE_A, "Notes", "Ann")).exit_code == 0
    second = _import(runner, site(SITE_B, "Clinic", "Bob"))
    assert second.exit_code == 0 and "posts imported: 1, already there: 0" in second.output
    with app.app_context():
        posts = {p.source_site: p for p in db.session.scalars(sa.select(Post))}
        notes, clinic = posts["recovery-notes.example"], posts["calf-clinic.example"]
        assert notes.slug == "hello-world" and clinic.slug == "hello-world-2"
        comments = {c.guest_name: c for c in db.session.scalars(sa.select(Comment))}
        assert comments["Ann"].post_id == notes.id and comments["Bob"].post_id == clinic.id
        pages = {p.source_site: p.slug for p in db.session.scalars(sa.select(Page))}
    assert pages == {"recovery-notes.example": "about", "calf-clinic.example": "about-2"}
    # Each old domain, pointed at this site, sends its old addresses to its own articles.
    for host, slug, page in (
        ("recovery-notes.example", "hello-world", "about"),
        ("calf-clinic.example", "hello-world-2", "about-2"),
    ):
        base = f"https://{host}"
        assert client.get("/?p=1", base_url=base).location == f"/blog/{slug}"
        assert client.get("/hello-world/", base_url=base).location == f"/blog/{slug}"
        assert client.get("/?page_id=2", base_url=base).location == f"/{page}"
        assert client.get("/about/", base_url=base).status_code in (200, 301)


# --- hidden posts --------------------------------------------------------------------------


def test_password_protected_and_private_posts_are_never_public(
    app, runner, admin, tmp_path, client
):
    items = [
        WxrItem(1, "Members only", password="enter", slug="members-only", content="SECRET-TEXT"),
        WxrItem(2, "Private notes", status="private", slug="private-notes", content="SECRET-TEXT"),
    ]
    result = _import(runner, _write(tmp_path, wxr(items)))
    assert "Members only (password)" in result.output and "Private notes (private)" in result.output
    with app.app_context():
        rows = db.session.execute(sa.select(Post.status, Post.source_visibility)).all()
    assert sorted(rows) == [("draft", "password"), ("draft", "private")]
    for path in ("/blog/members-only", "/blog/private-notes", "/?p=1", "/2021/04/12/members-only/"):
        response = client.get(path)
        assert "SECRET-TEXT" not in response.get_data(as_text=True)
        assert response.status_code in (200, 404)
    assert "SECRET-TEXT" not in client.get("/blog/feed.xml").get_data(as_text=True)


# --- non-Latin text ------------------------------------------------------------------------

CHINESE_TAGS = ["跑步", "训练", "恢复", "按摩", "小腿", "马拉松", "拉伸"]


def test_non_latin_tags_and_slugs_stay_apart_and_readable(app, runner, admin, tmp_path, client):
    items = [
        WxrItem(1, "跑步后的恢复", slug="%e8%b7%91%e6%ad%a5%e5%90%8e", tags=CHINESE_TAGS),
        WxrItem(2, "Café crème for runners", slug="cafe-creme", tags=["Café", "Ελληνικά"]),
    ]
    link = f"{SITE_A}/2021/04/12/%e8%b7%91%e6%ad%a5%e5%90%8e/"
    items[0].link = link
    assert _import(runner, _write(tmp_path, wxr(items))).exit_code == 0
    with app.app_context():
        slugs = set(db.session.scalars(sa.select(Tag.slug)))
        post = db.session.scalar(sa.select(Post).where(Post.wp_post_id == 1))
    assert set(CHINESE_TAGS) <= slugs and "cafe" in slugs and "ελληνικά" in slugs
    assert post.slug == "跑步后"
    for spelling in (
        "/blog/跑步后",
        "/blog/%E8%B7%91%E6%AD%A5%E5%90%8E",
        "/blog/%e8%b7%91%e6%ad%a5%e5%90%8e",
    ):
        assert client.get(spelling).status_code == 200, spelling
    for spelling in (
        "/2021/04/12/%e8%b7%91%e6%ad%a5%e5%90%8e/",
        "/2021/04/12/%E8%B7%91%E6%AD%A5%E5%90%8E/",
        "/2021/04/12/跑步后",
    ):
        response = client.get(spelling)
        assert response.status_code == 301, spelling
        assert response.location == "/blog/%E8%B7%91%E6%AD%A5%E5%90%8E"
    for tag in CHINESE_TAGS:
        page = client.get(f"/blog/tag/{tag}")
        assert page.status_code == 200 and "跑步后的恢复" in page.get_data(as_text=True)
    sitemap = client.get("/sitemap.xml").get_data(as_text=True)
    assert "/blog/tag/<" not in sitemap and "/blog/tag/</loc>" not in sitemap
    # A decomposed accent (as some systems send it) is the same address.
    response = client.get("/blog/tag/cafe\u0301")
    assert response.status_code in (301, 404)


# --- content -------------------------------------------------------------------------------


def test_paragraphs_follow_wordpress_rules():
    html = wpautop(
        "First line\nsecond line\n\nNext paragraph\n\n<pre>def f():\n\n    return 1\n</pre>\n\n"
        "<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n\n<table>\n<tr>\n<td>a</td>\n<td>b</td>\n</tr>\n</table>"
    )
    assert "<p>First line<br>\nsecond line</p>" in html
    assert "<p>Next paragraph</p>" in html
    assert "<pre>def f():\n\n    return 1\n</pre>" in html
    assert "<li>one</li>\n<li>two</li>" in html and "<br>" not in html.split("<ul>")[1]
    assert "<td>a</td>\n<td>b</td>" in html


def test_block_editor_posts_lose_their_comments_and_are_not_rewrapped():
    raw = (
        "<!-- wp:paragraph -->\n<p>Hello</p>\n<!-- /wp:paragraph -->\n\n"
        '<!-- wp:code -->\n<pre class="wp-block-code"><code>a = 1\nb = 2</code></pre>\n'
        "<!-- /wp:code -->\n\n<!-- wp:separator -->\n<hr/>\n<!-- /wp:separator -->"
    )
    html = convert(raw).html
    assert "wp:" not in html and "<!--" not in html
    assert "<p>Hello</p>" in html and "<code>a = 1\nb = 2</code>" in html
    assert html.count("<p>") == 1


def test_shortcodes_and_embeds_read_as_on_wordpress():
    raw = (
        '[caption id="attachment_5" align="alignleft" width="300"]'
        '<img src="https://elsewhere.example/calf.jpg" alt="A calf stretch" /> Calf stretch, '
        "step one[/caption]\n\n"
        "https://www.youtube.com/watch?v=abc123\n\n"
        '[audio src="https://recovery-notes.example/wp-content/uploads/talk.mp3"]\n\n'
        '[contact-form-7 id="12" title="Contact"]\n\n'
        "[su_note]Stretch daily[/su_note]\n\n"
        "Write [[gallery]] to show a gallery. [sic]\n\n"
        "<code>[gallery]</code>"
    )
    converted = convert(raw)
    html = converted.html
    assert "<figure>" in html and "<figcaption>Calf stretch, step one</figcaption>" in html
    assert '<a href="https://www.youtube.com/watch?v=abc123">Video on YouTube</a>' in html
    assert ">Audio: talk.mp3</a>" in html
    assert "Stretch daily" in html and "[su_note]" not in html and "contact-form-7" not in html
    assert "Write [gallery] to show a gallery. [sic]" in html
    assert "<code>[gallery]</code>" in html
    assert converted.removed_shortcodes == {"contact-form-7": 1, "su_note": 1}


def test_titles_are_decoded_once_and_long_ones_kept(app, runner, admin, tmp_path, client):
    long_title = (
        "Taumatawhakatangihangakoauauotamateaturipukakapikimaungahoronukupokaiwhenuakitanatahu"
    )
    items = [
        WxrItem(1, "Stretch &amp; strengthen", slug="stretch"),
        WxrItem(2, "Tom &amp;amp; Jerry", slug="tom"),
        WxrItem(3, long_title, slug="long"),
    ]
    assert _import(runner, _write(tmp_path, wxr(items))).exit_code == 0
    with app.app_context():
        titles = dict(db.session.execute(sa.select(Post.slug, Post.title)).all())
    assert titles == {
        "stretch": "Stretch & strengthen",
        "tom": "Tom &amp; Jerry",
        "long": long_title,
    }
    page = client.get("/blog/stretch").get_data(as_text=True)
    assert "Stretch &amp; strengthen" in page and "&amp;amp;" not in page


# --- old addresses -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "link",
    [
        f"{SITE_A}/calf-care/",  # /%postname%/
        f"{SITE_A}/2021/04/calf-care.html",  # .html permalinks
        f"{SITE_A}/archives/1",  # /archives/%post_id%
        f"{SITE_A}/blog/2021/04/12/calf-care/",  # a site in a folder
    ],
)
def test_every_permalink_structure_redirects(app, runner, admin, tmp_path, client, link):
    items = [WxrItem(1, "Calf care", slug="calf-care", link=link)]
    assert _import(runner, _write(tmp_path, wxr(items))).exit_code == 0
    path = link.removeprefix(SITE_A)
    for spelling in (path, path.rstrip("/"), path.upper() if path.endswith("/") else path):
        response = client.get(spelling)
        assert response.status_code == 301 and response.location == "/blog/calf-care", spelling
    response = client.post(path)
    assert response.status_code in (404, 405)  # only GET and HEAD are redirected


def test_running_a_real_shaped_export_twice_changes_nothing(app, runner, admin, tmp_path):
    items = [
        WxrItem(
            n,
            f"Article {n}",
            tags=[f"Tag {n % 5}", "恢复"],
            comments=[WxrComment(n * 10, "First"), WxrComment(n * 10 + 1, "Reply", parent=n * 10)],
        )
        for n in range(1, 6)
    ] + [WxrItem(50, "About", kind="page", slug="about")]
    path = _write(tmp_path, wxr(items))
    assert _import(runner, path).exit_code == 0

    def snapshot():  # type: ignore[no-untyped-def]
        with app.app_context():
            return (
                db.session.execute(
                    sa.select(Post.id, Post.slug, Post.version, Post.body_html)
                ).all(),
                db.session.execute(sa.select(Comment.id, Comment.parent_id)).all(),
                db.session.execute(sa.select(Tag.id, Tag.slug)).all(),
                db.session.execute(sa.select(Page.id, Page.slug, Page.body_html)).all(),
                db.session.execute(
                    sa.select(LegacyRedirect.path, LegacyRedirect.post_id, LegacyRedirect.page_id)
                ).all(),
            )

    before = snapshot()
    second = _import(runner, path)
    assert "posts imported: 0, already there: 5" in second.output
    assert "comments imported: 0, already there: 10" in second.output
    assert snapshot() == before


# --- pictures ------------------------------------------------------------------------------


def _picture_export(base: str) -> str:
    uploads = f"{base}/wp-content/uploads/2021/04"
    items = [
        WxrItem(
            10,
            "calf",
            kind="attachment",
            status="inherit",
            attachment_url=f"{uploads}/calf.jpg",
            link=f"{SITE_A}/2021/04/12/calf-care/calf/",
            meta={"_wp_attachment_image_alt": "A calf stretch against a wall"},
        ),
        WxrItem(
            11, "missing", kind="attachment", status="inherit", attachment_url=f"{uploads}/gone.jpg"
        ),
        WxrItem(
            1,
            "Calf care",
            slug="calf-care",
            content=(
                f'[caption id="attachment_10" width="300"]<a href="{uploads}/calf.jpg">'
                f'<img class="wp-image-10" src="{uploads}/calf-300x200.jpg" alt="Calf stretch" />'
                "</a> Against a wall[/caption]\n\n"
                f'<img src="{uploads}/gone-150x150.jpg" alt="Foam roller on the floor" />\n\n'
                '[gallery ids="10,11"]'
            ),
        ),
    ]
    return wxr(items)


def _check_pictures(app, client, output: str) -> None:  # type: ignore[no-untyped-def]
    assert "images imported: 1" in output
    assert "gone.jpg" in output  # named in the report
    with app.app_context():
        image = db.session.scalar(sa.select(BlogImage))
        body = db.session.scalar(sa.select(Post.body_html).where(Post.slug == "calf-care"))
    src = f"/blog/images/{image.filename}"
    assert f'<img src="{src}" alt="Calf stretch"' in body
    assert "<figcaption>Against a wall</figcaption>" in body
    assert f'<a href="{src}"' in body  # the link to the full size follows the picture
    assert ">Picture: Foam roller on the floor</a>" in body  # never a broken image
    assert body.count(f'src="{src}"') == 2  # the caption and the gallery: one file
    served = client.get(src)
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    served.close()
    for old in (
        "/wp-content/uploads/2021/04/calf.jpg",
        "/wp-content/uploads/2021/04/calf-300x200.jpg",
    ):
        response = client.get(old)
        assert response.status_code == 301 and response.location == src, old
    response = client.get("/?attachment_id=10")
    assert response.status_code == 301 and response.location == src


def test_pictures_come_from_a_copy_of_the_uploads_folder(
    app, runner, admin, tmp_path, client, images_dir
):
    uploads = tmp_path / "uploads"
    original = _picture(uploads / "2021/04/calf.jpg")
    _picture(uploads / "2021/04/calf-300x200.jpg", "red")  # a size variant: not used
    path = _write(tmp_path, _picture_export(SITE_A))
    result = _import(runner, path, "--media", str(uploads))
    assert result.exit_code == 0, result.output
    _check_pictures(app, client, result.output)
    stored = list(images_dir.iterdir())
    assert len(stored) == 1 and stored[0].read_bytes() != original  # re-encoded by Pillow
    again = _import(runner, path, "--media", str(uploads))
    assert "images imported: 0, already there: 1" in again.output
    assert len(list(images_dir.iterdir())) == 1


class _Uploads(http.server.SimpleHTTPRequestHandler):
    requests: list[str] = []

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 (http.server API)
        type(self).requests.append(self.path)
        super().do_GET()


@pytest.fixture
def uploads_server(tmp_path):
    root = tmp_path / "site"
    handler = lambda *a, **k: _Uploads(*a, directory=str(root), **k)  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Uploads.requests = []
    yield root, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


def test_pictures_are_downloaded_from_the_old_site(
    app, runner, admin, tmp_path, client, images_dir, uploads_server
):
    root, base = uploads_server
    _picture(root / "wp-content/uploads/2021/04/calf.jpg")
    path = _write(tmp_path, _picture_export(base))
    result = _import(runner, path, "--fetch-media")
    assert result.exit_code == 0, result.output
    _check_pictures(app, client, result.output)
    # Each original once: never the size variants, nothing twice.
    assert sorted(_Uploads.requests) == [
        "/wp-content/uploads/2021/04/calf.jpg",
        "/wp-content/uploads/2021/04/gone.jpg",
    ]
    _Uploads.requests = []
    assert _import(runner, path, "--fetch-media").exit_code == 0
    assert _Uploads.requests == ["/wp-content/uploads/2021/04/gone.jpg"]  # only the missing one


@pytest.mark.config(BLOG_IMAGE_MAX_BYTES=2000)
def test_a_download_larger_than_the_cap_is_left_out(
    app, runner, admin, tmp_path, images_dir, uploads_server
):
    root, base = uploads_server
    _picture(root / "wp-content/uploads/2021/04/calf.jpg", size=(800, 600))
    (root / "wp-content/uploads/2021/04/calf.jpg").write_bytes(b"\xff" * 5000)
    result = _import(runner, _write(tmp_path, _picture_export(base)), "--fetch-media")
    assert result.exit_code == 0, result.output
    assert "larger than the upload size cap" in result.output
    with app.app_context():
        assert _count(BlogImage) == 0
        body = db.session.scalar(sa.select(Post.body_html))
    assert "<img" not in body and ">Picture: Calf stretch</a>" in body


def test_the_generated_benchmark_export_imports_once(app, runner, admin, tmp_path):
    """``bench/wxr_export.py``'s export (100 posts, 150 threaded comments): all of it comes in,
    and a second run changes nothing. Its speed is measured there, not asserted here."""
    from bench.wxr_export import export

    path = _write(tmp_path, export(posts=100, comments=150, megabytes=0))
    first = _import(runner, path)
    assert "posts imported: 100" in first.output and "comments imported: 150" in first.output
    with app.app_context():
        before = db.session.execute(sa.select(Post.id, Post.version, Post.body_html)).all()
        counts = (_count(Comment), _count(Tag), _count(LegacyRedirect))
    second = _import(runner, path)
    assert "posts imported: 0, already there: 100" in second.output
    with app.app_context():
        assert db.session.execute(sa.select(Post.id, Post.version, Post.body_html)).all() == before
        assert (_count(Comment), _count(Tag), _count(LegacyRedirect)) == counts


def test_staff_can_edit_an_imported_post_with_a_non_latin_slug(app, runner, auth, tmp_path):
    admin_id = auth.login_admin()
    assert admin_id
    items = [WxrItem(1, "跑步后的恢复", slug="%e8%b7%91%e6%ad%a5%e5%90%8e", tags=["恢复"])]
    assert _import(runner, _write(tmp_path, wxr(items))).exit_code == 0
    with app.app_context():
        post_id = db.session.scalar(sa.select(Post.id))
    response = auth.client.post(
        f"/staff/posts/{post_id}",
        data={
            "title": "跑步后的恢复",
            "slug": "跑步后",
            "body_source": "<p>更新</p>",
            "tags": "恢复",
            "status": "published",
            "submit": "Save",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    for bad in ("跑步 后", "Ab", "a_b", "-a"):
        response = auth.client.post(
            f"/staff/posts/{post_id}",
            data={
                "title": "t",
                "slug": bad,
                "body_source": "x",
                "status": "draft",
                "submit": "Save",
            },
        )
        assert response.status_code == 422 and "lower-case letters" in response.get_data(
            as_text=True
        )


def test_bracketed_text_is_not_taken_for_a_shortcode():
    """Only registered names take loose attributes; anything else needs ``key=value`` pairs on
    one line, so brackets in prose, addresses and code swallow nothing after them."""
    raw = (
        "See [Smith 2019, p. 4] and [note: rest/ice] for more.\n\n"
        "http://[bad-address/x\n\n"
        '<img src="https://elsewhere.example/a.jpg" alt="Foam roller">\n\n'
        '[su_box title="Tip" style=big]Rest days matter[/su_box]'
    )
    converted = convert(raw)
    assert "See [Smith 2019, p. 4] and [note: rest/ice] for more." in converted.html
    assert ">Picture: Foam roller</a>" in converted.html
    assert "<p>Rest days matter</p>" in converted.html
    assert converted.removed_shortcodes == {"su_box": 1}


def test_many_unclosed_shortcodes_are_read_in_one_pass():
    """An opening tag only looks for its closing tag when the text has one: 3,000 ``[audio]``
    tags read in linear time (counted as work: regex attempts are bounded by the text)."""
    raw = '[audio src="https://recovery-notes.example/a.mp3"] Listen. ' * 3000
    converted = convert(raw)
    assert converted.html.count(">Audio: a.mp3</a>") == 3000


def test_old_slugs_and_tag_archives_redirect(app, runner, admin, tmp_path, client):
    item = WxrItem(1, "Calf care", slug="calf-care", tags=["Recovery"])
    item.meta = {"_wp_old_slug": "calf-care-tips"}
    text = wxr([item]).replace(
        '<category domain="post_tag" nicename="x">',
        '<category domain="category" nicename="running-tips"><![CDATA[Running tips]]></category>'
        '<category domain="post_tag" nicename="recovery">',
    )
    assert _import(runner, _write(tmp_path, text)).exit_code == 0
    response = client.get("/2021/04/12/calf-care-tips/")
    assert response.status_code == 301 and response.location == "/blog/calf-care"
    response = client.get("/tag/recovery/")
    assert response.status_code == 301 and response.location == "/blog/tag/recovery"
    response = client.get("/category/running-tips/")
    assert response.status_code == 301 and response.location == "/blog/tag/running-tips"


def test_the_featured_image_leads_the_article(app, runner, admin, tmp_path, images_dir):
    uploads = tmp_path / "uploads"
    _picture(uploads / "2021/04/track.jpg")
    attachment = WxrItem(
        20,
        "track",
        kind="attachment",
        status="inherit",
        attachment_url=f"{SITE_A}/wp-content/uploads/2021/04/track.jpg",
        meta={"_wp_attachment_image_alt": "An empty running track at dawn"},
    )
    post = WxrItem(1, "Track sessions", slug="track", meta={"_thumbnail_id": "20"})
    plain = WxrItem(2, "No picture", slug="plain")
    result = _import(
        runner, _write(tmp_path, wxr([attachment, post, plain])), "--media", str(uploads)
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        bodies = dict(db.session.execute(sa.select(Post.slug, Post.body_html)).all())
    assert bodies["track"].startswith('<figure><img src="/blog/images/')
    assert 'alt="An empty running track at dawn"' in bodies["track"]
    assert "<img" not in bodies["plain"]
