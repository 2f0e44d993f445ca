"""The front cache: public pages for visitors without a session, answered before Flask runs.

It reads committed chamber versions outside any session, so it gets a database of its own (on
PostgreSQL too, under DATABASE_URL) instead of the rolled-back test transaction.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.live import live_database


@pytest.fixture(scope="module")
def front_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from chamber import create_app, migrate
    from chamber.chambers.operations import create_chamber
    from chamber.models import User

    for url in live_database(tmp_path_factory, "front"):
        migrate.upgrade(url)
        app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "front",
                          "INSTANCE_PATH": str(tmp_path_factory.mktemp("front")), "FRONT_CACHE": True})
        with app.app_context(), app.extensions["chamber.db"].sessionmaker() as s, s.begin():
            user = User(email="front@example.com", display_name="Front", password_hash="x")
            s.add(user)
            s.flush()
            create_chamber(s, user, slug="front", name="前门商会", kind="regional", region="杭州",
                           currency="CNY", timezone="Asia/Shanghai", description="第一版简介")
        yield app
        app.extensions["chamber.db"].engine.dispose()


def describe(app: Any, text: str) -> None:
    from sqlalchemy import select

    from chamber.models import Chamber

    with app.app_context(), app.extensions["chamber.db"].sessionmaker() as s, s.begin():
        s.scalar(select(Chamber).where(Chamber.slug == "front")).description = text


def test_a_visitor_gets_the_app_s_answer_from_the_front_cache_until_the_chamber_changes(front_app: Any) -> None:
    front = front_app.extensions["chamber.front_cache"]
    client = front_app.test_client()
    first = client.get("/c/front", headers={"Accept-Language": "zh-CN"})
    assert first.status_code == 200 and "第一版简介" in first.text
    hits = front.hits
    again = client.get("/c/front", headers={"Accept-Language": "zh-CN"})
    assert front.hits == hits + 1  # answered before Flask
    assert again.data == first.data
    # every header the app sets comes along: security headers, validators, Vary
    for header in ("Content-Security-Policy", "X-Content-Type-Options", "ETag", "Last-Modified", "Vary",
                   "Cache-Control", "Content-Type"):
        assert again.headers[header] == first.headers[header], header
    not_modified = client.get("/c/front", headers={"Accept-Language": "zh-CN", "If-None-Match": first.headers["ETag"]})
    assert not_modified.status_code == 304 and front.hits == hits + 2

    describe(front_app, "第二版简介")  # a committed change: a new version, the app renders again
    changed = client.get("/c/front", headers={"Accept-Language": "zh-CN"})
    assert "第二版简介" in changed.text and changed.headers["ETag"] != first.headers["ETag"]
    assert front.hits == hits + 2
    assert client.get("/c/front", headers={"Accept-Language": "zh-CN"}).data == changed.data
    assert front.hits == hits + 3


def test_language_and_encoding_each_have_their_own_answer(front_app: Any) -> None:
    import gzip

    client = front_app.test_client()
    english = [client.get("/c/front", headers={"Accept-Language": "en"}) for _ in range(2)]
    chinese = client.get("/c/front", headers={"Accept-Language": "zh-CN"})
    assert english[1].data == english[0].data != chinese.data
    assert 'lang="en"' in english[1].text and 'lang="zh-CN"' in chinese.text
    shared = [client.get("/c/front?lang=en", headers={"Accept-Language": "zh-CN"}) for _ in range(2)]
    assert 'lang="en"' in shared[1].text  # a shared link's language wins over the browser's
    packed = [client.get("/c/front", headers={"Accept-Language": "zh-CN", "Accept-Encoding": "gzip"}) for _ in range(2)]
    assert packed[1].headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed[1].data) == chinese.data


def test_people_with_a_session_and_other_methods_always_reach_the_app(front_app: Any) -> None:
    front = front_app.extensions["chamber.front_cache"]
    client = front_app.test_client()
    client.get("/c/front")
    client.get("/c/front")
    hits = front.hits
    client.set_cookie("session", "anything")  # a session (perhaps logged in): never the shared answer
    assert client.get("/c/front").status_code == 200
    client.delete_cookie("session")
    assert client.head("/c/front").status_code == 200
    assert front.hits == hits
    assert client.get("/c/nobody").status_code == 404  # unknown chambers are never kept
    assert client.get("/c/nobody").status_code == 404
    assert front.hits == hits


def test_each_host_has_its_own_answer(front_app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # without CHAMBER_PUBLIC_URL, the feed names the host it was asked on: one host's copy never
    # goes to another
    monkeypatch.setitem(front_app.config, "PUBLIC_URL", "")
    front = front_app.extensions["chamber.front_cache"]
    client = front_app.test_client()
    first = [client.get("/c/front/feed.atom", base_url="https://a.example.cn") for _ in range(2)]
    assert 'href="https://a.example.cn/c/front/feed.atom"' in first[1].text
    hits = front.hits
    other = client.get("/c/front/feed.atom", base_url="http://b.example.cn")
    assert front.hits == hits  # not the first host's copy
    assert 'href="http://b.example.cn/c/front/feed.atom"' in other.text and "a.example.cn" not in other.text
    assert client.get("/c/front/feed.atom", base_url="http://b.example.cn").data == other.data
    assert front.hits == hits + 1
