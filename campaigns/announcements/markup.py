"""Markdown bodies to safe HTML and plain text: markdown-it-py renders (CommonMark, raw HTML off),
nh3 (the Rust ammonia sanitiser) keeps only the tags and attributes below, so an announcement can
never carry a script, a style, an event handler or a javascript: link into a page, a feed or a mail."""
from __future__ import annotations

import re
from html import unescape

import nh3
from markdown_it import MarkdownIt

_MD = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"]
)
TAGS = {"p", "br", "strong", "em", "del", "s", "a", "ul", "ol", "li", "blockquote", "code", "pre", "h1", "h2", "h3",
        "h4", "h5", "h6", "hr", "table", "thead", "tbody", "tr", "th", "td"}
ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}
_TAG = re.compile(r"<[^>]+>")
_BLANKS = re.compile(r"\n{3,}")


def render_html(markdown: str) -> str:
    """The Markdown body as sanitised HTML (links open normally, carry rel="noopener noreferrer nofollow")."""
    html = _MD.render(markdown or "")
    return nh3.clean(html, tags=TAGS, attributes=ATTRIBUTES, url_schemes=URL_SCHEMES,
                     link_rel="noopener noreferrer nofollow")


def render_text(markdown: str) -> str:
    """A plain-text version (for the text part of an email and for webhooks)."""
    html = render_html(markdown)
    html = re.sub(r"</(p|li|h[1-6]|blockquote|pre|tr)>", "\n", html)
    html = re.sub(r"<br\s*/?>", "\n", html)
    html = re.sub(r'<a href="([^"]*)"[^>]*>(.*?)</a>', lambda m: f"{m.group(2)} ({unescape(m.group(1))})"
                  if unescape(m.group(1)) != _TAG.sub("", m.group(2)) else m.group(2), html)
    text = unescape(_TAG.sub("", html))
    return _BLANKS.sub("\n\n", text).strip()
