"""The picture a shared link shows (OpenGraph og:image): 1200×630 PNG of one campaign.

Drawn with Pillow from a plain dict (festival, title, chamber, dates, merchant count), in the
CJK font the PDFs use, so a link pasted into WeChat or a micro-blog shows the campaign itself,
not a generic logo. Without the font (a machine without fonts-noto-cjk), the generic picture in
static/img/share.png is used instead of drawing boxes.
"""
from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont

SIZE = (1200, 630)
#: Noto Sans CJK collections: index 2 is Simplified Chinese (SC)
FONT_FILES = (
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
)
SC_INDEX = 2
#: festival → (background, accent): the colours people connect with each sales festival
COLOURS = {
    "double11": ("#b3122e", "#ffd76a"),
    "double12": ("#a3123a", "#ffe08a"),
    "618": ("#c2410c", "#fff1c1"),
    "spring_festival": ("#b91c1c", "#fcd34d"),
    "mid_autumn": ("#1e3a5f", "#fde68a"),
    "womens_day": ("#9d174d", "#fbcfe8"),
}
DEFAULT_COLOURS = ("#14532d", "#d9f99d")


def font_file() -> Path | None:
    return next((f for f in FONT_FILES if f.exists()), None)


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: Any, width: int, lines: int) -> list[str]:
    """Break text to fit width, character by character (Chinese has no spaces), at most `lines` lines."""
    out: list[str] = []
    current = ""
    for char in text:
        if draw.textlength(current + char, font=font) <= width:
            current += char
            continue
        out.append(current)
        current = char.lstrip()
        if len(out) == lines:
            break
    if len(out) < lines and current:
        out.append(current)
    if len(out) == lines and "".join(out) != text.replace("\n", ""):
        out[-1] = out[-1][:-1] + "…"
    return out


def render_share_image(data: dict[str, Any], fallback: Path) -> bytes:
    """PNG bytes of the campaign's share picture (the fallback file's bytes without a CJK font)."""
    path = font_file()
    if path is None:
        return fallback.read_bytes()
    background, accent = COLOURS.get(data["festival"], DEFAULT_COLOURS)
    image = Image.new("RGB", SIZE, background)
    draw = ImageDraw.Draw(image)

    def font(size: int) -> Any:
        return ImageFont.truetype(str(path), size, index=SC_INDEX)

    margin = 72
    draw.rectangle((0, 0, SIZE[0], 16), fill=accent)
    draw.text((margin, 64), data["festival_label"], font=font(40), fill=accent)
    y = 136
    title_font = font(76)
    for line in _wrap(draw, data["title"], title_font, SIZE[0] - 2 * margin, 2):
        draw.text((margin, y), line, font=title_font, fill="#ffffff")
        y += 100
    draw.text((margin, y + 16), data["dates"], font=font(38), fill="#ffffff")
    footer = font(34)
    draw.text((margin, SIZE[1] - 110), data["chamber"], font=footer, fill=accent)
    draw.text((margin, SIZE[1] - 64), data["merchants"], font=font(30), fill="#ffffff")
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()
