"""Helpers for reading pages in tests."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any


def text(resp: Any) -> str:
    """The page's text with tags stripped and whitespace collapsed (for message checks)."""
    body = re.sub(r"<[^>]+>", " ", resp.get_data(as_text=True))
    body = body.replace("&#34;", '"').replace("&#39;", "'").replace("&amp;", "&")
    return re.sub(r"\s+", " ", body)


#: a visible space after Chinese punctuation in a page's HTML ("您需支付 ¥1.00。 请于…", "分摊： <strong>¥1"):
#: punctuation, closing inline tags, white space, then text or an inline tag (not a new block)
INLINE = r"(?:strong|a|span|code|b|em|time|small)"
#: (a bare line break before text is a line of someone's text shown with white-space: pre-line, not a space)
SPACE_AFTER_CJK_PUNCT = re.compile(rf"[。：，；！？](?:</{INLINE}>)*(?:[ \t]+\n?|\n[ \t]+|\n(?=<))[ \t]*(?=[^<\s]|<{INLINE}\b)")


def spaces_after_cjk_punctuation(resp: Any) -> list[str]:
    """Where a page puts a space after Chinese punctuation (each with some context), for the zh-CN page checks."""
    html = resp.get_data(as_text=True)
    return [html[max(0, m.start() - 30):m.end() + 20] for m in SPACE_AFTER_CJK_PUNCT.finditer(html)]


def field_errors(resp: Any, name: str) -> list[str]:
    """The error messages shown in the .field block that holds the input named `name`."""
    html = resp.get_data(as_text=True)
    out = []
    for block in re.findall(r'<div class="field has-error">(.*?)</div>', html, re.S):
        if re.search(r'name="%s"' % re.escape(name), block):
            out += [re.sub(r"\s+", " ", e).strip() for e in re.findall(r'<p class="error" role="alert">(.*?)</p>', block, re.S)]
    return out


class _ByTestId(HTMLParser):
    """Collects the text inside the first element carrying data-testid=<testid>."""

    VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
                      "wbr"})

    def __init__(self, testid: str) -> None:
        super().__init__()
        self.testid, self.depth, self.done = testid, 0, False
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.done or tag in self.VOID:
            return
        if self.depth:
            self.depth += 1
        elif dict(attrs).get("data-testid") == self.testid:
            self.depth = 1

    def handle_endtag(self, tag: str) -> None:
        if self.depth and tag not in self.VOID:
            self.depth -= 1
            self.done = self.depth == 0

    def handle_data(self, data: str) -> None:
        if self.depth and not self.done:
            self.parts.append(data)


def text_of(html: Any, testid: str) -> str:
    """The text of the first element with data-testid=testid ("" if there is none), whitespace collapsed."""
    if not isinstance(html, str):
        html = html.get_data(as_text=True)
    parser = _ByTestId(testid)
    parser.feed(html)
    return re.sub(r"\s+", " ", "".join(parser.parts)).strip()


def told(session: Any, kind: str, about: int) -> list[int]:
    """The users whose inbox has a message of this kind about this object (its id in the event source)."""
    from sqlalchemy import or_, select

    from chamber.notifications.models import InboxMessage

    source = f"event:{kind}:{about}"
    return sorted(session.scalars(select(InboxMessage.user_id).where(
        InboxMessage.kind == kind, or_(InboxMessage.source == source, InboxMessage.source.like(f"{source}:%")))))
