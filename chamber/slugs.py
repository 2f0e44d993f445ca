"""Web-address slugs made from what people type, Chinese included: 双十二联合促销 → shuang-shi-er-lian-he-cu-xiao.

Chinese is spelled in pinyin without tones by pypinyin (a well-kept library with the readings
of the whole CJK range); everything else is reduced to ASCII letters and digits.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection

from pypinyin import Style, lazy_pinyin

from .rules import MAX_SLUG


def slugify(text: str, *, max_length: int = MAX_SLUG) -> str:
    """Lower-case ASCII letters, digits and single inner hyphens, at most max_length; "" if nothing is left."""
    words = lazy_pinyin(text or "", style=Style.NORMAL, errors=lambda chars: chars)  # non-Chinese text as typed
    ascii_text = unicodedata.normalize("NFKD", " ".join(words)).encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    if len(slug) > max_length:
        slug = slug[:max_length + 1].rsplit("-", 1)[0] if "-" in slug[:max_length + 1] else slug[:max_length]
    return slug.strip("-")


def unique_slug(base: str, taken: Collection[str], *, fallback: str = "item", max_length: int = MAX_SLUG) -> str:
    """base, or base-2, base-3 … — the first not in taken (fallback when base is empty)."""
    base = base or fallback
    if base not in taken:
        return base
    n = 2
    while True:
        tail = f"-{n}"
        candidate = base[:max_length - len(tail)].rstrip("-") + tail
        if candidate not in taken:
            return candidate
        n += 1
