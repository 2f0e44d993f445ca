"""Races that only a real multi-connection database shows: lock-out and unique names."""
from __future__ import annotations

import os
import threading
import uuid
from typing import Any

import pytest
from sqlalchemy import delete, func, select

from chamber.models import ApiToken, LoginAttempt, User
from tests.conftest import _PASSWORD_HASH, PASSWORD

pytestmark = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgresql"),
    reason="needs PostgreSQL: set DATABASE_URL=postgresql+psycopg://… (SQLite serialises writers anyway)",
)


def _parallel(app: Any, n: int, call: Any) -> list[int]:
    barrier = threading.Barrier(n)
    statuses: list[int] = []
    lock = threading.Lock()

    def run() -> None:
        client = app.test_client()
        barrier.wait()
        status = call(client)
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return statuses


def test_parallel_guesses_check_at_most_five_passwords(app):
    database = app.extensions["chamber.db"]
    email = f"race-{uuid.uuid4().hex[:8]}@example.com"
    with database.sessionmaker() as s, s.begin():
        s.add(User(email=email, display_name="race", password_hash=_PASSWORD_HASH))
    try:
        statuses = _parallel(app, 16, lambda c: c.post("/api/v1/auth/tokens", json={"email": email, "password": "wrong guess!"}).status_code)
        assert sorted(set(statuses)) == [401, 429]
        assert statuses.count(401) == 5
        with database.sessionmaker() as s:
            assert s.scalar(select(func.count()).select_from(LoginAttempt).where(LoginAttempt.email == email)) == 5
    finally:
        with database.sessionmaker() as s, s.begin():
            s.execute(delete(LoginAttempt).where(LoginAttempt.email == email))
            s.execute(delete(User).where(User.email == email))


def test_parallel_sign_ups_with_one_email_give_one_account_and_409s(app):
    database = app.extensions["chamber.db"]
    email = f"twin-{uuid.uuid4().hex[:8]}@example.com"
    body = {"email": email, "password": "long enough password", "display_name": "twin"}
    try:
        statuses = _parallel(app, 8, lambda c: c.post("/api/v1/users", json=body).status_code)
        assert statuses.count(201) == 1
        assert set(statuses) == {201, 409}
    finally:
        with database.sessionmaker() as s, s.begin():
            ids = select(User.id).where(User.email == email)
            s.execute(delete(ApiToken).where(ApiToken.user_id.in_(ids)))
            s.execute(delete(User).where(User.email == email))


def test_two_organizers_removing_each_other_at_once_leave_one(app):
    from chamber.accounts.operations import create_token
    from chamber.models import Chamber, Organizer

    database = app.extensions["chamber.db"]
    tag = uuid.uuid4().hex[:8]
    with database.sessionmaker() as s, s.begin():
        users = [User(email=f"org{i}-{tag}@example.com", display_name=f"org {i}", password_hash=_PASSWORD_HASH) for i in range(2)]
        chamber = Chamber(slug=f"duel-{tag}", name="duel", kind="regional", region="x")
        s.add_all([*users, chamber])
        s.flush()
        s.add_all([Organizer(chamber_id=chamber.id, user_id=u.id) for u in users])
        secrets_ = [create_token(s, u, "t")[1] for u in users]
        ids = [u.id for u in users]
        chamber_id = chamber.id
    try:
        calls = iter([(secrets_[0], ids[1]), (secrets_[1], ids[0])])
        lock = threading.Lock()

        def call(client: Any) -> int:
            with lock:
                secret, target = next(calls)
            return client.delete(f"/api/v1/chambers/duel-{tag}/organizers/{target}",
                                 headers={"Authorization": f"Bearer {secret}"}).status_code

        statuses = _parallel(app, 2, call)
        assert sorted(statuses) in ([204, 404], [204, 409])
        with database.sessionmaker() as s:
            assert s.scalar(select(func.count()).select_from(Organizer).where(Organizer.chamber_id == chamber_id)) == 1
    finally:
        with database.sessionmaker() as s, s.begin():
            s.execute(delete(Organizer).where(Organizer.chamber_id == chamber_id))
            s.execute(delete(Chamber).where(Chamber.id == chamber_id))
            s.execute(delete(ApiToken).where(ApiToken.user_id.in_(ids)))
            s.execute(delete(User).where(User.id.in_(ids)))


def test_parallel_token_requests_stop_at_the_cap(app):
    from chamber.accounts.operations import MAX_ACTIVE_TOKENS, create_token

    database = app.extensions["chamber.db"]
    email = f"tokens-{uuid.uuid4().hex[:8]}@example.com"
    with database.sessionmaker() as s, s.begin():
        user = User(email=email, display_name="tokens", password_hash=_PASSWORD_HASH)
        s.add(user)
        s.flush()
        for i in range(MAX_ACTIVE_TOKENS - 2):
            create_token(s, user, f"t{i}")
        user_id = user.id
    try:
        statuses = _parallel(app, 6, lambda c: c.post("/api/v1/auth/tokens", json={"email": email, "password": PASSWORD}).status_code)
        assert sorted(statuses) == [201, 201, 409, 409, 409, 409]
        with database.sessionmaker() as s:
            active = s.scalar(select(func.count()).select_from(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None)))
            assert active == MAX_ACTIVE_TOKENS
    finally:
        with database.sessionmaker() as s, s.begin():
            s.execute(delete(ApiToken).where(ApiToken.user_id == user_id))
            s.execute(delete(LoginAttempt).where(LoginAttempt.email == email))
            s.execute(delete(User).where(User.id == user_id))
