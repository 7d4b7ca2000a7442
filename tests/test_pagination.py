"""The one pager macro: page links keep the list's filters and drop empty ones."""

from __future__ import annotations

from types import SimpleNamespace

from flask import render_template_string

TEMPLATE = (
    '{% from "macros/pagination.html" import pager %}'
    "{{ pager(page, 'staff.mail_log', 'the mail log', status=status) }}"
)


def page_of(number: int, pages: int) -> SimpleNamespace:
    return SimpleNamespace(
        page=number,
        pages=pages,
        has_prev=number > 1,
        has_next=number < pages,
        prev_num=number - 1,
        next_num=number + 1,
    )


def test_links_keep_filters(app):
    with app.test_request_context():
        html = render_template_string(TEMPLATE, page=page_of(2, 3), status="failed")
    assert 'href="/staff/mail/log?page=1&amp;status=failed" rel="prev"' in html
    assert 'href="/staff/mail/log?page=3&amp;status=failed" rel="next"' in html
    assert "Page 2 of 3" in html
    assert 'aria-label="Pages of the mail log"' in html


def test_empty_filters_are_dropped_and_a_single_page_shows_no_pager(app):
    with app.test_request_context():
        html = render_template_string(TEMPLATE, page=page_of(1, 2), status=None)
        single = render_template_string(TEMPLATE, page=page_of(1, 1), status="sent")
    assert 'href="/staff/mail/log?page=2" rel="next"' in html
    assert "status" not in html
    assert single.strip() == ""
