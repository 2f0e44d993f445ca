"""What `make check` (ruff, mypy, import-linter) is configured to hold stays true of every package.

The tools' settings name modules; these tests make sure a new rules.py or operations module is
covered by them, and check what the tools cannot: that rules use the standard library only, and
that no package reaches into another package's private helpers.
"""
from __future__ import annotations

import ast
import fnmatch
import sys
import tomllib
from pathlib import Path

from chamber import FEATURES

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ["chamber", *sorted({name.split(".")[0] for name in FEATURES})]
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _modules() -> dict[str, Path]:
    """Dotted name → file of every module of the project's packages (migrations aside)."""
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            rel = path.relative_to(ROOT).with_suffix("")
            if "migrations" in rel.parts:
                continue
            parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
            found[".".join(parts)] = path
    return found


MODULES = _modules()


def _is_rules(name: str) -> bool:
    return name.rsplit(".", 1)[-1] == "rules"


def _is_operations(name: str) -> bool:
    return "operations" in name.split(".")


def _imports(path: Path, module: str) -> list[tuple[str, list[str]]]:
    """(imported module, names imported from it) for every import in the file, relative ones resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out: list[tuple[str, list[str]]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            out.append((base, [alias.name for alias in node.names]))
    return out


def test_every_rules_module_imports_only_the_standard_library():
    """Or another rules module, itself pure, below it in the layers: chamber.rules (the app's one RuleError and
    limits) for everyone, campaigns.rules (its named status sets) for the pricing alliance."""
    rules = [name for name in MODULES if _is_rules(name)]
    assert "campaigns.rules" in rules and "chamber.rules" in rules
    layers = ["chamber", "campaigns", "pricing_alliance"]
    for name in rules:
        for imported, _names in _imports(MODULES[name], name):
            top = imported.split(".")[0]
            below = (imported in rules and imported != name
                     and layers.index(imported.split(".")[0]) < layers.index(name.split(".")[0]))
            assert top == "__future__" or top in sys.stdlib_module_names or below, f"{name} imports {imported}"


def test_one_rule_error_type_for_the_whole_app():
    import campaigns.rules
    import chamber.rules
    import pricing_alliance.rules

    assert campaigns.rules.RuleError is chamber.rules.RuleError is pricing_alliance.rules.RuleError
    classes = [name for name, path in MODULES.items()
               for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
               if isinstance(node, ast.ClassDef) and node.name.endswith("RuleError")]
    assert classes == ["chamber.rules"]


def test_import_linter_and_mypy_cover_every_rules_and_operations_module():
    contracts = CONFIG["tool"]["importlinter"]["contracts"]
    pure = next(c for c in contracts if c["name"].startswith("Rules are pure"))
    operations = next(c for c in contracts if c["name"].startswith("Operations never import"))
    strict = next(o for o in CONFIG["tool"]["mypy"]["overrides"] if o.get("disallow_untyped_defs"))

    def matches(name: str, patterns: list[str], wildcard: str) -> bool:
        return any(name == p or fnmatch.fnmatch(name, p.replace(wildcard, "*")) for p in patterns)

    for name in MODULES:
        if _is_rules(name):
            assert name in pure["source_modules"], f"{name}: add it to the 'Rules are pure' contract"
        if _is_operations(name):
            assert matches(name, operations["source_modules"], "**"), f"{name}: add it to the operations contract"
        if _is_rules(name) or _is_operations(name):
            assert matches(name, strict["module"], ".*") or matches(name, strict["module"], "*"), (
                f"{name}: add it to the strict mypy override in pyproject.toml")


def test_a_feature_packages_queries_presenters_and_errors_are_held_like_its_operations():
    """A feature package's read side (queries.py, presenters.py) and its errors.py: strict types, and no forms or
    web and API plumbing, as its operations (README, "Code layout")."""
    contracts = CONFIG["tool"]["importlinter"]["contracts"]
    operations = next(c for c in contracts if c["name"].startswith("Operations never import"))
    strict = next(o for o in CONFIG["tool"]["mypy"]["overrides"] if o.get("disallow_untyped_defs"))
    features = {name.split(".")[0] for name in FEATURES}
    held = [name for name in MODULES if name.split(".")[0] in features
            and name.rsplit(".", 1)[-1] in ("queries", "presenters", "errors")]
    assert {"campaigns.queries", "pricing_alliance.queries", "pricing_alliance.presenters"} <= set(held)
    for name in held:
        assert name in operations["source_modules"], f"{name}: add it to the operations contract"
        assert name in strict["module"], f"{name}: add it to the strict mypy override in pyproject.toml"


#: module names that are a package's views (pages, JSON, routes, files, public pages)
VIEW_NAMES = ("controllers", "api", "blueprint", "documents", "public")


def test_every_packages_views_are_kept_from_every_other_packages_views():
    """Each module of a package's views is the source of one "views never import" contract and is
    forbidden to every other package's views (chamber.api is the API plumbing, not a view)."""
    contracts = [c for c in CONFIG["tool"]["importlinter"]["contracts"]
                 if c["name"].endswith("views never import another package's views")]
    views = {name for name in MODULES
             if name.rsplit(".", 1)[-1] in VIEW_NAMES and name.count(".") >= 1 and name != "chamber.api"}
    sources = {m: c["name"] for c in contracts for m in c["source_modules"]}
    assert views == set(sources), "add these view modules to a views contract (or drop the gone ones): " + \
        str(sorted(views ^ set(sources)))
    for contract in contracts:
        others = views - set(contract["source_modules"])
        assert others == set(contract["forbidden_modules"]), (contract["name"], sorted(others ^ set(
            contract["forbidden_modules"])))


def test_the_pure_rules_contract_forbids_every_installed_dependency():
    from importlib.metadata import distribution

    contract = next(c for c in CONFIG["tool"]["importlinter"]["contracts"] if c["name"].startswith("Rules are pure"))
    forbidden = set(contract["forbidden_modules"])
    assert set(PACKAGES) <= forbidden
    for requirement in CONFIG["project"]["dependencies"]:
        dist = distribution(requirement.split(">")[0].split("<")[0].split("[")[0].strip())
        tops = {line.strip() for line in (dist.read_text("top_level.txt") or "").splitlines() if line.strip()}
        if not tops:  # wheels without top_level.txt: the packages among its files
            tops = {str(f).split("/")[0] for f in dist.files or () if str(f).endswith("/__init__.py")}
        tops = {t for t in tops if not t.startswith("_")}
        assert tops & forbidden, f"{dist.metadata['Name']} ({sorted(tops)}) missing from the 'Rules are pure' contract"


def _package_of(module: str) -> str:
    path = MODULES[module]
    rel = path.relative_to(ROOT)
    return ".".join(rel.parts[:-1])


def test_no_package_reaches_into_another_packages_private_helpers():
    problems = []
    for name, path in MODULES.items():
        home = _package_of(name)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        aliases: dict[str, str] = {}  # local name → module of another package
        for imported, names in _imports(path, name):
            if imported in MODULES and _package_of(imported) != home:
                problems += [f"{name} imports {imported}.{n}" for n in names if n.startswith("_") and n != "__future__"]
                for node in ast.walk(tree):
                    if isinstance(node, ast.Import):
                        aliases.update({(a.asname or a.name): a.name for a in node.names if a.name == imported})
            for n in names:
                sub = f"{imported}.{n}"
                if sub in MODULES and _package_of(sub) != home:
                    for node in ast.walk(tree):
                        if isinstance(node, ast.ImportFrom):
                            aliases.update({(a.asname or a.name): sub for a in node.names if a.name == n})
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases
                    and node.attr.startswith("_") and not node.attr.startswith("__")):
                problems.append(f"{name} uses {aliases[node.value.id]}.{node.attr}")
    assert not problems, "\n".join(problems)
