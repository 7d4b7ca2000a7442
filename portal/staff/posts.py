"""Back office: articles (``/staff/posts…``) and their images.

Staff write in Markdown and see a server-side preview (the "Preview" button re-renders the
form with the article as readers will see it; nothing is saved). Saving publishes,
schedules or keeps a draft; ``portal.blog.posts`` does the work and announces an article
that became public. Every change is audited.

The address (slug) of an article that has been public never changes: the form refuses it,
because links, feeds and search engines point at it.

Images are added from the editor itself: "Upload and insert" sends the whole form with the
chosen file; the image is kept (re-encoded by ``portal.blog.images``) and its Markdown line
put into the text where the writer wants it (the cursor, which a small script records; the
``[image]`` marker; else the end), and the editor comes back with everything as typed and
nothing else saved, so no unsaved text is lost and a published article does not change
until "Save".
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from markupsafe import Markup
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from portal.blog import images
from portal.blog import posts as articles
from portal.core import audit, locale
from portal.core.audit import AuditAction, AuditTarget
from portal.core.clock import local_now
from portal.core.rendering import render_article
from portal.extensions import db
from portal.models import BlogImage, Post, PostStatus
from portal.staff import bp
from portal.staff.forms.posts import ImageUploadForm, PostForm
from portal.web.pagination import paginate

POSTS_PER_PAGE = 25
IMAGES_PER_PAGE = 24


@bp.route("/posts")
def posts() -> str:
    query = (
        sa.select(Post)
        .order_by(Post.publish_at.desc().nulls_first(), Post.id.desc())
        .options(*articles.POST_ROW)
    )
    return render_template("staff/posts/list.html", page=paginate(query, per_page=POSTS_PER_PAGE))


def _values(form: PostForm, post: Post | None) -> articles.PostValues:
    slug = form.slug.data or articles.unique_slug(
        articles.slugify(form.title.data), exclude_post_id=post.id if post else None
    )
    return articles.PostValues(
        title=form.title.data,
        slug=slug,
        summary=form.summary.data or "",
        body_source=form.body_source.data,
        tags=articles.parse_tags(form.tags.data),
        status=PostStatus(form.status.data),
        publish_at=form.publish_time(),
        send_by_email=bool(form.send_by_email.data),
    )


def _slug_problem(form: PostForm, post: Post | None) -> str | None:
    wanted = form.slug.data
    if post is not None and post.was_ever_public and wanted and wanted != post.slug:
        return (
            f"This article has been public at “{post.slug}”; its address cannot change "
            "(links to it would break)."
        )
    if wanted and articles.slug_taken(wanted, exclude_post_id=post.id if post else None):
        return "Another article already has this address."
    return None


IMAGE_MARKER = "[image]"


def _editor(
    form: PostForm,
    post: Post | None,
    status: int = 200,
    preview: str | None = None,
    image_form: ImageUploadForm | None = None,
    inserted: BlogImage | None = None,
    caret: int | None = None,
) -> tuple[str, int]:
    return (
        render_template(
            "staff/posts/edit.html",
            form=form,
            post=post,
            preview=Markup(preview) if preview is not None else None,  # noqa: S704 (sanitized)
            image_form=image_form or ImageUploadForm(formdata=None),
            inserted=inserted,
            caret=caret,
            marker=IMAGE_MARKER,
        ),
        status,
    )


def insert_block(text: str, block: str, position: int | None) -> tuple[str, int]:
    """``text`` with ``block`` as a paragraph of its own at ``position`` (else in place of
    the first ``[image]`` marker, else at the end); returns it and where the block ends."""
    text = text.replace("\r\n", "\n")
    if position is None or not 0 <= position <= len(text):
        marker = text.find(IMAGE_MARKER)
        if marker >= 0:
            text = text[:marker] + text[marker + len(IMAGE_MARKER) :]
            position = marker
        else:
            position = len(text)
    before, after = text[:position].rstrip(" "), text[position:].lstrip(" ")
    lead = (
        "" if not before or before.endswith("\n\n") else "\n" if before.endswith("\n") else "\n\n"
    )
    tail = (
        "" if not after or after.startswith("\n\n") else "\n" if after.startswith("\n") else "\n\n"
    )
    start = before + lead + block
    return start + tail + after, len(start)


def _insert_position() -> int | None:
    """The cursor position the editor's script recorded (a number of characters)."""
    value = request.form.get("insert_at", "")
    if not (value.isascii() and value.isdigit() and len(value) <= 7):
        return None
    return int(value)


def _store_upload(upload: ImageUploadForm) -> BlogImage | None:
    """Keep the uploaded image (audited, committed); None with the problem on the form."""
    with upload.image.data.stream as stream:  # closed at once: it may be a temporary file
        data = stream.read()
    try:
        image = images.store_image(data, alt_text=upload.alt_text.data, uploader=current_user)
    except images.ImageRefused as refused:
        upload.image.errors = [str(refused)]
        return None
    db.session.flush()
    audit.record(AuditAction.IMAGE_UPLOAD, target_type=AuditTarget.BLOG_IMAGE, target_id=image.id)
    db.session.commit()
    return image


def _insert_image(form: PostForm, post: Post | None) -> tuple[str, int]:
    upload = ImageUploadForm()
    if not upload.validate_on_submit():
        return _editor(form, post, 422, image_form=upload)
    image = _store_upload(upload)
    if image is None:
        return _editor(form, post, 422, image_form=upload)
    text, caret = insert_block(
        form.body_source.data or "", images.markdown_for(image), _insert_position()
    )
    form.body_source.data = text
    return _editor(form, post, inserted=image, caret=caret)


def _save(form: PostForm, post: Post | None) -> str | Response | tuple[str, int]:
    if request.method == "POST" and "insert_image" in request.form:
        return _insert_image(form, post)
    if form.preview.data:
        # The preview never saves: it shows the sanitized article beside the form as typed.
        form.validate()
        body_format = post.body_format if post else "markdown"
        return _editor(form, post, preview=render_article(form.body_source.data or "", body_format))
    if not form.validate_on_submit():
        return _editor(form, post, 422 if request.method == "POST" else 200)
    problem = _slug_problem(form, post)
    if problem:
        form.slug.errors = [problem]
        return _editor(form, post, 422)
    is_new = post is None
    target = post or Post()
    articles.save_post(target, _values(form, post), author=current_user)
    audit.record(
        AuditAction.POST_CREATE if is_new else AuditAction.POST_UPDATE,
        target_type=AuditTarget.POST,
        target_id=target.id,
        detail=f"{target.status}: {target.title}",
    )
    db.session.commit()
    state = {
        "draft": "saved as a draft",
        "scheduled": f"scheduled for {locale.local_datetime(target.publish_at)}"
        if target.publish_at
        else "scheduled",
        "published": "published",
    }[target.status]
    flash(f"“{target.title}” is {state}.", "success")
    return redirect(url_for(".edit_post", post_id=target.id))


@bp.route("/posts/new", methods=["GET", "POST"])
def new_post() -> str | Response | tuple[str, int]:
    return _save(PostForm(), None)


def _form_data(post: Post) -> dict[str, Any]:
    return {
        "title": post.title,
        "slug": post.slug,
        "summary": post.summary,
        "tags": ", ".join(tag.name for tag in post.tags),
        "body_source": post.body_source,
        "status": "published"
        if post.status == PostStatus.SCHEDULED and post.is_public()
        else post.status,
        "publish_at": local_now(post.publish_at).replace(tzinfo=None) if post.publish_at else None,
        "send_by_email": post.send_by_email,
    }


@bp.route("/posts/<int:post_id>", methods=["GET", "POST"])
def edit_post(post_id: int) -> str | Response | tuple[str, int]:
    post = articles.load_post(post_id)
    form = PostForm(data=_form_data(post))
    return _save(form, post)


@bp.post("/posts/<int:post_id>/unpublish")
def unpublish_post(post_id: int) -> Response:
    post = articles.load_post(post_id)
    articles.unpublish(post)
    audit.record(
        AuditAction.POST_UNPUBLISH,
        target_type=AuditTarget.POST,
        target_id=post.id,
        detail=post.title,
    )
    db.session.commit()
    flash(f"“{post.title}” is back to draft: readers no longer see it.", "success")
    return redirect(url_for(".edit_post", post_id=post.id))


@bp.route("/posts/<int:post_id>/delete", methods=["GET", "POST"])
def delete_post(post_id: int) -> str | Response:
    post = articles.load_post(post_id)
    if request.method == "POST":
        title = post.title
        audit.record(
            AuditAction.POST_DELETE, target_type=AuditTarget.POST, target_id=post.id, detail=title
        )
        articles.delete_post(post)
        db.session.commit()
        flash(f"“{title}” and its comments are deleted.", "success")
        return redirect(url_for(".posts"))
    return render_template("staff/posts/delete.html", post=post)


# The pages whose form may carry a photo: the images page, and the editor (with the article).
UPLOAD_ENDPOINTS = frozenset({"staff.post_images", "staff.new_post", "staff.edit_post"})


def _upload_limit(endpoint: str) -> int:
    # The photo and the rest of the form: in the editor, an article (100,000 characters).
    rest = 64 * 1024 if endpoint == "staff.post_images" else 512 * 1024
    return current_app.config["BLOG_IMAGE_MAX_BYTES"] + rest


@bp.url_value_preprocessor
def _allow_photo_uploads(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """Photos are larger than any other form's body (``MAX_CONTENT_LENGTH``): the upload view
    accepts up to the image limit. This runs before the CSRF check reads the body."""
    if endpoint in UPLOAD_ENDPOINTS:
        request.max_content_length = _upload_limit(endpoint)


@bp.errorhandler(RequestEntityTooLarge)
def _upload_too_large(error: RequestEntityTooLarge) -> ResponseReturnValue:
    if request.endpoint not in UPLOAD_ENDPOINTS:
        from portal.web.errors import handle_http_error

        return handle_http_error(error)
    form = ImageUploadForm(formdata=None)
    limit = current_app.config["BLOG_IMAGE_MAX_BYTES"] / 1024 / 1024
    form.image.errors = [
        f"This file is larger than {limit:.1f} MB, the most an image can be. Export it smaller "
        "(2000 pixels wide is plenty) and upload it again."
    ]
    if request.endpoint != "staff.post_images":
        # The body was too large to read: the text typed is still in the browser's form.
        return render_template("staff/posts/image_too_large.html", form=form), 413
    return _images_page(form, 413)


def _images_page(form: ImageUploadForm, status: int) -> tuple[str, int]:
    page = paginate(sa.select(BlogImage).order_by(BlogImage.id.desc()), per_page=IMAGES_PER_PAGE)
    return (
        render_template(
            "staff/posts/images.html", form=form, page=page, markdown_for=images.markdown_for
        ),
        status,
    )


@bp.route("/posts/images", methods=["GET", "POST"])
def post_images() -> str | Response | tuple[str, int]:
    form = ImageUploadForm()
    status = 200
    if form.validate_on_submit():
        image = _store_upload(form)
        if image is None:
            status = 422
        else:
            flash(f"Uploaded. Paste this into an article: {images.markdown_for(image)}", "success")
            return redirect(url_for(".post_images"))
    elif request.method == "POST":
        status = 422
    page = paginate(sa.select(BlogImage).order_by(BlogImage.id.desc()), per_page=IMAGES_PER_PAGE)
    return (
        render_template(
            "staff/posts/images.html", form=form, page=page, markdown_for=images.markdown_for
        ),
        status,
    )
