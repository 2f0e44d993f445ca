"""Guessing passwords: equal cost for unknown accounts, lock-out per account and address, rate
limits per address, and a cap on active API tokens."""
from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chamber.accounts import operations as account_ops
from chamber.models import LoginAttempt
from chamber.rules import ACCOUNT_MAX_FAILURES, MAX_FAILURES, login_lockout
from tests.conftest import PASSWORD
from tests.helpers import text

ATTACKER = {"REMOTE_ADDR": "203.0.113.9"}
VICTIM = {"REMOTE_ADDR": "198.51.100.7"}
NOW = dt.datetime(2030, 1, 1, 12, tzinfo=dt.timezone.utc)


def ago(minutes: float) -> dt.datetime:
    return NOW - dt.timedelta(minutes=minutes)


# --------------------------------------------------------------------------- the cost of a wrong password


@pytest.mark.parametrize("route", ["/login", "/api/v1/auth/tokens"])
def test_unknown_and_known_accounts_cost_one_scrypt_each(client, create_user, monkeypatch, route):
    checked: list[str] = []
    real = account_ops.check_password_hash

    def counting(pwhash: str, password: str) -> bool:
        checked.append(pwhash)
        return real(pwhash, password)

    monkeypatch.setattr(account_ops, "check_password_hash", counting)
    user = create_user()
    for email in (user.email, "nobody-here@example.com"):
        body = {"email": email, "password": "wrong password"}
        resp = client.post(route, json=body) if route.startswith("/api") else client.post(route, data=body)
        assert resp.status_code in (400, 401)
    assert len(checked) == 2 and all(h.startswith("scrypt:") for h in checked)
    assert checked[0] == user.password_hash and checked[1] != user.password_hash


# --------------------------------------------------------------------------- lock-out (database, per account)


def test_rule_locks_the_address_before_the_account():
    five_here = [(ago(i), False, "a") for i in range(1, 6)]
    assert login_lockout(five_here, "a", NOW) == dt.timedelta(minutes=10)
    assert login_lockout(five_here, "b", NOW) is None  # the account's owner elsewhere is not locked
    assert login_lockout(five_here[:4], "a", NOW) is None
    # a success from the address ends its count
    assert login_lockout([*five_here, (ago(0.5), True, "a")], "a", NOW) is None


def test_rule_locks_the_account_for_everyone_after_20_failures_in_an_hour():
    spread = [(ago(i * 2), False, f"10.0.0.{i % 5}") for i in range(1, ACCOUNT_MAX_FAILURES + 1)]
    assert login_lockout(spread[:-1], "elsewhere", NOW) is None
    remaining = login_lockout(spread, "elsewhere", NOW)
    assert remaining == dt.timedelta(minutes=60 - 40)  # until the 20th newest (40 minutes old) ages out
    assert login_lockout([*spread, (ago(1.5), True, "x")], "elsewhere", NOW) is None


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)  # a shared, busy machine
@given(st.lists(st.tuples(st.integers(0, 120), st.booleans(), st.sampled_from(["a", "b", "c", None])), max_size=30),
       st.sampled_from(["a", "b", "z"]))
def test_rule_never_locks_longer_than_an_hour_and_needs_five_failures(raw, address):
    attempts = [(ago(m), ok, a) for m, ok, a in raw]
    remaining = login_lockout(attempts, address, NOW)
    if remaining is not None:
        assert dt.timedelta(0) < remaining <= dt.timedelta(hours=1)
        assert sum(1 for t, ok, _a in attempts if not ok and NOW - t < dt.timedelta(hours=1)) >= MAX_FAILURES


def test_an_attacker_locks_only_their_own_address_out(app, client, create_user, db):
    user = create_user()
    attacker, victim = app.test_client(), app.test_client()
    for _ in range(MAX_FAILURES):
        assert attacker.post("/api/v1/auth/tokens", json={"email": user.email, "password": "guess guess"},
                             environ_base=ATTACKER).status_code == 401
    resp = attacker.post("/login", data={"email": user.email, "password": PASSWORD}, environ_base=ATTACKER,
                         headers={"Accept-Language": "en"})
    assert resp.status_code == 429 and "Too many attempts, try again in 15 minutes." in text(resp)
    # the account's owner, from their own address, is not locked out
    assert victim.post("/login", data={"email": user.email, "password": PASSWORD}, environ_base=VICTIM).status_code == 302


def test_many_addresses_lock_the_account_for_everyone(app, client, create_user, db):
    user = create_user()
    now = dt.datetime.now(dt.timezone.utc)
    db.add_all([LoginAttempt(email=user.email, succeeded=False, at=now - dt.timedelta(minutes=i), address=f"192.0.2.{i % 4}")
                for i in range(1, ACCOUNT_MAX_FAILURES)])
    db.commit()
    assert client.post("/login", data={"email": user.email, "password": "one more guess"}, environ_base=ATTACKER).status_code == 400
    resp = client.post("/api/v1/auth/tokens", json={"email": user.email, "password": PASSWORD}, environ_base=VICTIM)
    assert resp.status_code == 429 and resp.json["error"]["code"] == "rate_limited"
    assert int(resp.headers["Retry-After"]) > 40 * 60


# --------------------------------------------------------------------------- rate limits per address (Flask-Limiter)


def test_one_address_trying_many_accounts_is_limited(app, client, real_rate_limits):
    # "30 per 15 minutes" failed logins from one address, whatever the account
    limit = int(real_rate_limits["login_failures"].split()[0])
    for i in range(limit):
        body = {"email": f"spray{i}@example.com", "password": "guess guess"}
        assert client.post("/api/v1/auth/tokens", json=body, environ_base=ATTACKER).status_code == 401
    resp = client.post("/api/v1/auth/tokens", json={"email": "spray-last@example.com", "password": "x"}, environ_base=ATTACKER)
    assert resp.status_code == 429
    assert resp.json["error"]["code"] == "rate_limited" and "Retry-After" in resp.headers
    page = client.post("/login", data={"email": "spray-last@example.com", "password": "x"}, environ_base=ATTACKER,
                       headers={"Accept-Language": "en"})
    assert page.status_code == 429 and "Too many attempts" in text(page)
    # another address is not affected
    assert client.post("/api/v1/auth/tokens", json={"email": "a@example.com", "password": "x"}, environ_base=VICTIM).status_code == 401


def test_token_creation_is_limited_per_address(app, client, create_user, login, real_rate_limits):
    # "10 per minute": the API and the account page count together
    per_minute = int(real_rate_limits["token"].split()[0])
    user = create_user()
    for _ in range(per_minute - 1):
        assert client.post("/api/v1/auth/tokens", json={"email": user.email, "password": PASSWORD}).status_code == 201
    login(user)
    assert client.post("/account", data={"action": "token", "tok-name": "last one"}).status_code == 302
    resp = client.post("/api/v1/auth/tokens", json={"email": user.email, "password": PASSWORD})
    assert resp.status_code == 429 and resp.json["error"]["code"] == "rate_limited"
    page = client.post("/account", data={"action": "token", "tok-name": "one more"}, headers={"Accept-Language": "en"})
    assert page.status_code == 429 and "Too many requests from your address" in text(page)
    other = app.test_client()
    assert other.post("/api/v1/auth/tokens", json={"email": user.email, "password": PASSWORD}, environ_base=VICTIM).status_code == 201


def test_the_suite_runs_with_generous_limits_but_production_has_real_ones(app, tmp_path):
    from chamber import config as config_mod

    assert app.config["RATE_LIMITS"] != config_mod.RATE_LIMITS  # tests/conftest.py keeps them out of the way
    settings = config_mod.load({"SECRET_KEY": "x", "INSTANCE_PATH": str(tmp_path)})
    assert settings["RATE_LIMITS"] == config_mod.RATE_LIMITS and settings.get("RATELIMIT_ENABLED", True)


# --------------------------------------------------------------------------- at most 20 active tokens


def test_active_tokens_are_capped(client, create_user, login, db):
    user = create_user()
    for i in range(account_ops.MAX_ACTIVE_TOKENS):
        account_ops.create_token(db, user, f"t{i}")
    db.commit()
    resp = client.post("/api/v1/auth/tokens", json={"email": user.email, "password": PASSWORD},
                       headers={"Accept-Language": "en"})
    assert resp.status_code == 409 and resp.json["error"]["code"] == "conflict"
    assert "20 active API tokens" in resp.json["error"]["message"]
    login(user)
    page = client.post("/account", data={"action": "token", "tok-name": "one more"}, headers={"Accept-Language": "en"})
    assert page.status_code == 409 and "revoke one you no longer use" in text(page)
    assert "20 of at most 20 tokens active" in text(page)
    # revoking one makes room
    first = account_ops.list_tokens(db, user)[0]
    account_ops.revoke_token(db, user, first.id)
    db.commit()
    assert client.post("/api/v1/auth/tokens", json={"email": user.email, "password": PASSWORD}).status_code == 201
