"""Feature packages declare themselves once (feature.py); the core names none of them elsewhere."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import select

from chamber import FEATURES, create_app, features, migrate
from chamber.features import Feature, TemplateHooks

ROOT = Path(__file__).resolve().parents[1]


def _naming(name: str) -> re.Pattern[str]:
    # code that names the package: imports, dotted or slashed paths ("x.models", "x/page.html",
    # "x:bp", endpoints "x.index") and the quoted name; English prose ("joint campaigns, …") is not
    n = re.escape(name)
    return re.compile(rf"(?:from|import)\s+{n}\b|(?<![\w-]){n}(?:[./:]\w|['\"])|['\"]{n}\b")


def _core_files() -> list[Path]:
    feature_dirs = {n.split(".")[0] for n in FEATURES}
    # the static files are left out on purpose: the site has one stylesheet (static/css/chamber.css), with a
    # section per page family, the features' pages included
    files = [p for p in (ROOT / "chamber").rglob("*") if p.suffix in (".py", ".html", ".txt", ".mako", ".cfg")
             and "translations" not in p.parts]
    for p in (ROOT / "templates").rglob("*"):
        if p.suffix not in (".html", ".txt"):
            continue
        rel = p.relative_to(ROOT / "templates").parts
        if rel[0] in feature_dirs or (rel[0] == "pdf" and len(rel) > 2 and rel[1] in feature_dirs):
            continue  # a feature package's own templates
        files.append(p)
    return files


def test_the_core_names_no_feature_package_except_in_the_one_list():
    hits = []
    for path in _core_files():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            for name in {n.split(".")[0] for n in FEATURES}:
                if _naming(name).search(line):
                    hits.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    # the one list itself is found (so the search works) and is the only hit
    assert [h.split(":")[0] for h in hits if "FEATURES" in h] == ["chamber/__init__.py"] * len(FEATURES), hits
    assert all("FEATURES: list[str] =" in h for h in hits), "\n".join(hits)


def test_the_naming_pattern_tells_code_from_prose():
    pattern = _naming("campaigns")
    for code in ("from campaigns import ops", "import campaigns.models", '"campaigns.blueprint"',
                 "{% include 'campaigns/_x.html' %}", "url_for('campaigns.index')", "campaigns:bp", "'campaigns'"):
        assert pattern.search(code), code
    for prose in ("joint festival campaigns, budgets", "Join campaigns.", "the campaigns of the chamber"):
        assert not pattern.search(prose), prose


def test_every_enabled_package_declares_itself(app):
    enabled = features.enabled(app)
    assert [f.name for f in enabled] == FEATURES
    for feature in enabled:
        for blueprint in feature.blueprints:
            assert features.resolve(blueprint).name in app.blueprints
        for job, seconds in feature.jobs:
            assert callable(features.resolve(job)) and seconds > 0
            assert (job, seconds) in app.config["JOBS"]
        for module in feature.models:
            __import__(module)
        assert feature.migrations_dir is None or feature.migrations_dir.is_dir()


def test_scheduler_runs_the_core_and_feature_jobs(app):
    from apscheduler.schedulers.background import BackgroundScheduler

    from chamber.scheduler import build_scheduler

    ids = {job.id for job in build_scheduler(app, BackgroundScheduler).get_jobs()}
    assert "chamber.jobs:prune_login_attempts" in ids
    assert {job for f in features.enabled(app) for job, _s in f.jobs} <= ids
    assert "campaigns.jobs:advance_campaigns" in ids


def test_a_declaration_refuses_unknown_slots_and_access_kinds():
    with pytest.raises(ValueError, match="unknown template-hook slots"):
        features.check_slots([Feature(name="x", template_hooks={"chamber.nowhere": "x.html"})])
    with pytest.raises(ValueError, match="access kinds"):
        Feature(name="x", access={"x.page": "everybody"})


def test_a_package_offers_slots_on_its_own_pages_to_the_packages_after_it():
    """The public campaign page's slots are the campaigns package's, not the core's."""
    assert not [slot for slot in features.SLOTS if slot.startswith("campaign.")]
    offering = Feature(name="a", slots={"a.page.side": "a's page"})
    filling = Feature(name="b", template_hooks={"a.page.side": "b/_side.html"})
    features.check_slots([offering, filling])
    with pytest.raises(ValueError, match="unknown template-hook slots"):
        features.check_slots([filling, offering])  # a slot is known once the package offering it is enabled
    with pytest.raises(ValueError, match="offered already"):
        features.check_slots([Feature(name="c", slots={"chamber.public.top": "again"})])
    loaded = {f.name: f for f in features.load()}
    assert {"campaign.public.prices", "campaign.public.offer"} <= set(loaded["campaigns"].slots)
    assert {"campaign.public.prices", "campaign.public.offer"} <= set(loaded["pricing_alliance"].template_hooks)


def test_template_hooks_render_every_contribution_in_order(app):
    first = Feature(name="a", template_hooks={"chamber.manage.organizer": lambda chamber: f"<p>A {chamber}</p>"})
    second = Feature(name="b", template_hooks={"chamber.manage.organizer": lambda chamber: f"<p>B {chamber}</p>"})
    hooks = TemplateHooks([first, second])
    with app.test_request_context():
        assert hooks.render("chamber.manage.organizer", chamber="x") == "<p>A x</p><p>B x</p>"
        assert hooks.render("chamber.dashboard.member", chamber="x") == ""
        with pytest.raises(KeyError):
            hooks.render("chamber.nowhere")


def test_core_pages_show_what_the_features_hook_in(client, create_chamber, login):
    chamber = create_chamber()
    login(chamber.organizer)
    manage = client.get(f"/chambers/{chamber.slug}/manage").text
    assert 'data-testid="campaigns-section"' in manage
    assert f"/chambers/{chamber.slug}/manage/campaigns" in manage


def test_core_page_without_features_has_no_slot_content(tmp_path):
    url = f"sqlite:///{tmp_path / 'core.sqlite'}"
    migrate.upgrade(url)
    core = create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x", "FEATURES": [],
                       "WTF_CSRF_ENABLED": False})
    try:
        assert not [r for r in core.url_map.iter_rules() if r.endpoint.startswith("campaigns.")]
        assert core.config["JOBS"] == [("chamber.jobs:prune_login_attempts", 3600),
                                       ("chamber.trust.jobs:recompute_credit_scores", 900),
                                       ("chamber.notifications.jobs:send_pending", 1)]
        with core.test_request_context():
            assert core.jinja_env.globals["template_hook"]("chamber.dashboard.member", chamber=None) == ""
    finally:
        core.extensions["chamber.db"].engine.dispose()


def test_one_migration_branch_per_package_and_one_head_each():
    script = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    heads = script.get_revisions(script.get_heads())
    labels = {label: [h.revision for h in heads if label in h.branch_labels] for label in ["chamber", *FEATURES]}
    packages_with_migrations = ["chamber"] + [
        f.name for f in features.load() if f.migrations_dir and any(f.migrations_dir.glob("*.py"))]
    for package in packages_with_migrations:
        assert len(labels[package]) == 1, f"{package}: heads {labels[package]}"
    assert len(heads) == len(packages_with_migrations)
    # campaigns' first revision kept its id, so databases created before the move upgrade as they are
    first = script.get_revision("0002")
    assert first.down_revision is None and "campaigns" in first.branch_labels and first.dependencies == "0001"


def test_demo_loader_calls_each_features_demo(db):
    from campaigns.models import Campaign
    from chamber.demo import load_demo

    assert load_demo(db)
    assert db.scalar(select(Campaign.status).where(Campaign.slug == "double12-demo")) == "draft"
