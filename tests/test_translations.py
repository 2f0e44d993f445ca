"""The Simplified Chinese catalog is complete, well-formed, compiled and in step with the code.

Workflow when a test here fails after you added or changed a user-facing string:
    make messages       # extract the strings and merge them into the .po (pybabel update)
    (translate the new msgids in chamber/translations/zh_Hans_CN/LC_MESSAGES/messages.po)
    make translations   # compile the .mo
"""
from __future__ import annotations

import gettext
import re
from pathlib import Path
from typing import Any

import pytest
from babel.messages.catalog import Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
LC_MESSAGES = ROOT / "chamber" / "translations" / "zh_Hans_CN" / "LC_MESSAGES"
PO = LC_MESSAGES / "messages.po"
MO = LC_MESSAGES / "messages.mo"

# what `make messages` extracts (pybabel's default keywords plus -k _l -k N_), and lazy_gettext
KEYWORDS = {**DEFAULT_KEYWORDS, "_": None, "gettext": None, "ngettext": (1, 2), "_l": None,
            "lazy_gettext": None, "N_": None}

PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")

HOW_TO_FIX = (
    "run `make messages`, translate the new msgids in "
    "chamber/translations/zh_Hans_CN/LC_MESSAGES/messages.po, then run `make translations`"
)


@pytest.fixture(scope="module")
def catalog():
    with PO.open("rb") as f:
        return read_po(f, locale="zh_CN")


def _messages(catalog) -> list[Message]:
    return [m for m in catalog if m.id]


def _pairs(message: Message) -> list[tuple[Any, Any]]:
    """(msgid, msgstr) pairs; for plural entries every form is paired with the plural msgid."""
    if isinstance(message.id, tuple):
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        return [(message.id[0], strings[0])] + [(message.id[1], s) for s in strings[1:]]
    return [(message.id, message.string)]


def _listing(items, limit: int = 40) -> str:
    items = list(items)
    shown = "\n".join(f"  {item!r}" for item in items[:limit])
    more = f"\n  ... and {len(items) - limit} more" if len(items) > limit else ""
    return shown + more


def test_every_message_is_translated(catalog):
    untranslated = [
        m.id for m in _messages(catalog)
        if m.fuzzy or not all(s.strip() for _, s in _pairs(m))
    ]
    assert not untranslated, (
        f"{len(untranslated)} msgids in {PO.relative_to(ROOT)} are untranslated or fuzzy:\n"
        f"{_listing(untranslated)}\nTranslate them (and drop the fuzzy flag), then run `make translations`."
    )


def test_placeholders_match(catalog):
    wrong = []
    for m in _messages(catalog):
        if not m.python_format:
            continue
        for msgid, msgstr in _pairs(m):
            if msgstr and set(PLACEHOLDER.findall(msgid)) != set(PLACEHOLDER.findall(msgstr)):
                wrong.append(f"{msgid!r} -> {msgstr!r}")
    assert not wrong, "these translations do not use the msgid's placeholders:\n" + "\n".join(wrong)


def test_catalog_passes_babel_checks(catalog):
    """The checks `pybabel compile` runs (a failing one makes `make translations` fail)."""
    problems = [f"{m.id!r}: {err}" for m, errors in catalog.check() for err in errors]
    assert not problems, "babel rejects these translations:\n" + "\n".join(problems)


def test_compiled_catalog_is_up_to_date(catalog):
    assert MO.exists(), f"{MO.relative_to(ROOT)} is missing: run `make translations`"
    with MO.open("rb") as f:
        mo = gettext.GNUTranslations(f)
    stale = []
    for m in _messages(catalog):
        if isinstance(m.id, tuple):
            strings = m.string if isinstance(m.string, tuple) else (m.string,)
            if strings[0] and mo.ngettext(m.id[0], m.id[1], 1) != strings[0]:
                stale.append(m.id)
        elif m.string and mo.gettext(m.id) != m.string:
            stale.append(m.id)
    assert not stale, (
        f"{MO.relative_to(ROOT)} does not match the .po for {len(stale)} msgids:\n"
        f"{_listing(stale)}\nRun `make translations`."
    )


def test_catalog_covers_every_string_in_the_code(catalog):
    with (ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    extracted = {}
    for filename, lineno, msgid, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS, strip_comment_tags=True
    ):
        key = msgid[0] if isinstance(msgid, tuple) else msgid
        extracted.setdefault(key, f"{filename}:{lineno}")
    known = {m.id[0] if isinstance(m.id, tuple) else m.id for m in _messages(catalog)}
    missing = sorted(set(extracted) - known)
    assert not missing, (
        f"{len(missing)} strings in the code are not in {PO.relative_to(ROOT)}: {HOW_TO_FIX}.\n"
        + _listing(f"{extracted[k]}: {k}" for k in missing)
    )
