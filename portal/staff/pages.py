"""Back office: the site's pages (``/staff/pages…``).

Staff write a page in Markdown with the same server-side preview as articles (nothing is
saved by "Preview"), keep it as a draft or publish it, and place it in the site menu. Every
change is audited.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from markupsafe import Markup
from werkzeug.wrappers import Response

from portal.core import audit
from portal.core.audit import AuditAction, AuditTarget
from portal.core.rendering import render_article
from portal.extensions import db
from portal.models import Page, PageStatus
from portal.pages import services
from portal.pages.forms import PageForm
from portal.pages.placeholders import fill_in
from portal.staff import bp


@bp.route("/pages")
def pages() -> str:
    found = db.session.scalars(sa.select(Page).order_by(Page.menu_order, Page.title)).all()
    return render_template("staff/pages/list.html", pages=found)


def _editor(
    form: PageForm, page: Page | None, status: int = 200, preview: Markup | None = None
) -> tuple[str, int]:
    return render_template("staff/pages/edit.html", form=form, page=page, preview=preview), status


def _save(form: PageForm, page: Page | None) -> str | Response | tuple[str, int]:
    if form.preview.data:
        form.validate()
        body_format = page.body_format if page else "markdown"
        return _editor(
            form, page, preview=fill_in(render_article(form.body.data or "", body_format))
        )
    if not form.validate_on_submit():
        return _editor(form, page, 422 if request.method == "POST" else 200)
    slug = form.slug.data or services.slugify(form.title.data)
    problem = services.slug_problem(slug, page=page)
    if problem:
        form.slug.errors = [problem]
        return _editor(form, page, 422)
    is_new = page is None
    target = page or Page()
    services.save_page(
        target,
        services.PageValues(
            title=form.title.data,
            slug=slug,
            body=form.body.data,
            status=PageStatus(form.status.data),
            menu_order=form.menu_order.data,
            show_in_menu=bool(form.show_in_menu.data),
        ),
    )
    audit.record(
        AuditAction.PAGE_CREATE if is_new else AuditAction.PAGE_UPDATE,
        target_type=AuditTarget.PAGE,
        target_id=target.id,
        detail=f"{target.status}: {target.title}",
    )
    db.session.commit()
    state = "published" if target.status == PageStatus.PUBLISHED else "saved as a draft"
    flash(f"“{target.title}” is {state}.", "success")
    return redirect(url_for(".edit_page", page_id=target.id))


@bp.route("/pages/new", methods=["GET", "POST"])
def new_page() -> str | Response | tuple[str, int]:
    return _save(PageForm(), None)


@bp.route("/pages/<int:page_id>", methods=["GET", "POST"])
def edit_page(page_id: int) -> str | Response | tuple[str, int]:
    page = services.load_page(page_id)
    form = PageForm(
        data={
            "title": page.title,
            "slug": page.slug,
            "body": page.body,
            "status": page.status,
            "menu_order": page.menu_order,
            "show_in_menu": page.show_in_menu,
        }
    )
    return _save(form, page)


@bp.route("/pages/<int:page_id>/delete", methods=["GET", "POST"])
def delete_page(page_id: int) -> str | Response:
    page = services.load_page(page_id)
    if request.method == "POST":
        title = page.title
        audit.record(
            AuditAction.PAGE_DELETE, target_type=AuditTarget.PAGE, target_id=page.id, detail=title
        )
        services.delete_page(page)
        db.session.commit()
        flash(f"“{title}” is deleted.", "success")
        return redirect(url_for(".pages"))
    return render_template("staff/pages/delete.html", page=page)
