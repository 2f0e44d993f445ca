"""Helpers for reading pages in tests."""
from __future__ import annotations

import re
from typing import Any


def text(resp: Any) -> str:
    """The page's text with tags stripped and whitespace collapsed (for message checks)."""
    body = re.sub(r"<[^>]+>", " ", resp.get_data(as_text=True))
    body = body.replace("&#34;", '"').replace("&#39;", "'").replace("&amp;", "&")
    return re.sub(r"\s+", " ", body)


def field_errors(resp: Any, name: str) -> list[str]:
    """The error messages shown in the .field block that holds the input named `name`."""
    html = resp.get_data(as_text=True)
    out = []
    for block in re.findall(r'<div class="field has-error">(.*?)</div>', html, re.S):
        if re.search(r'name="%s"' % re.escape(name), block):
            out += [re.sub(r"\s+", " ", e).strip() for e in re.findall(r'<p class="error" role="alert">(.*?)</p>', block, re.S)]
    return out
