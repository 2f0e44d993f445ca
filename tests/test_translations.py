"""Every Simplified Chinese catalog is complete, well-formed, compiled and in step with its package's code.

The core and each feature package own a catalog (chamber/catalogs.py): chamber/translations/ holds the
strings of chamber/ and the core's templates, <package>/translations/ those of the package's Python files and
templates/<package>/ (and templates/pdf/<package>/). The app reads them merged.

Workflow when a test here fails after you added or changed a user-facing string:
    make messages       # extract each package's strings into its own catalog (pybabel extract + update)
    (translate the new msgids in <package>/translations/zh_Hans_CN/LC_MESSAGES/messages.po)
    make translations   # compile each .mo
"""
from __future__ import annotations

import gettext
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from babel.messages.catalog import Catalog as PoCatalog
from babel.messages.catalog import Message
from babel.messages.extract import DEFAULT_KEYWORDS, check_and_call_extract_file, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from chamber import FEATURES, catalogs
from chamber.catalogs import Catalog

ROOT = Path(__file__).resolve().parent.parent
CATALOGS = catalogs.catalogs()
NAMES = [c.name for c in CATALOGS]
BY_NAME = {c.name: c for c in CATALOGS}

# what `make messages` extracts (pybabel's default keywords plus -k _l -k N_), and lazy_gettext
KEYWORDS = {**DEFAULT_KEYWORDS, "_": None, "gettext": None, "ngettext": (1, 2), "_l": None,
            "lazy_gettext": None, "N_": None}

PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")

#: a message's key: (context, msgid) — the msgid's singular for plural entries
Key = tuple[str | None, str]


def _how_to_fix(catalog: Catalog) -> str:
    return (f"run `make messages`, translate the new msgids in {catalog.po().relative_to(ROOT)}, "
            "then run `make translations`")


@cache
def _po(name: str) -> PoCatalog:
    catalog = BY_NAME[name]
    if not catalog.po().exists():
        if _extracted(name):
            pytest.fail(f"{catalog.po().relative_to(ROOT)} is missing: {_how_to_fix(catalog)}")
        pytest.skip(f"{name} has no translatable strings yet")
    with catalog.po().open("rb") as f:
        return read_po(f, locale="zh_CN")


def _key(message: Any, context: str | None) -> Key:
    return context, message[0] if isinstance(message, tuple) else message


@cache
def _extracted(name: str) -> dict[Key, str]:
    """(context, msgid) → "file:line" of every string in the catalog's sources, as `make messages` finds them:
    a folder's files match babel.cfg relative to the folder, a single file relative to the checkout."""
    with (ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    found: dict[Key, str] = {}
    for source in BY_NAME[name].sources:
        if source.is_dir():
            extracted: Iterator[Any] = extract_from_dir(
                str(source), method_map, options_map, keywords=KEYWORDS, strip_comment_tags=True)
        else:
            extracted = check_and_call_extract_file(
                str(source), method_map, options_map, callback=None, keywords=KEYWORDS, comment_tags=(),
                strip_comment_tags=True, dirpath=str(ROOT))
        for filename, lineno, message, _comments, context in extracted:
            where = (source / filename if source.is_dir() else source).relative_to(ROOT)
            found.setdefault(_key(message, context), f"{where}:{lineno}")
    return found


def _messages(name: str) -> list[Message]:
    return [m for m in _po(name) if m.id]


def _known(name: str) -> dict[Key, Message]:
    return {_key(m.id, m.context): m for m in _messages(name)}


def _pairs(message: Message) -> list[tuple[Any, Any]]:
    """(msgid, msgstr) pairs; for plural entries every form is paired with the plural msgid."""
    if isinstance(message.id, tuple):
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        return [(message.id[0], strings[0])] + [(message.id[1], s) for s in strings[1:]]
    return [(message.id, message.string)]


def _listing(items: Any, limit: int = 40) -> str:
    items = list(items)
    shown = "\n".join(f"  {item!r}" for item in items[:limit])
    more = f"\n  ... and {len(items) - limit} more" if len(items) > limit else ""
    return shown + more


def test_the_core_and_every_feature_package_have_a_catalog():
    assert ["chamber", *FEATURES] == NAMES
    assert BY_NAME["chamber"].directory == ROOT / "chamber" / "translations"
    assert BY_NAME["campaigns"].directory == ROOT / "campaigns" / "translations"


def test_every_file_with_strings_belongs_to_exactly_one_catalog():
    """The catalogs' sources split the code: chamber/, each feature package and all of templates/."""
    owners: dict[Path, list[str]] = {}
    for catalog in CATALOGS:
        for source in catalog.sources:
            for path in (source.rglob("*") if source.is_dir() else [source]):
                if path.suffix in (".py", ".html", ".txt"):
                    owners.setdefault(path, []).append(catalog.name)
    folders = [ROOT / "chamber", ROOT / "templates", *(ROOT / name for name in FEATURES)]
    files = [p for folder in folders for p in folder.rglob("*") if p.suffix in (".py", ".html", ".txt")]
    assert files
    wrong = [f"{p.relative_to(ROOT)}: {owners.get(p, [])}" for p in files if len(owners.get(p, [])) != 1]
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("name", NAMES)
def test_every_message_is_translated(name):
    untranslated = [
        m.id for m in _messages(name)
        if m.fuzzy or not all(s.strip() for _, s in _pairs(m))
    ]
    assert not untranslated, (
        f"{len(untranslated)} msgids in {BY_NAME[name].po().relative_to(ROOT)} are untranslated or fuzzy:\n"
        f"{_listing(untranslated)}\nTranslate them (and drop the fuzzy flag), then run `make translations`."
    )


@pytest.mark.parametrize("name", NAMES)
def test_placeholders_match(name):
    wrong = []
    for m in _messages(name):
        if not m.python_format:
            continue
        for msgid, msgstr in _pairs(m):
            if msgstr and set(PLACEHOLDER.findall(msgid)) != set(PLACEHOLDER.findall(msgstr)):
                wrong.append(f"{msgid!r} -> {msgstr!r}")
    assert not wrong, "these translations do not use the msgid's placeholders:\n" + "\n".join(wrong)


@pytest.mark.parametrize("name", NAMES)
def test_catalog_passes_babel_checks(name):
    """The checks `pybabel compile` runs (a failing one makes `make translations` fail)."""
    problems = [f"{m.id!r}: {err}" for m, errors in _po(name).check() for err in errors]
    assert not problems, "babel rejects these translations:\n" + "\n".join(problems)


@pytest.mark.parametrize("name", NAMES)
def test_compiled_catalog_is_up_to_date(name):
    mo_file = BY_NAME[name].mo()
    assert mo_file.exists(), f"{mo_file.relative_to(ROOT)} is missing: run `make translations`"
    with mo_file.open("rb") as f:
        mo = gettext.GNUTranslations(f)
    stale = []
    for m in _messages(name):
        if isinstance(m.id, tuple):
            strings = m.string if isinstance(m.string, tuple) else (m.string,)
            if strings[0] and mo.ngettext(m.id[0], m.id[1], 1) != strings[0]:
                stale.append(m.id)
        elif m.string and mo.gettext(m.id) != m.string:
            stale.append(m.id)
    assert not stale, (
        f"{mo_file.relative_to(ROOT)} does not match the .po for {len(stale)} msgids:\n"
        f"{_listing(stale)}\nRun `make translations`."
    )


@pytest.mark.parametrize("name", NAMES)
def test_catalog_covers_every_string_of_its_package(name):
    extracted = _extracted(name)
    missing = sorted(set(extracted) - set(_known(name)), key=str)
    assert not missing, (
        f"{len(missing)} strings in the code are not in {BY_NAME[name].po().relative_to(ROOT)}: "
        f"{_how_to_fix(BY_NAME[name])}.\n" + _listing(f"{extracted[k]}: {k[1]}" for k in missing)
    )


@pytest.mark.parametrize("name", NAMES)
def test_catalog_holds_only_its_package_s_strings(name):
    """A string another package uses belongs in that package's catalog (`make messages` keeps them apart)."""
    foreign = sorted(set(_known(name)) - set(_extracted(name)), key=str)
    assert not foreign, (
        f"{len(foreign)} msgids in {BY_NAME[name].po().relative_to(ROOT)} are not used by {name}'s files: "
        "run `make messages`.\n" + _listing(k[1] for k in foreign)
    )


@pytest.mark.parametrize("feature", FEATURES)
def test_a_feature_s_strings_are_not_needed_in_the_core_catalog(feature):
    """A package's new page touches only the package: its strings are in its catalog, never the core's."""
    own = set(_extracted(feature)) - set(_extracted("chamber"))
    assert own, f"{feature} has no strings of its own"
    assert own <= set(_known(feature))
    assert not own & set(_known("chamber")), _listing(k[1] for k in own & set(_known("chamber")))


def test_campaigns_words_live_in_campaigns_catalog():
    # one campaigns-only sentence, by name, so the split is visible here
    key: Key = (None, "Record a payment")
    assert key in _extracted("campaigns") and key in _known("campaigns")
    assert key not in _extracted("chamber") and key not in _known("chamber")


def test_a_string_two_packages_use_translates_the_same_in_both():
    """The app reads the catalogs merged: a msgid has one translation, whichever catalog it comes from."""
    seen: dict[Key, dict[str, Any]] = {}
    for name in NAMES:
        for key, message in _known(name).items():
            seen.setdefault(key, {})[name] = message.string
    differ = {key: by_name for key, by_name in seen.items() if len(set(map(str, by_name.values()))) > 1}
    assert not differ, _listing(f"{key[1]}: {by_name}" for key, by_name in differ.items())
    assert any(len(by_name) > 1 for by_name in seen.values())  # some are shared: the check looks at them


def _only_in(name: str) -> Message:
    """A plain message (no context, plural or placeholder) of this catalog and no other."""
    others = {key for other in NAMES if other != name for key in _known(other)}
    return next(m for key, m in sorted(_known(name).items(), key=str)
                if key not in others and isinstance(m.id, str) and not m.context and "%" not in m.id)


def test_the_app_reads_the_core_s_and_every_enabled_feature_s_catalog(app):
    from flask_babel import gettext as _

    folders = app.config["BABEL_TRANSLATION_DIRECTORIES"].split(";")
    assert folders == [str(c.directory) for c in CATALOGS]
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        for name in NAMES:
            message = _only_in(name)
            assert _(message.id) == message.string, (name, message.id)


def test_a_disabled_feature_s_catalog_is_not_read(tmp_path):
    from flask_babel import gettext as _

    from chamber import create_app

    app = create_app({"INSTANCE_PATH": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite'}",
                      "SECRET_KEY": "x", "FEATURES": ["campaigns"]})
    assert app.config["BABEL_TRANSLATION_DIRECTORIES"].split(";") == [
        str(BY_NAME["chamber"].directory), str(BY_NAME["campaigns"].directory)]
    alliance, campaigns = _only_in("pricing_alliance"), _only_in("campaigns")
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        assert _(campaigns.id) == campaigns.string
        assert _(alliance.id) == alliance.id  # English: the catalog that has it is not read
