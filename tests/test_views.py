"""Thin, uniform views: one commit per request, in the web layer (chamber.web.transactional around
every view); a refused operation answered in one place (chamber.web.operation_failed for pages,
chamber.api.operation_error and the Conflict/Invalid handlers for the API); short views."""
from __future__ import annotations

import ast
import inspect
import textwrap

import pytest
from sqlalchemy import select

from chamber.db import get_session
from chamber.errors import Conflict
from chamber.models import Chamber
from chamber.web import after_commit, operation_failed, transactional
from tests.test_checks import MODULES

#: the only modules that end a transaction themselves, and why
TRANSACTION_OWNERS = {
    "chamber.web": "the request's one transaction: transactional, keep_changes, end_transaction",
    "chamber.caching": "a raw DB-API read of the content version, outside any session",
}
#: module names of views: pages, JSON API, documents, public pages, routes
VIEW_MODULES = {"controllers", "api", "documents", "public", "blueprint", "views"}
#: a view longer than this says why in its docstring ("Long: …")
MAX_VIEW_LINES = 15


def _tree(name: str) -> ast.Module:
    return ast.parse(MODULES[name].read_text(encoding="utf-8"))


def _is_view_module(name: str) -> bool:
    return name.rsplit(".", 1)[-1] in VIEW_MODULES and name != "chamber.api"


def test_only_the_web_layer_commits_or_rolls_back():
    offenders = []
    for name in MODULES:
        if name in TRANSACTION_OWNERS:
            continue
        for node in ast.walk(_tree(name)):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("commit", "rollback")):
                offenders.append(f"{name}:{node.lineno} calls {node.func.attr}()")
    assert offenders == [], "views call operations; chamber.web commits once per request"
    assert {n for n in MODULES if _is_view_module(n)} >= {"campaigns.controllers", "campaigns.api",
                                                          "chamber.trust.controllers", "pricing_alliance.api"}


def _catches(handler: ast.ExceptHandler, names: set[str]) -> bool:
    caught = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any((isinstance(c, ast.Name) and c.id in names) or (isinstance(c, ast.Attribute) and c.attr in names)
               for c in caught if c is not None)


def _calls_an_operation(body: list[ast.stmt]) -> bool:
    return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and isinstance(n.func.value, ast.Name)
               and n.func.value.id in ("ops", "chamber_ops", "campaign_ops")
               for stmt in body for n in ast.walk(stmt))


def test_a_refused_operation_is_answered_in_one_place():
    """A page or API view that catches an operation's Conflict/Invalid hands it to operation_failed
    (pages: rolled back, shown by its field or flashed) or raises (the API's operation_error, fail,
    abort: the error handlers roll back)."""
    offenders = []
    for name in filter(_is_view_module, MODULES):
        for node in ast.walk(_tree(name)):
            if not isinstance(node, ast.Try) or not _calls_an_operation(node.body):
                continue
            for handler in node.handlers:
                if not _catches(handler, {"Conflict", "Invalid"}):
                    continue
                handled = any(isinstance(n, ast.Raise) or (isinstance(n, ast.Call) and getattr(
                    n.func, "id", getattr(n.func, "attr", None)) in ("operation_failed", "fail", "abort"))
                    for stmt in handler.body for n in ast.walk(stmt))
                if not handled:
                    offenders.append(f"{name}:{handler.lineno}")
    assert offenders == []


#: what a view may not call on the session: reads live in queries.py (loaders of "this, with this access" in loading.py)
SESSION_READS = {"execute", "scalar", "scalars", "get"}
#: view modules that may still query the database themselves, and why (keep it short)
QUERYING_VIEWS: dict[str, str] = {}


def _is_session(node: ast.expr) -> bool:
    """`session` (or `db`, `s`), or a call of get_session()."""
    if isinstance(node, ast.Name):
        return node.id in ("session", "db", "s")
    return isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == "get_session"


def test_views_never_query_the_database_themselves():
    """Views load with access (loading.py) and read through queries.py and presenters.py: no select(), no
    session.execute/scalar/scalars/get in a page, API, document, public page or route module."""
    offenders = []
    for name in filter(_is_view_module, MODULES):
        if name in QUERYING_VIEWS:
            continue
        for node in ast.walk(_tree(name)):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            if (isinstance(func, ast.Name) and func.id == "select") or (
                    isinstance(func, ast.Attribute) and func.attr == "select" and getattr(func.value, "id", "") == "sa"):
                offenders.append(f"{name}:{node.lineno} calls select()")
            elif isinstance(func, ast.Attribute) and func.attr in SESSION_READS and _is_session(func.value):
                offenders.append(f"{name}:{node.lineno} calls session.{func.attr}()")
    assert offenders == [], "move these reads to the package's queries.py (or loading.py)\n" + "\n".join(offenders)
    assert {n for n in MODULES if _is_view_module(n)} >= {"campaigns.public", "campaigns.documents",
                                                          "pricing_alliance.public", "chamber.trust.api"}


def _view_functions(app):
    seen = set()
    for view in app.view_functions.values():
        assert getattr(view, "transactional", False) or view.__name__ == "static", view
        fn = inspect.unwrap(view)
        if fn not in seen and fn.__module__.split(".")[0] in {n.split(".")[0] for n in MODULES}:
            seen.add(fn)
            yield fn


def test_every_view_runs_in_the_requests_transaction(app):
    assert len(list(_view_functions(app))) > 50


def test_the_helpers_of_view_modules_are_short_or_say_why_too():
    """A view cannot dodge the rule by handing its body to a private helper: every function of a view module
    (pages, JSON, documents, public pages, routes) is held to the same length."""
    long_functions = []
    for name in MODULES:
        if not _is_view_module(name):
            continue
        for node in _tree(name).body:
            if isinstance(node, ast.FunctionDef):
                doc = ast.get_docstring(node) or ""
                first = node.body[1] if doc and len(node.body) > 1 else node.body[0]
                lines = (node.end_lineno or node.lineno) - first.lineno + 1
                if lines > MAX_VIEW_LINES and "Long:" not in doc:
                    long_functions.append(f"{name}.{node.name}: {lines} lines")
    assert long_functions == []


def test_views_are_short_or_say_why(app):
    long_views = []
    for fn in _view_functions(app):
        node = ast.parse(textwrap.dedent(inspect.getsource(fn))).body[0]
        doc = ast.get_docstring(node) or ""
        first = node.body[1] if doc and len(node.body) > 1 else node.body[0]
        lines = node.end_lineno - first.lineno + 1
        if lines > MAX_VIEW_LINES and "Long:" not in doc:
            long_views.append(f"{fn.__module__}.{fn.__name__}: {lines} lines")
    assert long_views == []


# --------------------------------------------------------------------------- the transaction itself


def _chambers(db) -> set[str]:
    return set(db.scalars(select(Chamber.slug).where(Chamber.slug.like("tx-%"))))


def _add_chamber(slug: str) -> None:
    get_session().add(Chamber(slug=slug, name=slug, kind="regional", region="", currency="CNY", timezone="Asia/Shanghai"))
    get_session().flush()


@pytest.mark.parametrize(("status", "kept"), [(200, True), (302, True), (400, False), (404, False), (409, False)])
def test_a_success_commits_and_an_error_answer_rolls_back(app, db, status, kept):
    sent = []

    def view():
        _add_chamber(f"tx-{status}")
        after_commit(lambda: sent.append("mail"))
        return "", status

    with app.test_request_context("/", method="POST"):
        transactional(view)()
    assert _chambers(db) == ({f"tx-{status}"} if kept else set())
    assert sent == (["mail"] if kept else [])  # mail and files only after the commit


def test_a_handled_refusal_is_rolled_back_even_when_the_page_answers_200(app, db):
    sent = []

    def view():
        _add_chamber("tx-refused")
        after_commit(lambda: sent.append("mail"))
        operation_failed(Conflict("no"))  # e.g. flashed, then a redirect
        _add_chamber("tx-after")  # nothing more of this request is kept either
        return "", 302

    with app.test_request_context("/", method="POST"):
        transactional(view)()
    assert _chambers(db) == set() and sent == []


def test_an_exception_rolls_back(app, db, client):
    def view():
        _add_chamber("tx-boom")
        raise Conflict("taken", field="slug")

    with app.test_request_context("/api/v1/x", method="POST"):
        with pytest.raises(Conflict):
            transactional(view)()
        resp = app.handle_user_exception(Conflict("taken", field="slug"))
    assert _chambers(db) == set()
    assert resp.status_code == 409
    assert resp.get_json() == {"error": {"code": "conflict", "message": "taken", "fields": {"slug": "taken"}}}
