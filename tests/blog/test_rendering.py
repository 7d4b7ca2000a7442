"""An XSS corpus through the one render/sanitize module, as comments and as article bodies,
and through the real forms: nothing executable comes out."""

from __future__ import annotations

import html
from html.parser import HTMLParser
from urllib.parse import unquote

import pytest

from portal.core.rendering import (
    ARTICLE_TAGS,
    COMMENT_TAGS,
    count_links,
    render_article_markdown,
    render_comment_markdown,
    sanitize_article_html,
)
from tests.blog.conftest import guest

CORPUS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    '<img src="/blog/images/0123456789abcdef0123456789abcdef.png" onload="alert(1)">',
    "<svg/onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<svg><a xlink:href='javascript:alert(1)'><text>x</text></a></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<iframe src=javascript:alert(1)></iframe>",
    "<object data=data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==></object>",
    "<a href='javascript:alert(1)'>x</a>",
    "<a href='JaVaScRiPt:alert(1)'>x</a>",
    "<a href='jav&#x09;ascript:alert(1)'>x</a>",
    "<a href='&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)'>x</a>",
    "<a href='vbscript:msgbox(1)'>x</a>",
    "<a href='data:text/html,<script>alert(1)</script>'>x</a>",
    "<a href=' javascript:alert(1)'>x</a>",
    "<div style='background:url(javascript:alert(1))'>x</div>",
    "<p onclick=alert(1)>click</p>",
    "<body onload=alert(1)>",
    "<form action=javascript:alert(1)><button>go</button></form>",
    "<input autofocus onfocus=alert(1)>",
    "<details open ontoggle=alert(1)>",
    '<a href="x" <script>alert(1)</script>>broken',
    "<<script>script>alert(1)<</script>/script>",
    "<scr<script>ipt>alert(1)</script>",
    "<!--<script>alert(1)</script>-->",
    "<b><i><u><script>alert(1)</script></b></i>",
    "<meta http-equiv=refresh content='0;url=javascript:alert(1)'>",
    "<base href=javascript:alert(1)//>",
    "[click](javascript:alert(1))",
    "[click](JAVASCRIPT:alert(1))",
    "[click](javascript&#58;alert(1))",
    "[click](%6Aavascript:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](vbscript:msgbox(1))",
    "[click](<javascript:alert(1)>)",
    "[a][ref]\n\n[ref]: javascript:alert(1)",
    "![x](javascript:alert(1))",
    '![x](/blog/images/0123456789abcdef0123456789abcdef.png "title\\" onerror=\\"alert(1))',
    "<javascript:alert(1)>",
    '[x](https://ok.example "t" onmouseover=alert(1))',
    "```html\n<script>alert(1)</script>\n```",
    "`<img src=x onerror=alert(1)>`",
]

UNSAFE_SCHEMES = ("javascript:", "vbscript:", "data:", "file:")


class Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        self.tags.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


def assert_inert(output: str, allowed_tags: set[str]) -> None:
    parser = Collector()
    parser.feed(output)
    for tag, attrs in parser.tags:
        assert tag in allowed_tags, f"tag <{tag}> in {output!r}"
        for name, value in attrs.items():
            assert not name.startswith("on"), f"event handler {name} in {output!r}"
            assert name not in ("style", "srcdoc", "formaction", "xlink:href"), output
            if name in ("href", "src") and value:
                decoded = unquote(html.unescape(value)).strip().lower()
                decoded = "".join(ch for ch in decoded if ch.isprintable() and not ch.isspace())
                assert not decoded.startswith(UNSAFE_SCHEMES), f"{name}={value!r} in {output!r}"
                if name == "src":
                    assert value.startswith("/blog/images/"), output


@pytest.mark.parametrize("payload", CORPUS)
def test_comment_markdown_renders_nothing_executable(payload):
    assert_inert(render_comment_markdown(payload), COMMENT_TAGS)


@pytest.mark.parametrize("payload", CORPUS)
def test_article_markdown_and_imported_html_render_nothing_executable(payload):
    assert_inert(render_article_markdown(payload), ARTICLE_TAGS)
    assert_inert(sanitize_article_html(payload), ARTICLE_TAGS)


def test_the_corpus_posted_as_comments_and_as_an_article_renders_inert_pages(app, auth, blog):
    post_id = blog.post(slug="calves")
    blog.comment(post_id)  # Gina is trusted: her comments are published at once
    for payload in CORPUS:
        response = auth.client.post("/blog/calves/comments", data=guest(app, payload))
        assert response.status_code == 302
    auth.login_staff()
    response = auth.client.post(
        "/staff/posts/new",
        data={
            "title": "Corpus",
            "body_source": "\n\n".join(CORPUS),
            "status": "published",
            "submit": "Save",
        },
    )
    assert response.status_code == 302
    for path in ("/blog/calves", "/blog/corpus"):
        page = auth.client.get(path).get_data(as_text=True)
        start = page.index('<main id="main"')
        main = page[start : page.index("</main>")]
        assert "<script" not in main.lower()
        assert_inert_page(main)


def assert_inert_page(main: str) -> None:
    parser = Collector()
    parser.feed(main)
    for tag, attrs in parser.tags:
        assert tag not in (
            "script",
            "iframe",
            "object",
            "embed",
            "svg",
            "math",
            "style",
            "base",
            "meta",
        ), tag
        for name, value in attrs.items():
            assert not name.startswith("on"), name
            if name in ("href", "src", "action") and value:
                decoded = unquote(html.unescape(value)).strip().lower()
                decoded = "".join(ch for ch in decoded if ch.isprintable() and not ch.isspace())
                assert not decoded.startswith(UNSAFE_SCHEMES), value


def test_comment_links_are_nofollow_ugc_and_articles_keep_headings_tables_and_our_images():
    comment = render_comment_markdown("See [the guide](https://example.org/guide)\n\n# Big")
    assert 'rel="nofollow ugc noopener"' in comment and "<h1>" not in comment
    article = render_article_markdown(
        "## Warm-up\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
        "![Roller](/blog/images/0123456789abcdef0123456789abcdef.jpg)\n\n"
        "![Elsewhere](https://tracker.example/pixel.gif)"
    )
    assert "<h2>" in article and "<table>" in article
    assert 'src="/blog/images/0123456789abcdef0123456789abcdef.jpg"' in article
    assert "tracker.example" not in article


@pytest.mark.parametrize(
    ("text", "links"),
    [("plain", 0), ("https://a.example", 1), ("[x](https://a) www.b.example http://c", 3)],
)
def test_links_are_counted_however_they_are_written(text, links):
    assert count_links(text) == links
