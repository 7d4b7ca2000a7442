"""Back office: articles (``/staff/posts…``) and their images.

Staff write in Markdown and see a server-side preview (the "Preview" button re-renders the
form with the article as readers will see it; nothing is saved). Saving publishes,
schedules or keeps a draft; ``portal.blog.posts`` does the work and announces an article
that became public. Every change is audited.

The address (slug) of an article that has been public never changes: the form refuses it,
because links, feeds and search engines point at it.
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
from portal.core import audit
from portal.core.audit import AuditAction, AuditTarget
from portal.core.clock import local_now
from portal.core.rendering import render_article
from portal.extensions import db
from portal.models import BlogImage, Post, PostStatus
from portal.staff import bp
from portal.staff.forms import ImageUploadForm, PostForm
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


def _editor(
    form: PostForm, post: Post | None, status: int = 200, preview: str | None = None
) -> tuple[str, int]:
    return (
        render_template(
            "staff/posts/edit.html",
            form=form,
            post=post,
            preview=Markup(preview) if preview is not None else None,  # noqa: S704 (sanitized)
        ),
        status,
    )


def _save(form: PostForm, post: Post | None) -> str | Response | tuple[str, int]:
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
        "scheduled": f"scheduled for {local_now(target.publish_at):%d %b %Y %H:%M}"
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


def _upload_limit() -> int:
    return current_app.config["BLOG_IMAGE_MAX_BYTES"] + 64 * 1024  # the photo and the form


@bp.url_value_preprocessor
def _allow_photo_uploads(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """Photos are larger than any other form's body (``MAX_CONTENT_LENGTH``): the upload view
    accepts up to the image limit. This runs before the CSRF check reads the body."""
    if endpoint == "staff.post_images":
        request.max_content_length = _upload_limit()


@bp.errorhandler(RequestEntityTooLarge)
def _upload_too_large(error: RequestEntityTooLarge) -> ResponseReturnValue:
    if request.endpoint != "staff.post_images":
        from portal.web.errors import handle_http_error

        return handle_http_error(error)
    form = ImageUploadForm(formdata=None)
    limit = current_app.config["BLOG_IMAGE_MAX_BYTES"] / 1024 / 1024
    form.image.errors = [
        f"This file is larger than {limit:.1f} MB, the most an image can be. Export it smaller "
        "(2000 pixels wide is plenty) and upload it again."
    ]
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
        with form.image.data.stream as upload:  # closed at once: it may be a temporary file
            data = upload.read()
        try:
            image = images.store_image(data, alt_text=form.alt_text.data, uploader=current_user)
        except images.ImageRefused as refused:
            form.image.errors = [str(refused)]
            status = 422
        else:
            db.session.flush()
            audit.record(
                AuditAction.IMAGE_UPLOAD, target_type=AuditTarget.BLOG_IMAGE, target_id=image.id
            )
            db.session.commit()
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
