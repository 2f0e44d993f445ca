"""No input gives a 500: random and malformed bodies to every API route, garbage in every URL parameter and random
fields to every page form, as the most privileged caller (the API's contract itself: test_api_fuzz.py)."""
from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chamber.api import API_ROUTES, _unbound
from tests.test_tenant_isolation import url_for_rule

GARBAGE = [None, 0, -1, 1.5, 10**30, True, [], {}, "", " ", "x" * 100_000, "😀" * 300, "\x00", "-0.001",
           "1e9", "NaN", "' OR 1=1 --", "<script>alert(1)</script>", {"nested": [1, 2]}, ["a", 1]]
garbage = st.one_of(st.sampled_from(GARBAGE), st.text(max_size=50), st.integers(), st.floats(allow_nan=True),
                    st.lists(st.integers(), max_size=3))


def _routes(app: Any) -> list[tuple[Any, Any, str]]:
    rules = {rule.endpoint: rule for rule in app.url_map.iter_rules()}
    out = []
    for route in API_ROUTES:
        for method in route.methods:
            if method in ("POST", "PUT", "PATCH"):
                out.append((route, rules[route.endpoint], method))
    return out


def _check(resp: Any, where: str) -> None:
    assert resp.status_code < 500, f"{where}: {resp.status_code} {resp.text[:300]}"
    if resp.status_code >= 400:
        body = resp.get_json(silent=True)
        assert body and set(body["error"]) >= {"code", "message"}, f"{where}: error body {resp.text[:200]}"


def test_fixed_garbage_everywhere(app, client, world, token_for, extra_world_params):
    headers = token_for(world["people"]["organizer"])
    params = {**world["params"], **extra_world_params}
    for route, rule, method in _routes(app):
        url = url_for_rule(rule, params)
        # not JSON at all, JSON that is not an object, an empty object
        for raw in (b"not json", b"[1,2]", b'"s"', b"null", b"{", json.dumps({}).encode()):
            resp = client.open(url, method=method, data=raw, headers={**headers, "Content-Type": "application/json"})
            _check(resp, f"{method} {url} {raw!r}")
        fields = [name for name, _ in _unbound(route.form)] if route.form else ["x"]
        for value in GARBAGE:
            resp = client.open(url, method=method, json=dict.fromkeys(fields, value), headers=headers)
            _check(resp, f"{method} {url} all={value!r:.40}")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_random_garbage(app, client, world, token_for, extra_world_params, data):
    headers = token_for(world["people"]["organizer"])
    params = {**world["params"], **extra_world_params}
    route, rule, method = data.draw(st.sampled_from(_routes(app)))
    fields = [name for name, _ in _unbound(route.form)] if route.form else ["x"]
    body = data.draw(st.dictionaries(st.sampled_from([*fields, "unknown"]), garbage, max_size=len(fields) + 1))
    resp = client.open(url_for_rule(rule, params), method=method, json=body, headers=headers)
    _check(resp, f"{method} {rule.rule} {body!r:.200}")


def test_garbage_in_url_parameters(app, client, world, token_for, extra_world_params):
    headers = token_for(world["people"]["organizer"])
    params = {**world["params"], **extra_world_params}
    rules = [r for r in app.url_map.iter_rules() if r.arguments and r.endpoint != "static"]
    for rule in rules:
        for name in rule.arguments:
            for bad in ("99999999999999999999999", "%00", "%ED%A0%80", "x" * 300, "-1"):
                url = url_for_rule(rule, {**params, name: bad})
                for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                    is_api = rule.rule.startswith("/api/")
                    kwargs = {"headers": headers} if is_api else {}
                    if method in ("POST", "PUT"):
                        kwargs["json" if is_api else "data"] = {}
                    resp = client.open(url, method=method, **kwargs)
                    resp.close()
                    assert resp.status_code < 500, f"{method} {url}: {resp.status_code}"


PAGE_FIELDS = ["slug", "name", "kind", "region", "currency", "timezone", "description", "business_name", "uscc",
               "contact_name", "phone", "shop_url", "annual_revenue", "decision", "tier", "reason", "items-0-key",
               "items-0-name", "items-0-weight", "title", "festival", "starts_at", "ends_at", "optin_deadline",
               "opens_at", "budget", "method", "min_share", "max_share_pct", "min_participants", "min_pooled", "to",
               "mode", "member_id", "amount", "paid_on", "payee", "category", "offer_headline", "offer_details",
               "email", "password", "display_name", "locale", "action", "pw-current_password", "tok-name"]
page_value = st.one_of(st.sampled_from([v for v in GARBAGE if isinstance(v, str)]), st.text(max_size=30),
                       st.integers(-10**20, 10**20).map(str), st.sampled_from(["2026-13-45T99:99", "0", "-0.00", "1e400"]))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_random_garbage_to_pages(app, world, extra_world_params, data):
    """Every page that takes a form, as the chamber's organizer, with random fields: never a 500."""
    from tests.conftest import PASSWORD

    if "page_client" not in world:  # log in once: hypothesis runs the body once per example
        world["page_client"] = app.test_client()
        organizer = world["people"]["organizer"]
        world["page_client"].post("/login", data={"email": organizer.email, "password": PASSWORD})
    client = world["page_client"]
    params = {**world["params"], **extra_world_params}
    rules = sorted((r for r in app.url_map.iter_rules()
                    if not r.rule.startswith("/api/") and "POST" in (r.methods or set())
                    and r.endpoint not in ("accounts.logout", "accounts.logout_everywhere")),
                   key=lambda r: r.rule)
    rule = data.draw(st.sampled_from(rules))
    form = data.draw(st.dictionaries(st.sampled_from(PAGE_FIELDS), page_value, max_size=12))
    resp = client.post(url_for_rule(rule, params), data=form)
    resp.close()
    assert resp.status_code < 500, f"POST {rule.rule} {form!r:.300}: {resp.status_code}"
