"""Back office: writing, previewing, scheduling, publishing (announced once), unpublishing
and deleting articles; image uploads."""

from __future__ import annotations

import re
from datetime import timedelta
from io import BytesIO
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image
from werkzeug.datastructures import FileStorage
from werkzeug.test import stream_encode_multipart

from portal.blog import images
from portal.blog.posts import announce_due_articles
from portal.core.signals import article_published
from portal.extensions import db
from portal.models import AuditEntry, BlogImage, Post
from portal.models.types import utcnow
from tests.blog.conftest import Blog


@pytest.fixture
def blog(app):
    return Blog(app)


@pytest.fixture
def staff(auth):
    auth.login_staff()
    return auth.client


@pytest.fixture
def announcements():
    seen = []

    def receiver(sender, article):  # type: ignore[no-untyped-def]
        seen.append(article)

    article_published.connect(receiver)
    yield seen
    article_published.disconnect(receiver)


def _article(**data):  # type: ignore[no-untyped-def]
    return {
        "title": "IT band myths",
        "body_source": "The **IT band** is not a muscle.",
        "status": "published",
        "submit": "Save",
        **data,
    }


def _post(app, slug="it-band-myths") -> Post:  # type: ignore[no-untyped-def]
    with app.app_context():
        post = db.session.scalar(sa.select(Post).where(Post.slug == slug))
        db.session.expunge(post)
        return post


def test_clients_and_members_cannot_reach_the_editor(auth):
    auth.login_client()
    assert auth.client.get("/staff/posts").status_code == 403
    assert auth.client.post("/staff/posts/new", data=_article()).status_code == 403


def test_preview_renders_without_saving(app, staff):
    response = staff.post("/staff/posts/new", data=_article(preview="Preview", submit=""))
    page = response.get_data(as_text=True)
    assert (
        response.status_code == 200
        and "<strong>IT band</strong>" in page
        and "Preview (not saved)" in page
    )
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Post)) == 0


def test_publishing_generates_a_unique_slug_audits_and_announces_once(app, staff, announcements):
    assert staff.post("/staff/posts/new", data=_article(send_by_email="y")).status_code == 302
    assert staff.post("/staff/posts/new", data=_article()).status_code == 302
    assert (
        _post(app).status == "published" and _post(app, "it-band-myths-2").title == "IT band myths"
    )
    assert [a.slug for a in announcements] == ["it-band-myths", "it-band-myths-2"]
    assert announcements[0].send_by_email is True and announcements[1].send_by_email is False
    assert announcements[0].url == "http://127.0.0.1:5000/blog/it-band-myths"
    post = _post(app)
    staff.post(f"/staff/posts/{post.id}", data=_article(title="IT band myths, revised"))
    staff.post(f"/staff/posts/{post.id}/unpublish")
    staff.post(f"/staff/posts/{post.id}", data=_article())
    with app.app_context():
        announce_due_articles()
        db.session.commit()
    assert len(announcements) == 2  # edits, unpublishing and republishing announce nothing
    with app.app_context():
        actions = db.session.scalars(sa.select(AuditEntry.action)).all()
    assert actions.count("post.create") == 2 and "post.unpublish" in actions


def test_a_scheduled_article_is_announced_by_the_periodic_task_once(
    app, staff, announcements, client
):
    when = (utcnow() + timedelta(hours=2)).astimezone().strftime("%Y-%m-%dT%H:%M")
    staff.post(
        "/staff/posts/new", data=_article(status="scheduled", publish_at=when, send_by_email="y")
    )
    assert announcements == [] and client.get("/blog/it-band-myths").status_code == 404
    with app.app_context():
        db.session.execute(sa.update(Post).values(publish_at=utcnow() - timedelta(minutes=1)))
        db.session.commit()
    assert client.get("/blog/it-band-myths").status_code == 200  # visible before any task ran
    with app.app_context():
        assert announce_due_articles() == [_post(app).id]
        db.session.commit()
        assert announce_due_articles() == []
    assert len(announcements) == 1 and announcements[0].send_by_email


def test_the_blog_tasks_are_registered_on_the_worker_queue(app):
    from portal.core.tasks import register_feature_tasks
    from portal.mail.queue import create_huey

    app.config["HUEY_IMMEDIATE"] = False
    app.config["HUEY_SQLITE_PATH"] = app.instance_path + "/../.pytest-huey-unused.sqlite"
    from huey import MemoryHuey

    huey = MemoryHuey("test-blog-tasks")
    register_feature_tasks(huey, app)
    from tests.fixtures.tasks import periodic_task_names

    names = periodic_task_names(huey)
    assert {"announce_articles", "comment_digest"} <= names
    assert create_huey is not None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"title": ""}, "This field is required"),
        ({"body_source": ""}, "Write the article first"),
        ({"slug": "Not A Slug!"}, "lower-case letters"),
        ({"status": "scheduled", "publish_at": ""}, "Choose when"),
        ({"status": "scheduled", "publish_at": "9999-01-01T10:00"}, "between 1900 and 2100"),
        ({"status": "bogus"}, "Not a valid choice"),
        ({"title": "Bad\r\nTitle"}, "one line"),
        ({"body_source": "nul\x00"}, "control characters"),
    ],
)
def test_editor_refuses_bad_input_and_keeps_the_text(app, staff, data, message):
    response = staff.post(
        "/staff/posts/new",
        data=_article(body_source="Kept text", **data)
        if "body_source" not in data
        else _article(**data),
    )
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Post)) == 0


def test_the_slug_is_stable_once_published(app, staff):
    staff.post("/staff/posts/new", data=_article(status="draft", slug="first-try"))
    post = _post(app, "first-try")
    staff.post(f"/staff/posts/{post.id}", data=_article(status="draft", slug="better-name"))
    assert _post(app, "better-name").id == post.id  # drafts may change address
    staff.post(f"/staff/posts/{post.id}", data=_article(slug="better-name"))
    refused = staff.post(f"/staff/posts/{post.id}", data=_article(slug="another-name"))
    assert refused.status_code == 422 and "cannot change" in refused.get_data(as_text=True)
    staff.post("/staff/posts/new", data=_article(status="draft", slug="taken"))
    clash = staff.post(f"/staff/posts/{post.id}", data=_article(slug="taken"))
    assert clash.status_code == 422


def test_delete_needs_a_post_and_takes_comments_with_it(app, staff, blog):
    post_id = blog.post(slug="old")
    blog.comment(post_id)
    page = staff.get(f"/staff/posts/{post_id}/delete")
    assert page.status_code == 200 and "Delete the article" in page.get_data(as_text=True)
    assert staff.post(f"/staff/posts/{post_id}/delete").status_code == 302
    assert staff.get("/blog/old").status_code == 404
    assert staff.get("/staff/posts/2147483647").status_code == 404
    assert staff.get("/staff/posts/99999999999").status_code == 404


def test_staff_pages_run_a_constant_number_of_statements(app, staff, blog, count_queries):
    for n in range(30):
        blog.post(f"Article {n}", slug=f"a-{n}")
    with count_queries() as log:
        assert staff.get("/staff/posts").status_code == 200
    assert log.count <= 6, log.statements


# --- images ----------------------------------------------------------------------------------


def _jpeg_with_gps(size=(3000, 1500)) -> bytes:  # type: ignore[no-untyped-def]
    image = Image.new("RGB", size, (200, 80, 40))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "PhoneModel X"  # Model
    gps = {1: "N", 2: (51.0, 30.0, 12.0), 3: "W", 4: (0.0, 7.0, 40.0)}
    exif[0x8825] = gps  # GPSInfo
    out = BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def _png() -> bytes:
    out = BytesIO()
    Image.new("RGBA", (40, 30), (0, 0, 255, 128)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def image_dir(app, tmp_path):
    app.config["BLOG_IMAGE_DIR"] = str(tmp_path / "images")
    return tmp_path / "images"


def _upload(staff, data: bytes, name="photo.jpg", alt="Rolling the calf"):  # type: ignore[no-untyped-def]
    # The body is encoded in memory: the test client would spool a large one to a temporary
    # file that it never closes.
    stream, length, boundary = stream_encode_multipart(
        {"image": FileStorage(BytesIO(data), filename=name), "alt_text": alt}, use_tempfile=False
    )
    return staff.post(
        "/staff/posts/images",
        input_stream=stream,
        content_length=length,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def test_an_uploaded_photo_loses_its_location_and_is_scaled(app, staff, image_dir):
    original = _jpeg_with_gps()
    assert Image.open(BytesIO(original)).getexif().get_ifd(0x8825)  # the test file has GPS
    response = _upload(staff, original)
    assert response.status_code == 302
    with app.app_context():
        image = db.session.scalar(sa.select(BlogImage))
    stored = (image_dir / image.filename).read_bytes()
    assert b"PhoneMaker" not in stored and b"Exif" not in stored
    reopened = Image.open(BytesIO(stored))
    assert not reopened.getexif() and reopened.format == "JPEG"
    assert max(reopened.size) == 2000 and (image.width, image.height) == reopened.size
    served = app.test_client().get(f"/blog/images/{image.filename}")
    assert served.status_code == 200 and served.data == stored
    served.close()
    assert (
        "immutable" in served.headers["Cache-Control"]
        and "max-age=31536000" in served.headers["Cache-Control"]
    )
    listing = staff.get("/staff/posts/images").get_data(as_text=True)
    assert f"![Rolling the calf](/blog/images/{image.filename})" in listing


def test_png_keeps_its_format_and_the_same_picture_is_stored_once(app, staff, image_dir):
    assert _upload(staff, _png(), "a.png").status_code == 302
    assert _upload(staff, _png(), "b.png", alt="Again").status_code == 302
    with app.app_context():
        (image,) = db.session.scalars(sa.select(BlogImage)).all()
    assert image.filename.endswith(".png") and image.alt_text == "Again"


@pytest.mark.parametrize(
    ("payload", "name", "message"),
    [
        (b"GIF89a" + b"\x00" * 100, "x.gif", "not a JPEG, PNG or WebP"),
        (b"<svg onload=alert(1)></svg>", "x.jpg", "not a JPEG, PNG or WebP"),
        (b"\xff\xd8\xff\xe0" + b"garbage" * 50, "x.jpg", "not a JPEG, PNG or WebP"),
    ],
)
def test_fake_images_are_refused(app, staff, image_dir, payload, name, message):
    response = _upload(staff, payload, name)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(BlogImage)) == 0


def test_a_gif_made_by_pillow_is_refused_too(app, staff, image_dir):
    out = BytesIO()
    Image.new("RGB", (10, 10)).save(out, "GIF")
    response = _upload(staff, out.getvalue(), "x.gif")
    assert response.status_code == 422


def _noise_png(side: int) -> bytes:
    out = BytesIO()
    Image.effect_noise((side, side), 100).convert("RGB").save(out, "PNG")
    return out.getvalue()


def test_an_oversize_upload_is_refused_with_a_clear_message(app, staff, image_dir):
    app.config["BLOG_IMAGE_MAX_BYTES"] = 100_000
    a_little_over = _noise_png(260)
    assert 100_000 < len(a_little_over) < 100_000 + 64 * 1024
    response = _upload(staff, a_little_over, "big.png")
    assert response.status_code == 422
    assert "images can be at most 0.1 MB" in response.get_data(as_text=True)
    far_over = _noise_png(330)
    assert len(far_over) > 100_000 + 64 * 1024
    response = _upload(staff, far_over, "huge.png")
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "larger than 0.1 MB, the most an image can be" in page and "Image file" in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(BlogImage)) == 0


def test_photos_larger_than_other_forms_bodies_are_accepted(app, staff, image_dir):
    photo = _noise_png(1200)  # about 4 MB, twice what other forms accept
    assert len(photo) > app.config["MAX_CONTENT_LENGTH"]
    assert _upload(staff, photo, "phone.png").status_code == 302


DATA = Path(__file__).parent / "data"


@pytest.mark.parametrize("name", ["16383x3000.webp", "7000x7000.png"])
def test_a_small_file_of_too_many_pixels_is_refused_before_it_is_decoded(
    app, staff, image_dir, name
):
    """Tiny files (2 KB, 14 KB) of about 49 million pixels: decoding the WebP took a web
    process from 187 to 933 MB. The size is read from the header and refused first."""
    data = (DATA / name).read_bytes()
    width, height = name.split(".")[0].split("x")
    response = _upload(staff, data, name)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f"This image is {width} × {height} pixels" in page
    assert "export it at most 2000 pixels wide" in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(BlogImage)) == 0
    assert not image_dir.exists() or not any(image_dir.iterdir())


def test_a_large_camera_jpeg_is_decoded_at_a_reduced_scale_and_accepted(app, staff, image_dir):
    """9000 × 6000 is more than a WebP or PNG may decode to; a JPEG decodes at half scale."""
    out = BytesIO()
    Image.new("L", (9000, 6000), 120).save(out, "JPEG", quality=50)
    assert images.max_pixels("PNG") < 9000 * 6000
    assert _upload(staff, out.getvalue(), "camera.jpg").status_code == 302
    with app.app_context():
        image = db.session.scalar(sa.select(BlogImage))
    assert (image.width, image.height) == (2000, 1333)


def test_pillows_own_pixel_bound_gives_the_same_clear_message(app):
    header = BytesIO()
    Image.new("1", (12000, 12000)).save(header, "PNG")
    with app.app_context(), pytest.raises(images.ImageRefused, match="far more pixels"):
        images.reencode(header.getvalue())


def test_alt_text_is_required(app, staff, image_dir):
    response = _upload(staff, _png(), alt="")
    assert response.status_code == 422 and "This field is required" in response.get_data(
        as_text=True
    )


@pytest.mark.parametrize(
    "name", ["../../etc/passwd", "abc.jpg", "0123456789abcdef0123456789abcdef.gif"]
)
def test_image_urls_only_serve_our_files(client, image_dir, name):
    assert client.get(f"/blog/images/{name}").status_code == 404


def test_an_uploaded_image_goes_into_an_article_by_its_markdown(app, staff, image_dir):
    _upload(staff, _png(), "calf.png", alt="Rolling the calf")
    with app.app_context():
        image = db.session.scalar(sa.select(BlogImage))
    markdown = f"Before the run:\n\n![Rolling the calf](/blog/images/{image.filename})"
    staff.post("/staff/posts/new", data=_article(body_source=markdown))
    page = app.test_client().get("/blog/it-band-myths").get_data(as_text=True)
    assert f'<img src="/blog/images/{image.filename}" alt="Rolling the calf"' in page


# --- images from the editor ----------------------------------------------------------------


def _insert(staff, url: str, article: dict, data: bytes, **fields: str):  # type: ignore[no-untyped-def]
    stream, length, boundary = stream_encode_multipart(
        {
            **article,
            "image": FileStorage(BytesIO(data), filename="photo.jpg"),
            "alt_text": "Rolling the calf",
            "insert_image": "yes",
            **fields,
        },
        use_tempfile=False,
    )
    return staff.post(
        url,
        input_stream=stream,
        content_length=length,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def _textarea(page: str) -> str:
    from html import unescape

    found = re.search(r'<textarea[^>]*id="body_source"[^>]*>\r?\n?(.*?)</textarea>', page, re.S)
    assert found
    return unescape(found.group(1))


def test_an_image_is_uploaded_and_inserted_from_the_editor_keeping_unsaved_text(
    app, staff, image_dir
):
    staff.post("/staff/posts/new", data=_article(status="published", title="Calf care"))
    post = _post(app, "calf-care")
    typed = "Warm up first.\n\nThen roll slowly.\n\nUnsaved last line."
    cursor = len("Warm up first.\n\n")
    response = _insert(
        staff,
        f"/staff/posts/{post.id}",
        _article(status="published", title="Calf care, edited", body_source=typed),
        _jpeg_with_gps((800, 400)),
        insert_at=str(cursor),
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    with app.app_context():
        image = db.session.scalar(sa.select(BlogImage))
    line = f"![Rolling the calf](/blog/images/{image.filename})"
    assert _textarea(page) == f"Warm up first.\n\n{line}\n\nThen roll slowly.\n\nUnsaved last line."
    assert 'value="Calf care, edited"' in page  # every field as typed
    assert "Press Save to keep the change." in page
    assert f'data-caret="{cursor + len(line)}"' in page
    # Nothing but the image was saved: the published article is unchanged until Save.
    assert _post(app, "calf-care").title == "Calf care"
    assert "Unsaved last line." not in _post(app, "calf-care").body_source


def test_without_a_script_the_image_goes_at_the_marker_or_the_end(app, staff, image_dir):
    with_marker = _insert(
        staff,
        "/staff/posts/new",
        _article(title="New one", body_source="Intro.\n\n[image]\n\nMore."),
        _png(),
    )
    text = _textarea(with_marker.get_data(as_text=True))
    assert re.fullmatch(
        r"Intro\.\n\n!\[Rolling the calf\]\(/blog/images/\w+\.png\)\n\nMore\.", text
    )
    at_end = _insert(
        staff, "/staff/posts/new", _article(title="New one", body_source="Only text."), _png()
    )
    text = _textarea(at_end.get_data(as_text=True))
    assert re.fullmatch(r"Only text\.\n\n!\[Rolling the calf\]\(/blog/images/\w+\.png\)", text)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Post)) == 0


def test_a_bad_image_in_the_editor_comes_back_with_the_text_and_a_reason(app, staff, image_dir):
    typed = "Do not lose me."
    response = _insert(
        staff, "/staff/posts/new", _article(title="Kept", body_source=typed), b"not an image"
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert _textarea(page) == typed and "not a JPEG, PNG or WebP image" in page
    no_alt = _insert(
        staff,
        "/staff/posts/new",
        _article(title="Kept", body_source=typed),
        _png(),
        alt_text="",
    )
    assert no_alt.status_code == 422 and _textarea(no_alt.get_data(as_text=True)) == typed
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(BlogImage)) == 0


def test_insert_block_places_a_paragraph_of_its_own():
    from portal.staff.posts import insert_block

    assert insert_block("ab", "X", 1) == ("a\n\nX\n\nb", 4)
    assert insert_block("a\n\nb", "X", 3) == ("a\n\nX\n\nb", 4)
    assert insert_block("", "X", 0) == ("X", 1)
    assert insert_block("a\r\nb", "X", None) == ("a\nb\n\nX", 6)
    assert insert_block("ab", "X", 99) == ("ab\n\nX", 5)  # out of range: the end


def test_a_photo_too_large_to_read_in_the_editor_says_the_text_is_still_there(
    app, staff, image_dir
):
    app.config["BLOG_IMAGE_MAX_BYTES"] = 100_000
    far_over = _noise_png(620)
    assert len(far_over) > 100_000 + 512 * 1024
    response = _insert(staff, "/staff/posts/new", _article(body_source="Mine."), far_over)
    page = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "larger than 0.1 MB" in page and "the text you typed is still in the editor" in page
