"""Crawling the site as a person would: the pages one role can reach, and the forms on them.

The bad-input test uses it to find, for every route, a real address (with ids of records that
exist) and the forms that post to it, with the fields and values a browser would send. Routes
added later (the blog, the newsletter) are found the same way, through the links that lead to
them; nothing here lists routes.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urljoin, urlsplit

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.exceptions import HTTPException
from werkzeug.routing import MapAdapter

TEXT_INPUTS = {"text", "email", "search", "url", "tel", "password", "hidden", ""}


@dataclass
class FormField:
    name: str
    kind: str  # an <input> type, "textarea" or "select"
    value: str
    options: list[str] = field(default_factory=list)  # <select> values
    checked: bool = False  # checkbox and radio
    minimum: str = ""  # a number's ``min``

    @property
    def is_text(self) -> bool:
        return self.kind in TEXT_INPUTS or self.kind == "textarea"


@dataclass
class HtmlForm:
    page: str  # the address of the page that shows the form
    method: str
    action: str  # absolute path (with query)
    fields: list[FormField] = field(default_factory=list)


class _PageParser(HTMLParser):
    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page = page
        self.links: list[str] = []
        self.forms: list[HtmlForm] = []
        self._form: HtmlForm | None = None
        self._textarea: FormField | None = None
        self._select: FormField | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {name: value or "" for name, value in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(urljoin(self.page, a["href"]))
        elif tag == "form":
            action = urljoin(self.page, a.get("action") or self.page)
            self._form = HtmlForm(self.page, (a.get("method") or "get").lower(), action)
            self.forms.append(self._form)
        elif self._form is None or "name" not in a:
            return
        elif tag == "input":
            kind = a.get("type", "").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            self._form.fields.append(
                FormField(
                    a["name"],
                    kind,
                    a.get("value", ""),
                    checked="checked" in a,
                    minimum=a.get("min", ""),
                )
            )
        elif tag == "textarea":
            self._textarea = FormField(a["name"], "textarea", "")
            self._form.fields.append(self._textarea)
        elif tag == "select":
            self._select = FormField(a["name"], "select", "")
            self._form.fields.append(self._select)
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            if not self._select.options or "selected" in a:
                self._select.value = value  # the first option, unless one is selected
            self._select.options.append(value)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea.value += data


@dataclass
class Crawl:
    """What one role saw: page addresses by endpoint, and every form on those pages."""

    pages: dict[str, list[str]] = field(default_factory=dict)  # endpoint -> addresses
    html: dict[str, str] = field(default_factory=dict)  # address -> body
    forms: list[HtmlForm] = field(default_factory=list)
    links: dict[str, set[str]] = field(default_factory=dict)  # endpoint -> query names
    failures: list[str] = field(default_factory=list)  # 5xx answers and raised errors

    def address_for(self, endpoint: str) -> str | None:
        found = self.pages.get(endpoint)
        return found[0] if found else None

    def reached(self) -> set[str]:
        """The endpoints with at least one page that answered 200."""
        return {endpoint for endpoint, addresses in self.pages.items() if addresses}


def endpoint_of(adapter: MapAdapter, address: str, method: str = "GET") -> str | None:
    parts = urlsplit(address)
    try:
        endpoint, _ = adapter.match(parts.path, method=method)
    except HTTPException:
        return None
    return str(endpoint)


def crawl(
    app: Flask,
    client: FlaskClient,
    start: list[str],
    *,
    per_endpoint: int = 2,
    max_pages: int = 200,
) -> Crawl:
    """Follow same-site links breadth-first from ``start``, at most ``per_endpoint`` addresses
    of each endpoint (so 16 sessions or 50 pages of a list cost two visits)."""
    adapter = app.url_map.bind("localhost")
    seen: set[str] = set()
    queue = deque(start)
    result = Crawl()
    while queue and len(seen) < max_pages:
        parts = urlsplit(queue.popleft())
        address = parts.path + (f"?{parts.query}" if parts.query else "")  # no #fragment
        if parts.netloc not in ("", "localhost") or address in seen:
            continue
        endpoint = endpoint_of(adapter, address)
        if endpoint is None or endpoint == "static":
            continue
        visits = result.pages.setdefault(endpoint, [])
        if len(visits) >= per_endpoint:
            continue
        seen.add(address)
        try:
            response = client.get(address)
        except Exception as error:  # TESTING propagates errors: a 500 in production
            result.failures.append(f"GET {address}: {type(error).__name__}: {error}")
            continue
        if response.status_code >= 500:
            result.failures.append(f"GET {address}: status {response.status_code}")
        if response.status_code != 200:
            continue
        visits.append(address)
        if response.mimetype != "text/html":
            continue  # reached (a calendar feed, a JSON export) but nothing to follow
        body = response.get_data(as_text=True)
        result.html[address] = body
        parser = _PageParser(address)
        parser.feed(body)
        result.forms.extend(parser.forms)
        for link in parser.links:
            link_parts = urlsplit(link)
            linked = endpoint_of(adapter, link_parts.path)
            if linked is not None:
                names = {name for name, _ in parse_qsl(link_parts.query, keep_blank_values=True)}
                result.links.setdefault(linked, set()).update(names)
            queue.append(link)
    return result
