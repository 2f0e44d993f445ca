"""Accounts: registration, login with lock-out, logout, password change, API tokens."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from chamber.models import ApiToken, LoginAttempt, User
from tests.conftest import PASSWORD, count_rows


def test_register_login_logout_via_pages(client, db):
    resp = client.post("/register", data={"email": "Shop@Example.com", "password": "longenough1", "display_name": "小王"})
    assert resp.status_code == 302
    user = db.scalar(select(User).where(User.email == "shop@example.com"))
    assert user is not None and user.password_hash.startswith("scrypt:")
    assert client.get("/account").status_code == 200
    client.post("/logout")
    assert client.get("/account").status_code == 302  # back to the login page
    resp = client.post("/login", data={"email": "shop@example.com", "password": "longenough1"})
    assert resp.status_code == 302
    assert client.get("/account").status_code == 200


def test_register_bad_input_shows_messages_and_changes_nothing(client, db):
    before = count_rows(db, User)
    resp = client.post("/register", data={"email": "not-an-email", "password": "short", "display_name": ""},
                       headers={"Accept-Language": "en"})
    assert resp.status_code == 400
    assert "Invalid email address" in resp.text
    assert "Use 10 to 200 characters" in resp.text
    assert "This field is required" in resp.text
    assert count_rows(db, User) == before


def test_register_duplicate_email(client, create_user):
    user = create_user()
    resp = client.post("/register", data={"email": user.email.upper(), "password": "longenough1", "display_name": "x"},
                       headers={"Accept-Language": "en"})
    assert resp.status_code == 400
    assert "already exists" in resp.text


def test_wrong_password_message(client, create_user):
    user = create_user()
    resp = client.post("/login", data={"email": user.email, "password": "wrong password"}, headers={"Accept-Language": "en"})
    assert resp.status_code == 400
    assert "Wrong email or password" in resp.text


def test_lockout_after_five_failures_even_with_right_password(client, create_user, db):
    user = create_user()
    for _ in range(5):
        assert client.post("/login", data={"email": user.email, "password": "nope nope nope"}).status_code == 400
    resp = client.post("/login", data={"email": user.email, "password": PASSWORD}, headers={"Accept-Language": "en"})
    assert resp.status_code == 429
    assert "Too many attempts, try again in 15 minutes." in resp.text
    # the API answers the same account with 429 too, even with the right password
    resp = client.post("/api/v1/auth/tokens", json={"email": user.email, "password": PASSWORD})
    assert resp.status_code == 429
    assert resp.json["error"] == {"code": "rate_limited", "message": "尝试次数过多，请 15 分钟后再试。"}


def test_lockout_expires_after_the_window(client, create_user, db):
    user = create_user()
    old = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=16)
    for i in range(5):
        db.add(LoginAttempt(email=user.email, succeeded=False, at=old + dt.timedelta(seconds=i)))
    db.commit()
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302


def test_four_failures_do_not_lock(client, create_user):
    user = create_user()
    for _ in range(4):
        client.post("/login", data={"email": user.email, "password": "nope nope nope"})
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302


def test_change_password(client, create_user, login, db):
    user = create_user()
    login(user)
    resp = client.post("/account", data={"action": "password", "pw-current_password": "wrong one!!", "pw-new_password": "a new password", "pw-confirm": "a new password"},
                       headers={"Accept-Language": "en"})
    assert resp.status_code == 400 and "current password is wrong" in resp.text
    resp = client.post("/account", data={"action": "password", "pw-current_password": PASSWORD, "pw-new_password": "a new password", "pw-confirm": "another one!"},
                       headers={"Accept-Language": "en"})
    assert resp.status_code == 400 and "differ" in resp.text
    resp = client.post("/account", data={"action": "password", "pw-current_password": PASSWORD, "pw-new_password": "a new password", "pw-confirm": "a new password"})
    assert resp.status_code == 302
    client.post("/logout")
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 400
    assert client.post("/login", data={"email": user.email, "password": "a new password"}).status_code == 302


def test_token_on_account_page_shown_once_hashed_and_revocable(client, create_user, login, db):
    user = create_user()
    login(user)
    resp = client.post("/account", data={"action": "token", "tok-name": "my shop script"}, follow_redirects=True)
    assert resp.status_code == 200
    secret = resp.text.split('data-testid="new-token">')[1].split("<")[0]
    assert secret.startswith("chm_")
    token = db.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    assert token.token_hash != secret and secret not in token.token_hash
    assert secret not in client.get("/account").text  # shown once
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    client.post(f"/account/tokens/{token.id}/revoke")
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_csrf_is_required_on_forms(csrf_app, db):
    client = csrf_app.test_client()
    resp = client.post("/register", data={"email": "a@b.cn", "password": "longenough1", "display_name": "x"})
    assert resp.status_code == 400
    assert count_rows(db, User, User.email == "a@b.cn") == 0


# --- API --------------------------------------------------------------------------------

def test_api_register_token_me(client):
    resp = client.post("/api/v1/users", json={"email": "api@example.com", "password": "longenough1", "display_name": "API"})
    assert resp.status_code == 201
    assert set(resp.json) == {"id", "email", "display_name"}
    assert client.post("/api/v1/users", json={"email": "api@example.com", "password": "longenough1", "display_name": "API"}).status_code == 409
    resp = client.post("/api/v1/auth/tokens", json={"email": "api@example.com", "password": "wrong-password"})
    assert resp.status_code == 401 and resp.json["error"]["code"] == "unauthorized"
    token = client.post("/api/v1/auth/tokens", json={"email": "api@example.com", "password": "longenough1"}).json["token"]
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.json["email"] == "api@example.com" and me.json["memberships"] == []


def test_api_validation_errors_by_field(client):
    resp = client.post("/api/v1/users", json={"email": "x", "password": 12345678901, "display_name": "y" * 81},
                       headers={"Accept-Language": "en"})
    assert resp.status_code == 400
    fields = resp.json["error"]["fields"]
    assert set(fields) == {"email", "password", "display_name"}
    assert fields["password"] == "Expected a string."


def test_api_me_requires_token(client):
    resp = client.get("/api/v1/me")
    assert resp.status_code == 401
    assert resp.json["error"]["code"] == "unauthorized"
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_api_tokens_list_revoke_and_password(client, create_user, token_for, db):
    user, other = create_user(), create_user()
    headers = token_for(user)
    other_headers = token_for(other)
    items = client.get("/api/v1/auth/tokens", headers=headers).json["items"]
    assert len(items) == 1 and set(items[0]) == {"id", "name", "prefix", "created_at", "revoked_at"}
    token_id = items[0]["id"]
    other_id = client.get("/api/v1/auth/tokens", headers=other_headers).json["items"][0]["id"]
    assert client.delete(f"/api/v1/auth/tokens/{other_id}", headers=headers).status_code == 404  # not yours
    assert client.get("/api/v1/me", headers=other_headers).status_code == 200

    url = "/api/v1/me/password"
    resp = client.put(url, json={"current_password": "wrong one!!", "new_password": "brand new password"}, headers={**headers, "Accept-Language": "en"})
    assert resp.status_code == 400 and resp.json["error"]["fields"] == {"current_password": "The current password is wrong."}
    assert client.put(url, json={"current_password": PASSWORD, "new_password": "short"}, headers=headers).status_code == 400
    resp = client.put(url, json={"current_password": PASSWORD, "new_password": "brand new password"}, headers=headers)
    assert resp.status_code == 200 and resp.json["revoked_tokens"] == 1  # the caller's token too
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    secret = client.post("/api/v1/auth/tokens", json={"email": user.email, "password": "brand new password"}).json["token"]
    headers = {"Authorization": f"Bearer {secret}"}
    token_id = client.get("/api/v1/auth/tokens", headers=headers).json["items"][0]["id"]

    assert client.delete(f"/api/v1/auth/tokens/{token_id}", headers=headers).status_code == 204  # log out
    assert client.get("/api/v1/me", headers=headers).status_code == 401
