"""The registry feature packages declare themselves into: one `Feature` per package.

A feature package says everything the core must know about it in
one `FEATURE = Feature(...)` in its `feature.py`; the app factory's `FEATURES` list names the
enabled ones. The core reads the declarations through `load()` and never imports a feature
package by name, so imports keep pointing from the features to the core, never back.

Everything a declaration points at is a dotted "module:attribute" string (or a path inside the
package), resolved only when used: declaring a feature imports nothing but this module.
"""
from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from markupsafe import Markup

from .access import KINDS as ACCESS_KINDS

#: template-hook slots the core's pages render; a feature may only fill these
SLOTS: dict[str, str] = {
    "chamber.dashboard.member": "the chamber dashboard (members and organizers), below their memberships; "
                                "context: chamber, role, own (the user's memberships)",
    "chamber.manage.organizer": "the organizer dashboard, below the size tiers; context: chamber",
    "chamber.public.top": "the public chamber page, first thing under its name (e.g. the running and upcoming "
                          "campaign list); context: chamber",
    "member.public.activity": "the public merchant page, under the credit score (e.g. campaigns taken part in); "
                              "context: chamber, member",
}


@dataclass(frozen=True)
class CreditInput:
    """One input a feature gives the members' credit score (see chamber/trust/rules.py).

    `function` ("module:function") is called as `function(session, chamber_id, member_ids)` and
    returns `{member_id: value}` with each value between 0.0 and 1.0 (members it knows nothing
    about are left out); the score weighs the inputs by `weight`.
    """

    name: str
    function: str
    weight: float = 1.0
    #: what the merchant page calls it (a lazy_gettext string); the name if empty
    label: Any = ""


@dataclass(frozen=True)
class Feature:
    """What a feature package brings: see README "Code layout" for a worked example."""

    #: the package's import name (also its Alembic branch label)
    name: str
    #: "module:attribute" of each Flask blueprint to register
    blueprints: Sequence[str] = ()
    #: ("module:function", seconds between runs) for the scheduler; the function gets the app
    jobs: Sequence[tuple[str, int]] = ()
    #: modules whose SQLAlchemy models Alembic must see (autogenerate and env.py)
    models: Sequence[str] = ()
    #: folder of the package's Alembic revisions, relative to the package (one branch per package)
    migrations: str | None = None
    #: folder of the package's own translation catalogs, relative to the package: the strings of its Python
    #: files and of templates/<name>/ and templates/pdf/<name>/ (chamber/catalogs.py); the app merges it
    #: with the core's and the other enabled packages'
    translations: str | None = "translations"
    #: slots this package's own pages offer other packages (slot → where it is and its context), like SLOTS
    slots: Mapping[str, str] = field(default_factory=dict)
    #: template-hook slot (SLOTS, or one an earlier package in FEATURES offers) → a template path, or a
    #: callable(**context) returning HTML (or its "module:function" name)
    template_hooks: Mapping[str, str | Callable[..., str]] = field(default_factory=dict)
    #: endpoint → who may reach it (chamber.access.KINDS), for the route walk in the tests
    access: Mapping[str, str] = field(default_factory=dict)
    #: "module:function" called as function(session, chamber) by the demo loader, after the core's demo
    demo: str | None = None
    #: notification kind code → description; the delivery service of issue 10 fills the shape in
    notification_kinds: Mapping[str, str] = field(default_factory=dict)
    #: inputs to the members' credit score (chamber/trust/rules.py weighs them)
    credit_inputs: Sequence[CreditInput] = ()
    #: "module:function"s called as function(session, chamber, campaign) → a section of the campaign's
    #: printable flyer ({title, note, columns, rows: [[cell, …]]}, plain strings) or None
    flyer_sections: Sequence[str] = ()
    #: "module:function" called as function(session, chamber_id, key) → (id, title) of the chamber's
    #: public campaign with that slug, or None: reviews and complaints name campaigns through it
    campaign_lookup: str | None = None
    #: "module:function" called as function(session, chamber_id, member_id) → [(slug, title), …] of the
    #: public (non-draft) campaigns the member took part in, newest first: the review form offers them
    member_campaigns: str | None = None

    def __post_init__(self) -> None:
        bad = {endpoint: kind for endpoint, kind in self.access.items() if kind not in ACCESS_KINDS}
        if bad:
            raise ValueError(f"feature {self.name}: unknown access kinds {bad}; known: {sorted(ACCESS_KINDS)}")

    @property
    def package_dir(self) -> Path:
        spec = importlib.util.find_spec(self.name)
        if spec is None or not spec.submodule_search_locations:
            raise LookupError(f"feature package {self.name} is not importable")
        return Path(next(iter(spec.submodule_search_locations)))

    @property
    def migrations_dir(self) -> Path | None:
        return self.package_dir / self.migrations if self.migrations else None

    @property
    def translations_dir(self) -> Path | None:
        return self.package_dir / self.translations if self.translations else None


def resolve(name: str) -> Any:
    """The object a "module:attribute" string names."""
    module, _, attr = name.partition(":")
    return getattr(importlib.import_module(module), attr)


def load(names: Sequence[str] | None = None) -> list[Feature]:
    """The declarations of the enabled packages (the app factory's FEATURES, or names), in order."""
    if names is None:
        from . import FEATURES

        names = FEATURES
    features = []
    for name in names:
        feature = importlib.import_module(f"{name}.feature").FEATURE
        if not isinstance(feature, Feature) or feature.name != name:
            raise TypeError(f"{name}.feature.FEATURE must be Feature(name={name!r}, ...)")
        features.append(feature)
    check_slots(features)
    return features


def check_slots(features: Sequence[Feature]) -> None:
    """Every template hook fills a slot of the core or of a package before it (or its own); no slot twice."""
    known = dict(SLOTS)
    for feature in features:
        twice = set(feature.slots) & set(known)
        if twice:
            raise ValueError(f"feature {feature.name}: slots {sorted(twice)} are offered already")
        unknown = {slot for slot in feature.template_hooks if slot not in known and slot not in feature.slots}
        if unknown:
            raise ValueError(f"feature {feature.name}: unknown template-hook slots {sorted(unknown)}; "
                             f"known: {sorted(known)}")
        known.update(feature.slots)


class TemplateHooks:
    """Slot → contributions of the enabled features, rendered by the `template_hook` Jinja global."""

    def __init__(self, features: Sequence[Feature]) -> None:
        self._hooks: dict[str, list[str | Callable[..., str]]] = {
            slot: [] for slot in [*SLOTS, *(slot for feature in features for slot in feature.slots)]}
        for feature in features:
            for slot, hook in feature.template_hooks.items():
                self._hooks[slot].append(hook)

    def render(self, slot: str, **context: Any) -> Markup:
        """Every contribution to slot, in the order of FEATURES."""
        from flask import render_template

        if slot not in self._hooks:
            raise KeyError(f"unknown template-hook slot {slot!r}")
        parts = []
        for hook in self._hooks[slot]:
            if isinstance(hook, str) and ":" in hook and not hook.endswith(".html"):
                hook = resolve(hook)  # "module:function" that loads what it shows and renders it
            parts.append(render_template(hook, **context) if isinstance(hook, str) else hook(**context))
        # each part is the output of an autoescaping template (or a feature's Markup), never raw input
        return Markup("").join(Markup(part) for part in parts)  # nosec B704 - autoescaped template output


def init_app(app: Any, features: Sequence[Feature]) -> None:
    """Register the features' blueprints, jobs and template hooks on the app."""
    app.extensions["chamber.features"] = list(features)
    for feature in features:
        for blueprint in feature.blueprints:
            app.register_blueprint(resolve(blueprint))
    app.config["JOBS"] = [*app.config["JOBS"], *(job for feature in features for job in feature.jobs)]
    hooks = TemplateHooks(features)
    app.jinja_env.globals["template_hook"] = hooks.render


def enabled(app: Any) -> list[Feature]:
    """The features the app was built with."""
    return list(app.extensions["chamber.features"])


def access_rules(app: Any) -> dict[str, str]:
    """Endpoint → access kind for every route: the core's, then each feature's."""
    from .access import CORE_ACCESS

    rules = dict(CORE_ACCESS)
    for feature in enabled(app):
        rules.update(feature.access)
    return rules


def model_modules(features: Sequence[Feature]) -> list[str]:
    return [module for feature in features for module in feature.models]


def migration_dirs(features: Sequence[Feature]) -> list[Path]:
    return [d for feature in features if (d := feature.migrations_dir) is not None]


def load_demo(session: Any, chamber: Any, features: Sequence[Feature]) -> None:
    """Each feature's demo data for the demo chamber, in the order of FEATURES."""
    for feature in features:
        if feature.demo:
            resolve(feature.demo)(session, chamber)


def notification_kinds(features: Sequence[Feature]) -> dict[str, str]:
    """Every notification kind the features declare (code → description)."""
    kinds: dict[str, str] = {}
    for feature in features:
        for code, description in feature.notification_kinds.items():
            if code in kinds:
                raise ValueError(f"notification kind {code!r} declared twice")
            kinds[code] = description
    return kinds


def flyer_sections(features: Sequence[Feature], session: Any, chamber: Any, campaign: Any) -> list[dict[str, Any]]:
    """The sections the features add to a campaign's flyer, in the order of FEATURES."""
    sections = (resolve(name)(session, chamber, campaign) for f in features for name in f.flyer_sections)
    return [section for section in sections if section]


def lookup_campaign(features: Sequence[Feature], session: Any, chamber_id: int, key: str) -> tuple[int, str] | None:
    """(id, title) of a public campaign of the chamber by its slug, through the features that have campaigns."""
    for feature in features:
        if feature.campaign_lookup:
            found: tuple[int, str] | None = resolve(feature.campaign_lookup)(session, chamber_id, key)
            if found is not None:
                return found
    return None


def member_campaigns(features: Sequence[Feature], session: Any, chamber_id: int,
                     member_id: int) -> list[tuple[str, str]]:
    """(slug, title) of the public campaigns the member took part in, through the features that have campaigns."""
    return [found for feature in features if feature.member_campaigns
            for found in resolve(feature.member_campaigns)(session, chamber_id, member_id)]


def credit_inputs(features: Sequence[Feature]) -> list[CreditInput]:
    """Every input to the credit score the features declare."""
    return [item for feature in features for item in feature.credit_inputs]
