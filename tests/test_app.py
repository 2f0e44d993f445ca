"""App-level behaviour: languages, configuration, the API's answers to unknown routes and methods, CLI, migrations
(the OpenAPI document: test_openapi.py)."""
from __future__ import annotations

import re

from sqlalchemy import inspect, select

from chamber import create_app
from chamber.models import Chamber, Member, Organizer, User


def main_text(resp):
    """The words inside <main> (what the page itself says, without the top bar and the footer)."""
    main = resp.get_data(as_text=True).split("<main", 1)[1].split(">", 1)[1].split("</main>", 1)[0]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main)).strip()


def test_language_from_accept_language_and_switch_is_remembered(client, create_user, login, db):
    assert 'lang="en"' in client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"}).text
    assert 'lang="zh-CN"' in client.get("/", headers={"Accept-Language": "zh-CN,zh;q=0.9"}).text
    assert 'lang="zh-CN"' in client.get("/").text  # default
    resp = client.post("/language?next=/", data={"locale": "en"}, headers={"Accept-Language": "zh-CN"})
    assert resp.status_code == 302
    assert 'lang="en"' in client.get("/", headers={"Accept-Language": "zh-CN"}).text  # cookie wins
    user = create_user()
    login(user)
    client.post("/language", data={"locale": "zh_CN"})
    db.expire_all()
    assert db.get(User, user.id).locale == "zh_CN"


def test_pages_are_translated(client):
    # the page's own words, inside <main>: the top bar's "Log in" is on every page and proves nothing
    zh = main_text(client.get("/login", headers={"Accept-Language": "zh-CN"}))
    en = main_text(client.get("/login", headers={"Accept-Language": "en"}))
    assert en == "Log in Email Password Log in No account yet? Register"
    assert zh == "登录 邮箱 密码 登录 还没有账号？ 注册"


def test_api_messages_follow_accept_language(client):
    zh = client.get("/api/v1/me", headers={"Accept-Language": "zh-CN"}).json["error"]["message"]
    en = client.get("/api/v1/me", headers={"Accept-Language": "en"}).json["error"]["message"]
    assert en == "Send a valid API token: Authorization: Bearer <token>."
    assert zh == "请提供有效的 API 令牌：Authorization: Bearer <token>。"


def test_config_defaults(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["MAX_CONTENT_LENGTH"] == 5 * 1024 * 1024
    assert app.debug is False
    assert app.config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'chamber.sqlite'}"
    key = app.config["SECRET_KEY"]
    assert (tmp_path / "secret_key").read_text() == key and len(key) >= 32
    assert create_app({"INSTANCE_PATH": str(tmp_path)}).config["SECRET_KEY"] == key  # kept
    monkeypatch.setenv("SECRET_KEY", "from-env")
    assert create_app({"INSTANCE_PATH": str(tmp_path)}).config["SECRET_KEY"] == "from-env"
    for a in (app,):
        a.extensions["chamber.db"].engine.dispose()


def test_upload_limit_answers_413(client, create_user, token_for):
    headers = token_for(create_user())
    resp = client.post("/api/v1/chambers", data=b"x" * (5 * 1024 * 1024 + 1), headers={**headers, "Content-Type": "application/json"})
    assert resp.status_code == 413 and resp.json["error"]["code"] == "too_large"


def test_unknown_api_route_is_json_404(client):
    resp = client.get("/api/v1/nothing-here")
    assert resp.status_code == 404 and resp.json["error"]["code"] == "not_found"
    assert client.delete("/api/v1/me").json["error"]["code"] == "validation_error"  # 405


def test_wrong_method_on_api_names_the_allowed_ones(client):
    resp = client.delete("/api/v1/me")
    assert resp.status_code == 405 and "GET" in resp.headers["Allow"]


def test_cli_demo_data_and_create_organizer(tmp_path):
    from chamber import migrate

    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    app = create_app({"INSTANCE_PATH": str(tmp_path), "DATABASE_URL": url, "SECRET_KEY": "x"})
    runner = app.test_cli_runner()
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert {"users", "chambers", "members", "tiers", "organizers"} <= set(inspect(app.extensions["chamber.db"].engine).get_table_names())
    assert runner.invoke(args=["demo-data", "--if-empty"]).output.strip() == "demo chamber loaded"
    assert "nothing loaded" in runner.invoke(args=["demo-data", "--if-empty"]).output
    result = runner.invoke(args=["create-organizer", "boss@example.com", "--chamber", "xihu", "--password", "a long password"])
    assert result.exit_code == 0 and "now an organizer of xihu" in result.output
    bad = runner.invoke(args=["create-organizer", "boss@example.com", "--chamber", "nope", "--password", "a long password"])
    assert bad.exit_code != 0 and "no chamber" in bad.output
    with app.extensions["chamber.db"].sessionmaker() as s:
        chamber = s.scalar(select(Chamber).where(Chamber.slug == "xihu"))
        members = s.scalars(select(Member).where(Member.chamber_id == chamber.id)).all()
        approved = [m for m in members if m.status == "approved"]
        assert 25 <= len(approved) <= 35 and 2 <= len(members) - len(approved) <= 5
        assert len({m.uscc for m in members}) == len(members)
        first = s.scalar(select(Member).join(User, User.id == Member.user_id).where(User.email == "member@xihu.example"))
        assert first.id == 1  # the README's API walkthrough pays for member 1
        boss = s.scalar(select(User).where(User.email == "boss@example.com"))
        assert s.scalar(select(Organizer).where(Organizer.user_id == boss.id, Organizer.chamber_id == chamber.id))
    from chamber.rules import check_uscc

    for m in members:
        check_uscc(m.uscc)
    migrate.downgrade(url, "base")
    assert "members" not in inspect(app.extensions["chamber.db"].engine).get_table_names()
    app.extensions["chamber.db"].engine.dispose()


def test_create_organizer_defaults_to_the_only_chamber(tmp_path):
    url = f"sqlite:///{tmp_path / 'one.sqlite'}"
    app = create_app({"INSTANCE_PATH": str(tmp_path), "DATABASE_URL": url, "SECRET_KEY": "x"})
    runner = app.test_cli_runner()
    runner.invoke(args=["db", "upgrade"])
    result = runner.invoke(args=["create-organizer", "first@example.com", "--password", "a long password"])
    assert result.exit_code == 0 and "can now create chambers" in result.output
    runner.invoke(args=["demo-data"])
    result = runner.invoke(args=["create-organizer", "second@example.com", "--password", "a long password"])
    assert result.exit_code == 0 and "now an organizer of xihu" in result.output
    app.extensions["chamber.db"].engine.dispose()
