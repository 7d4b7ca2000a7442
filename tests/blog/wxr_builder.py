"""Writing WordPress exports (WXR) for tests, shaped like the ones WordPress writes."""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.sax.saxutils import escape

NAMESPACES = (
    'xmlns:excerpt="{wp}excerpt/" xmlns:content="http://purl.org/rss/1.0/modules/content/" '
    'xmlns:wfw="http://wellformedweb.org/CommentAPI/" xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:wp="{wp}"'
)


@dataclass
class WxrComment:
    wp_id: int
    body: str
    author: str = "A Reader"
    parent: int = 0
    approved: str = "1"
    kind: str = ""
    date: str = "2021-04-13 09:00:00"


@dataclass
class WxrItem:
    wp_id: int
    title: str
    content: str = "Some words about recovery."
    slug: str = ""
    kind: str = "post"
    status: str = "publish"
    link: str = ""
    date: str = "2021-04-12 08:30:00"
    password: str = ""
    tags: list[str] = field(default_factory=list)
    comments: list[WxrComment] = field(default_factory=list)
    attachment_url: str = ""
    parent: int = 0
    excerpt: str = ""
    meta: dict[str, str] = field(default_factory=dict)


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def item_xml(item: WxrItem, site: str) -> str:
    slug = item.slug or f"post-{item.wp_id}"
    link = item.link or f"{site}/2021/04/12/{slug}/"
    parts = [
        "<item>",
        f"<title>{escape(item.title)}</title>",
        f"<link>{escape(link)}</link>",
        "<dc:creator><![CDATA[writer]]></dc:creator>",
        f'<guid isPermaLink="false">{site}/?p={item.wp_id}</guid>',
        f"<content:encoded>{_cdata(item.content)}</content:encoded>",
        f"<excerpt:encoded>{_cdata(item.excerpt)}</excerpt:encoded>",
        f"<wp:post_id>{item.wp_id}</wp:post_id>",
        f"<wp:post_date>{item.date}</wp:post_date>",
        f"<wp:post_date_gmt>{item.date}</wp:post_date_gmt>",
        f"<wp:post_name>{escape(slug)}</wp:post_name>",
        f"<wp:status>{item.status}</wp:status>",
        f"<wp:post_parent>{item.parent}</wp:post_parent>",
        "<wp:menu_order>0</wp:menu_order>",
        f"<wp:post_type>{item.kind}</wp:post_type>",
        f"<wp:post_password>{escape(item.password)}</wp:post_password>",
    ]
    if item.attachment_url:
        parts.append(f"<wp:attachment_url>{escape(item.attachment_url)}</wp:attachment_url>")
    for key, value in item.meta.items():
        parts.append(
            f"<wp:postmeta><wp:meta_key>{key}</wp:meta_key>"
            f"<wp:meta_value>{_cdata(value)}</wp:meta_value></wp:postmeta>"
        )
    for tag in item.tags:
        parts.append(f'<category domain="post_tag" nicename="x">{_cdata(tag)}</category>')
    for comment in item.comments:
        parts.append(
            "<wp:comment>"
            f"<wp:comment_id>{comment.wp_id}</wp:comment_id>"
            f"<wp:comment_author>{_cdata(comment.author)}</wp:comment_author>"
            "<wp:comment_author_email>reader@example.com</wp:comment_author_email>"
            f"<wp:comment_date>{comment.date}</wp:comment_date>"
            f"<wp:comment_date_gmt>{comment.date}</wp:comment_date_gmt>"
            f"<wp:comment_content>{_cdata(comment.body)}</wp:comment_content>"
            f"<wp:comment_approved>{comment.approved}</wp:comment_approved>"
            f"<wp:comment_type>{comment.kind}</wp:comment_type>"
            f"<wp:comment_parent>{comment.parent}</wp:comment_parent>"
            "</wp:comment>"
        )
    parts.append("</item>")
    return "\n".join(parts)


def wxr(
    items: list[WxrItem],
    *,
    site: str = "https://recovery-notes.example",
    wp_namespace: str = "http://wordpress.org/export/1.2/",
    channel_extra: str = "",
    base_site_url: str = "",
) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8" ?>\n'
        f'<rss version="2.0" {NAMESPACES.format(wp=wp_namespace)}>\n<channel>\n'
        f"<title>Recovery notes</title>\n<link>{site}</link>\n"
        f"{channel_extra}"
        "<wp:wxr_version>1.2</wp:wxr_version>\n"
        f"<wp:base_site_url>{base_site_url or site}</wp:base_site_url>\n"
        f"<wp:base_blog_url>{site}</wp:base_blog_url>\n"
        + "\n".join(item_xml(item, site) for item in items)
        + "\n</channel>\n</rss>\n"
    )
