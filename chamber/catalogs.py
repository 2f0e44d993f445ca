"""The translation catalogs: the core's and one per feature package, each made from its own files.

- the core's, chamber/translations/: the strings of chamber/ and of the core's templates (templates/
  except each feature's templates/<name>/ and templates/pdf/<name>/);
- a feature package's, <package>/translations/ (`Feature.translations`): the strings of its Python files
  and of templates/<name>/ and templates/pdf/<name>/.

A string two packages use is in both catalogs, translated the same way: the app reads the core's and the
enabled features' catalogs merged (`directories`, chamber/i18n.py), so a msgid has one translation
(tests/test_translations.py checks both).

`make messages` extracts each catalog from its sources: `python -m chamber.catalogs` prints one line per
catalog, its folder and then its sources (folders and files, relative to the checkout), and
`python -m chamber.catalogs --dirs` the folders only (`make translations` compiles each).
"""
from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .features import Feature, load

#: the checkout (templates/ lives at its top; an installed wheel has no sources, only the catalogs)
ROOT = Path(__file__).resolve().parent.parent
#: the core's catalogs
CORE_DIR = Path(__file__).resolve().parent / "translations"
#: the language the catalogs translate into (English is the source language)
LOCALE = "zh_Hans_CN"
DOMAIN = "messages"


@dataclass(frozen=True)
class Catalog:
    """One package's catalog: its folder and the folders and files its strings are extracted from."""

    name: str  # "chamber" (the core) or the feature package's name
    directory: Path
    sources: tuple[Path, ...]

    @property
    def pot(self) -> Path:
        return self.directory / f"{DOMAIN}.pot"

    def po(self, locale: str = LOCALE) -> Path:
        return self.directory / locale / "LC_MESSAGES" / f"{DOMAIN}.po"

    def mo(self, locale: str = LOCALE) -> Path:
        return self.directory / locale / "LC_MESSAGES" / f"{DOMAIN}.mo"


def directories(features: Sequence[Feature]) -> list[Path]:
    """The catalog folders the app reads: the core's, then each feature's, in the order of FEATURES."""
    return [CORE_DIR, *(d for feature in features if (d := feature.translations_dir) is not None)]


def catalogs(features: Sequence[Feature] | None = None, root: Path = ROOT) -> list[Catalog]:
    """The core's catalog, then each feature's (those declaring a `translations` folder), with their sources."""
    features = load() if features is None else features
    templates = root / "templates"
    own = {feature.name: (templates / feature.name, templates / "pdf" / feature.name) for feature in features}
    taken = {path for paths in own.values() for path in paths}

    def entries(folder: Path) -> list[Path]:
        return sorted(p for p in folder.iterdir() if p not in taken) if folder.is_dir() else []

    core = [root / "chamber", *(p for p in entries(templates) if p != templates / "pdf"), *entries(templates / "pdf")]
    found = [Catalog("chamber", CORE_DIR, tuple(core))]
    for feature in features:
        if feature.translations_dir is not None:
            sources = (feature.package_dir, *own[feature.name])
            found.append(Catalog(feature.name, feature.translations_dir, tuple(p for p in sources if p.exists())))
    return found


def main(argv: Sequence[str]) -> None:
    for catalog in catalogs():
        if "--dirs" in argv:
            print(catalog.directory.relative_to(ROOT))
        else:
            print(catalog.directory.relative_to(ROOT), *(p.relative_to(ROOT) for p in catalog.sources))


if __name__ == "__main__":
    main(sys.argv[1:])
