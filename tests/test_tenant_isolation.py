"""Walks every route of the app as four people and checks who gets in.

A route without an access rule fails the test: whoever adds a route must say who may reach it
(the core in chamber/access.py, a feature package in its feature.py), and the walk then proves
the view checks it.
"""
from __future__ import annotations

import re
from typing import Any

from chamber.features import access_rules
from tests.conftest import PASSWORD

# Who may reach each endpoint (public, login, own, member, organizer, merchant: see
# chamber/access.py): the core's rules in chamber/access.py, each feature's in its
# Feature(access=...). access_rules(app) joins them.


def url_for_rule(rule: Any, params: dict[str, Any]) -> str:
    missing = [arg for arg in rule.arguments if arg not in params]
    assert not missing, f"{rule.endpoint}: no test value for URL parameters {missing}; add them to the world fixture"
    url = rule.rule
    for arg in rule.arguments:
        url = re.sub(r"<(?:[a-z]+:)?%s>" % arg, str(params[arg]), url)
    return url


def _reached(resp: Any, is_api: bool) -> bool:
    if resp.status_code in (401, 403, 404):
        return False
    if not is_api and resp.status_code == 302 and "/login" in resp.headers.get("Location", ""):
        return False
    return True


def test_every_route_has_an_access_rule(app):
    access = access_rules(app)
    missing = sorted({rule.endpoint for rule in app.url_map.iter_rules()} - set(access))
    assert not missing, f"routes without an access rule (chamber/access.py or the package's feature.py): {missing}"
    stale = sorted(set(access) - {rule.endpoint for rule in app.url_map.iter_rules()})
    assert not stale, f"access rules for routes that do not exist: {stale}"


def test_walk_every_route_as_everyone(app, world, token_for, extra_world_params):
    access = access_rules(app)
    params = {**world["params"], **extra_world_params}
    clients: dict[str, Any] = {}
    tokens: dict[str, dict[str, str]] = {}
    for name, user in world["people"].items():
        c = app.test_client()
        if user is not None:
            assert c.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
            tokens[name] = token_for(user)
        else:
            tokens[name] = {}
        clients[name] = c

    failures = []
    # organizers last: their successful posts change state the others' checks must not see
    for who in ("anonymous", "outsider", "member", "organizer"):
        for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
            kind = access[rule.endpoint]
            is_api = rule.rule.startswith("/api/")
            url = url_for_rule(rule, params)
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                if rule.endpoint == "accounts.logout" or (
                        who != "anonymous" and rule.endpoint in ("accounts.logout_everywhere", "accounts.api_revoke_sessions")):
                    continue  # logging out would end the walk for this person
                kwargs: dict[str, Any] = {"headers": tokens[who]} if is_api else {}
                if method in ("POST", "PUT", "PATCH"):
                    kwargs["json" if is_api else "data"] = {}
                resp = clients[who].open(url, method=method, **kwargs)
                resp.close()
                assert resp.status_code < 500, f"{who} {method} {url}: {resp.status_code}"
                expected = {
                    "own": False,
                    "public": True,
                    "login": who != "anonymous",
                    "member": who in ("member", "organizer"),
                    "merchant": who == "member",
                    "organizer": who == "organizer",
                }[kind]
                if kind == "own":
                    # the walk's id is nobody's: logged-in people get 404, the anonymous 401
                    want = (401 if is_api else 302) if who == "anonymous" else 404
                    if resp.status_code != want:
                        failures.append(f"{who} {method} {url} ({kind}): want {want}, got {resp.status_code}")
                    continue
                if kind == "merchant" and who == "organizer":
                    if resp.status_code not in (400, 403, 409):
                        failures.append(f"{who} {method} {url}: an organizer without a business is refused, got {resp.status_code}")
                    continue
                if _reached(resp, is_api) != expected:
                    failures.append(f"{who} {method} {url} ({kind}): {resp.status_code}")
                if not expected and who != "anonymous" and resp.status_code != 404:
                    failures.append(f"{who} {method} {url}: outsiders must get 404, got {resp.status_code}")
                if not expected and who == "anonymous" and is_api and resp.status_code != 401:
                    failures.append(f"{who} {method} {url}: anonymous API calls get 401, got {resp.status_code}")
    assert not failures, "\n".join(failures)
