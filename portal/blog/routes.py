"""The blog's public pages: the index (and search), tags, articles with their comments, the
comment forms, the notification links, the Atom feed and the article images."""

from __future__ import annotations

from flask import (
    Response,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from portal.blog import (
    bp,
    comments,
    feeds,
    held,
    images,
    notices,
    notifications,
    pages,
    posts,
    returning,
    search,
    threads,
)
from portal.blog.forms import (
    ButtonForm,
    CommentForm,
    DeleteCommentForm,
    EditCommentForm,
    GuestCommentForm,
    SearchForm,
)
from portal.extensions import csrf, db, limiter
from portal.models import Comment, CommentStatus, Post
from portal.web.cross_origin import tokens_apply
from portal.web.token_links import register_token_route

# Said to every guest who asks for reply notifications, whatever the address's history.
NOTIFY_NOTE = (
    " If this address has not confirmed reply notifications yet, an email asks it to confirm."
)


def _comment_limit() -> str:
    return current_app.config["COMMENT_LIMIT_PER_IP"]


@bp.route("/")
def index() -> str:
    form = SearchForm(request.args)
    query = form.q.data if form.validate() else None
    if query:
        return render_template(
            "blog/search.html", form=form, q=query, page=search.search_posts(query)
        )
    return render_template("blog/index.html", form=form, page=posts.posts_page(), tag=None)


@bp.route("/tag/<tag>")
def tag(tag: str) -> str:
    found = posts.get_tag_or_none(tag)
    if found is None:
        abort(404)
    return render_template(
        "blog/index.html", form=SearchForm(), page=posts.posts_page(found), tag=found
    )


@bp.route("/<slug>")
def article(slug: str) -> BaseResponse:
    return pages.article_page(slug)


@bp.post("/<slug>/comments")
@limiter.limit(_comment_limit, methods=["POST"])
def add_comment(slug: str) -> BaseResponse:
    head = pages.article_head(slug)
    form_class = CommentForm if current_user.is_authenticated else GuestCommentForm
    form = form_class()
    if not form.validate_on_submit():
        return pages.article_page(slug, form=form, status=422)
    if form.website.data:
        # Only robots see the honeypot. Answer as if held, keep nothing.
        flash("Thank you. Your comment is awaiting moderation.", "info")
        return redirect(url_for(".article", slug=slug))
    post = pages.load_article(head.id)
    new = comments.NewComment(
        body=form.body.data,
        parent_id=form.parent_id.data or None,
        notify=bool(form.notify.data),
        ip_address=request.remote_addr,
        guest_name=getattr(form, "name", None) and form.name.data,
        guest_email=getattr(form, "email", None) and form.email.data,
        written_here=tuple(returning.written_here()) if not current_user.is_authenticated else (),
    )
    author = current_user if current_user.is_authenticated else None
    try:
        comment = comments.post_comment(post, new, author=author)
    except comments.CommentRefused as refused:
        db.session.rollback()
        getattr(form, refused.field).errors = [refused.message]
        return pages.article_page(slug, form=form, status=422)
    db.session.commit()
    # The reader lands on their comment, on its page, with what happens next beside it.
    # The same words whether or not the address asked before: nothing here tells a guest
    # what the site knows about an address.
    target = _comment_path(post, comment)
    notify_note = NOTIFY_NOTE if new.notify and author is None else ""
    if comment.status == CommentStatus.PENDING:
        notices.leave(
            comment.id,
            "Thank you. Your comment is awaiting moderation: only you can see it until it is "
            "approved." + notify_note,
        )
        response = held.remember_held(redirect(target), post.id, comment.id)
    else:
        notices.leave(comment.id, "Your comment is published." + notify_note)
        response = redirect(target)
    return returning.remember_comment(response, comment.id) if author is None else response


def _comment_path(post: Post, comment: Comment) -> str:
    """Where ``comment`` is shown: its article's page of comments, at its anchor (its own
    held comment counts for its author, who is the one sent there)."""
    held_ids = [comment.id] if comment.status == CommentStatus.PENDING else []
    thread = threads.build_thread(threads.load_comments(post.id, held_ids=held_ids))
    return threads.comment_path(post.slug, thread, comment.id)


@bp.route("/comments/<int:comment_id>")
def comment_link(comment_id: int) -> BaseResponse:
    """A comment's lasting address (emails, the account page, the comment queue): the page
    of the article that shows it. A held comment is found by its author alone; anything
    else that is not shown is a 404."""
    comment = db.session.get(Comment, comment_id)
    if comment is None:
        abort(404)
    own = comment.status == CommentStatus.PENDING and (
        (current_user.is_authenticated and comment.author_id == current_user.id)
        or comment.id in held.held_ids_for(comment.post_id)
    )
    if comment.status != CommentStatus.APPROVED and not own:
        abort(404)
    post = pages.load_article(comment.post_id)
    if not post.is_public():
        abort(404)
    return redirect(_comment_path(post, comment))


def _own_comment(comment_id: int) -> Comment:
    if not current_user.is_authenticated:
        abort(404)
    return comments.get_own_comment(comment_id, current_user)


def _article_url(comment: Comment, anchor: bool = True) -> str:
    post = db.get_or_404(Post, comment.post_id)
    return _comment_path(post, comment) if anchor else url_for(".article", slug=post.slug)


def _too_late(comment: Comment) -> tuple[str, int]:
    return (
        render_template(
            "blog/comment_locked.html",
            comment=comment,
            back=_article_url(comment),
        ),
        403,
    )


@bp.route("/comments/<int:comment_id>/edit", methods=["GET", "POST"])
def edit_comment(comment_id: int) -> str | BaseResponse | tuple[str, int]:
    comment = _own_comment(comment_id)
    if not comments.can_still_change(comment):
        return _too_late(comment)
    form = EditCommentForm(data={"body": comment.body_source})
    if form.validate_on_submit():
        comments.edit_comment(comment, form.body.data, author=current_user)
        db.session.commit()
        post = pages.load_article(comment.post_id)
        if comment.status == CommentStatus.PENDING:
            notices.leave(comment.id, "Your comment is saved and awaiting moderation.")
            return held.remember_held(
                redirect(_comment_path(post, comment)), comment.post_id, comment.id
            )
        notices.leave(comment.id, "Your comment is saved.")
        return redirect(_comment_path(post, comment))
    status = 422 if request.method == "POST" else 200
    return (
        render_template(
            "blog/comment_edit.html",
            form=form,
            delete_form=DeleteCommentForm(formdata=None),
            comment=comment,
            back=_article_url(comment),
        ),
        status,
    )


@bp.post("/comments/<int:comment_id>/delete")
def delete_comment(comment_id: int) -> BaseResponse | tuple[str, int]:
    comment = _own_comment(comment_id)
    if not comments.can_still_change(comment):
        return _too_late(comment)
    form = DeleteCommentForm()
    if not form.validate_on_submit():
        abort(400)
    back = _article_url(comment, anchor=False)
    comments.delete_own_comment(comment)
    db.session.commit()
    flash("Your comment is deleted.", "info")
    return redirect(back)


def _link_problem(error: notifications.BadLink) -> tuple[str, int]:
    db.session.rollback()
    return render_template("blog/link_problem.html", problem=error.problem), 400


# A commenter's token in these links acts for them: never logged, redacted in the mailbox.
register_token_route("/blog/notifications/confirm/", "/blog/notifications/stop/")


@bp.route("/notifications/confirm/<token>", methods=["GET", "POST"])
def confirm_notifications(token: str) -> str | BaseResponse | tuple[str, int]:
    try:
        subscription = notifications.subscription_for_confirm_token(token)
    except notifications.BadLink as error:
        return _link_problem(error)
    form = ButtonForm()
    if form.validate_on_submit():
        notifications.confirm(subscription)
        db.session.commit()
        return render_template(
            "blog/notice.html",
            title="Reply notifications are on",
            text="We will email you when someone replies to a comment for which you asked. "
            "Every email has a link to stop them.",
        )
    return render_template(
        "blog/button_page.html",
        form=form,
        title="Email me replies to my comments",
        text=f"Press the button to receive an email at {subscription.email} when someone "
        "replies to a comment of yours for which you asked (only to yours, not the whole "
        "conversation). You confirm this address once.",
        button="Yes, email me replies",
    )


@bp.route("/notifications/stop/<token>", methods=["GET", "POST"])
@csrf.exempt
def stop_notifications(token: str) -> str | BaseResponse | tuple[str, int]:
    """Stop the reply emails of one comment.

    Mail providers POST ``List-Unsubscribe=One-Click`` here (RFC 8058): the signed token is
    the authority, no CSRF token can exist. Every POST passed the cross-site check
    (``portal.web.cross_origin``); any other POST of a signed-in person also needs the page's
    CSRF token, and a GET only shows the button, so link scanners stop nothing.
    """
    one_click = request.method == "POST" and request.form.get("List-Unsubscribe") == "One-Click"
    if request.method == "POST" and not one_click and tokens_apply():
        csrf.protect()
    try:
        subscription = notifications.subscription_for_stop_token(token)
    except notifications.BadLink as error:
        return _link_problem(error)
    if request.method == "POST":
        notifications.stop(subscription)
        db.session.commit()
        if one_click:
            return Response("Stopped.\n", mimetype="text/plain")
        return render_template(
            "blog/notice.html",
            title="Reply emails stopped",
            text="You will get no more emails about replies to this comment.",
        )
    return render_template(
        "blog/button_page.html",
        form=ButtonForm(),
        title="Stop reply emails",
        text="Press the button to stop emails about replies to your comment.",
        button="Stop these emails",
    )


@bp.route("/feed.xml")
def feed() -> Response:
    response = make_response(feeds.atom_feed())
    response.mimetype = "application/atom+xml"
    return response


@bp.route("/images/<filename>")
def image(filename: str) -> BaseResponse:
    if not images.FILENAME.match(filename):
        abort(404)
    response = send_from_directory(images.image_dir(), filename, max_age=images.CACHE_SECONDS)
    response.headers["Cache-Control"] = f"public, max-age={images.CACHE_SECONDS}, immutable"
    return response
