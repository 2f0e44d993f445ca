"""Browser sessions end on logout, password change and "log out everywhere"; the cookie's flags."""
from __future__ import annotations

import datetime as dt
from email.utils import parsedate_to_datetime

from sqlalchemy import select

from chamber import config as config_mod
from chamber.models import ApiToken, User
from tests.conftest import PASSWORD
from tests.helpers import text


def _copy_cookie(app, client):
    """A second browser holding a copy of client's session cookie (as a thief would)."""
    other = app.test_client()
    cookie = client.get_cookie("session")
    other.set_cookie("session", cookie.value)
    return other


def test_a_copied_cookie_stops_working_after_logout(app, client, create_user, login):
    user = create_user()
    login(user)
    stolen = _copy_cookie(app, client)
    page = stolen.get("/account")
    assert page.status_code == 200 and user.email in page.get_data(as_text=True)  # the copy is logged in as user
    client.post("/logout")
    for browser in (stolen, client):
        resp = browser.get("/account")
        assert resp.status_code == 302 and resp.location.startswith("/login")


def test_password_change_ends_other_sessions_and_revokes_tokens(app, client, create_user, login, token_for, db):
    user = create_user()
    login(user)
    other_browser = app.test_client()
    assert other_browser.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    headers = token_for(user)
    token_for(user)
    resp = client.post("/account", data={"action": "password", "pw-current_password": PASSWORD,
                                         "pw-new_password": "a new password", "pw-confirm": "a new password"},
                       headers={"Accept-Language": "en"}, follow_redirects=True)
    assert resp.status_code == 200
    assert "logged out everywhere else" in text(resp) and "2 API tokens are revoked" in text(resp)
    assert client.get("/account").status_code == 200  # the browser that changed it stays in
    assert other_browser.get("/account").status_code == 302
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert db.scalar(select(ApiToken.id).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))) is None


def test_password_change_through_the_api_says_what_it_revoked(app, client, create_user, login, token_for):
    user = create_user()
    login(user)
    headers = token_for(user)
    resp = client.put("/api/v1/me/password", headers={**headers, "Accept-Language": "en"},
                      json={"current_password": PASSWORD, "new_password": "brand new password"})
    assert resp.status_code == 200
    assert resp.json["revoked_tokens"] == 1 and "this one too" in resp.json["message"]
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert client.get("/account").status_code == 302  # the browser session ended too


def test_log_out_everywhere_button(app, client, create_user, login, token_for):
    user = create_user()
    login(user)
    headers = token_for(user)
    other_browser = _copy_cookie(app, client)
    page = client.get("/account", headers={"Accept-Language": "en"})
    assert "/account/sessions/revoke" in page.text and "Log out everywhere" in page.text
    resp = client.post("/account/sessions/revoke", headers={"Accept-Language": "en"}, follow_redirects=True)
    assert "logged out on every device" in text(resp)
    assert client.get("/account").status_code == 302
    assert other_browser.get("/account").status_code == 302
    assert client.get("/api/v1/me", headers=headers).status_code == 200  # tokens are revoked separately
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    assert client.get("/account").status_code == 200  # a new login works


def test_log_out_everywhere_through_the_api(app, client, create_user, login, token_for):
    user = create_user()
    login(user)
    headers = token_for(user)
    assert client.post("/api/v1/me/sessions/revoke", headers=headers).status_code == 204
    assert client.get("/account").status_code == 302
    assert client.get("/api/v1/me", headers=headers).status_code == 200


def test_session_version_is_bumped_in_sql(db, create_user):
    from chamber.accounts.operations import end_sessions

    user = create_user()
    assert end_sessions(db, user) == 1 and end_sessions(db, user) == 2
    db.commit()
    assert db.scalar(select(User.session_version).where(User.id == user.id)) == 2


def test_session_cookie_flags(app, client, create_user):
    user = create_user()
    resp = client.post("/login", data={"email": user.email, "password": PASSWORD})
    cookie = next(v for v in resp.headers.getlist("Set-Cookie") if v.startswith("session="))
    flags = {part.strip().split("=")[0].lower() for part in cookie.split(";")}
    assert {"httponly", "expires"} <= flags and "samesite=lax" in cookie.lower()
    assert "secure" not in flags  # plain http here
    expires = next(p.split("=", 1)[1] for p in cookie.split(";") if p.strip().lower().startswith("expires="))
    lasts = parsedate_to_datetime(expires) - dt.datetime.now(dt.timezone.utc)
    assert dt.timedelta(days=13, hours=23) < lasts <= dt.timedelta(days=14)


def test_secure_cookie_when_configured_for_https(monkeypatch, tmp_path):
    monkeypatch.delenv("CHAMBER_PUBLIC_URL", raising=False)
    monkeypatch.delenv("CHAMBER_HTTPS", raising=False)
    base = {"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x"}
    assert config_mod.load(base)["SESSION_COOKIE_SECURE"] is False
    monkeypatch.setenv("CHAMBER_HTTPS", "1")
    assert config_mod.load(base)["SESSION_COOKIE_SECURE"] is True
    monkeypatch.delenv("CHAMBER_HTTPS")
    monkeypatch.setenv("CHAMBER_PUBLIC_URL", "https://chamber.example")
    assert config_mod.load(base)["SESSION_COOKIE_SECURE"] is True


def test_secure_flag_reaches_the_cookie(app, client, create_user):
    user = create_user()
    app.config["SESSION_COOKIE_SECURE"] = True
    try:
        resp = client.post("/login", data={"email": user.email, "password": PASSWORD}, base_url="https://localhost")
    finally:
        app.config["SESSION_COOKIE_SECURE"] = False
    cookie = next(v for v in resp.headers.getlist("Set-Cookie") if v.startswith("session="))
    assert "; Secure" in cookie
