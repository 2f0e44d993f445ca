"""Walks every route of the app as four people and checks who gets in.

A route missing from ACCESS fails the test: whoever adds a route must say who may reach it,
and the walk then proves the view checks it.
"""
from __future__ import annotations

import re
from typing import Any

import pytest

from tests.conftest import PASSWORD

# who may reach an endpoint:
#   public    – anyone
#   login     – any logged-in user (their own things only)
#   own       – a logged-in user's own thing by id: anyone else's (or none) is a 404 for them
#   member    – approved members and organizers of that chamber (outsiders get 404)
#   organizer – organizers of that chamber (members and outsiders get 404)
#   merchant  – approved members acting for their business; an organizer without a business
#               of their own is inside the chamber and is refused (400/403/409), outsiders get 404
ACCESS: dict[str, str] = {
    "static": "public",
    "openapi": "public",
    "accounts.register": "public",
    "accounts.login": "public",
    "accounts.logout": "public",
    "accounts.set_language": "public",
    "accounts.account": "login",
    "accounts.revoke": "login",
    "accounts.api_create_user": "public",
    "accounts.api_create_api_token": "public",
    "accounts.api_me": "login",
    "accounts.api_list_api_tokens": "login",
    "accounts.api_revoke_api_token": "own",
    "accounts.api_change_api_password": "login",
    "chambers.home": "public",
    "chambers.create": "login",
    "chambers.public_page": "public",
    "chambers.directory": "public",
    "chambers.apply": "login",
    "chambers.dashboard": "member",
    "chambers.manage": "organizer",
    "chambers.tiers": "organizer",
    "chambers.member_detail": "organizer",
    "chambers.promote": "organizer",
    "chambers.api_create_chamber": "login",
    "chambers.api_get_chamber": "public",
    "chambers.api_get_tiers": "public",
    "chambers.api_put_tiers": "organizer",
    "chambers.api_create_application": "login",
    "chambers.api_decide": "organizer",
    "chambers.api_list_members": "public",
    "chambers.api_add_organizer": "organizer",
    # campaigns: API
    "campaigns.api_list_campaigns": "public",
    "campaigns.api_get_campaign": "public",
    "campaigns.api_create_campaign": "organizer",
    "campaigns.api_update_campaign": "organizer",
    "campaigns.api_transition": "organizer",
    "campaigns.api_settle": "organizer",
    "campaigns.api_put_participation": "merchant",
    "campaigns.api_delete_participation": "merchant",
    "campaigns.api_get_shares": "member",
    "campaigns.api_post_payment": "organizer",
    "campaigns.api_post_expense": "organizer",
    "campaigns.api_post_reversal": "organizer",
    "campaigns.api_get_ledger": "member",
    "campaigns.api_get_receipt": "member",
    "campaigns.api_get_notices": "member",
    "campaigns.api_statement_pdf": "member",  # that member's owner and organizers
    "campaigns.api_report_pdf": "member",
    "campaigns.api_shares_csv": "member",
    "campaigns.api_ledger_csv": "member",
    # campaigns: pages
    "campaigns.manage_list": "organizer",
    "campaigns.create": "organizer",
    "campaigns.manage": "organizer",
    "campaigns.edit": "organizer",
    "campaigns.transition": "organizer",
    "campaigns.settle": "organizer",
    "campaigns.payment": "organizer",
    "campaigns.expense": "organizer",
    "campaigns.reversal": "organizer",
    "campaigns.index": "member",
    "campaigns.campaign": "member",
    "campaigns.participate": "merchant",
    "campaigns.withdraw": "merchant",
    "campaigns.ledger": "member",
    "campaigns.receipt": "member",
    "campaigns.statement_pdf": "member",
    "campaigns.report_pdf": "member",
    "campaigns.shares_csv": "member",
    "campaigns.ledger_csv": "member",
}

# extra access rules registered by feature packages' tests
EXTRA_ACCESS: dict[str, str] = {}


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
    access = {**ACCESS, **EXTRA_ACCESS}
    missing = sorted({rule.endpoint for rule in app.url_map.iter_rules()} - set(access))
    assert not missing, f"routes without an access rule in tests/test_tenant_isolation.py: {missing}"


def test_walk_every_route_as_everyone(app, world, token_for, extra_world_params):
    access = {**ACCESS, **EXTRA_ACCESS}
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
                if rule.endpoint in ("accounts.logout",):
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
