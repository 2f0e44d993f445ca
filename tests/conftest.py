"""Test fixtures: one migrated database per run, each test inside a rolled-back transaction.

DATABASE_URL selects PostgreSQL (a fresh, empty database); otherwise a temporary SQLite file.
"""
from __future__ import annotations

import contextlib
import itertools
import os
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import settings as hypothesis_settings
from sqlalchemy import event, select
from sqlalchemy.orm import Session, sessionmaker

from chamber import create_app
from chamber.accounts.operations import hash_password
from chamber.db import Database
from chamber.models import ApiToken, Chamber, Member, Tier, User
from chamber.rules import make_uscc

#: make mutation runs the property tests with fewer examples (HYPOTHESIS_PROFILE=mutation), many times over
hypothesis_settings.register_profile("mutation", max_examples=25, deadline=None)
if os.environ.get("HYPOTHESIS_PROFILE"):
    hypothesis_settings.load_profile(os.environ["HYPOTHESIS_PROFILE"])

PASSWORD = "correct horse battery"
#: many tests log in and make tokens from one address (127.0.0.1): the suite runs with limits out of
#: the way; the tests of the limits themselves take the real ones (the real_rate_limits fixture)
GENEROUS_RATE_LIMITS = {"login": "100000 per minute", "login_failures": "100000 per minute", "token": "100000 per minute",
                        "subscribe": "100000 per minute"}
_PASSWORD_HASH = hash_password(PASSWORD)  # scrypt once, not per user
_seq = itertools.count(1)


def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from chamber import migrate

    instance = tmp_path_factory.mktemp("instance")
    url = database_url(tmp_path_factory)
    migrate.upgrade(url)
    app = create_app({
        "TESTING": True,
        "DATABASE_URL": url,
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": "test-secret",
        "WTF_CSRF_ENABLED": False,
        "RATE_LIMITS": GENEROUS_RATE_LIMITS,
        # the front cache reads committed versions outside the session, which the rolled-back
        # test transaction never commits; tests/trust/test_front_cache.py tests it on its own database
        "FRONT_CACHE": False,
    })
    yield app
    app.extensions["chamber.db"].engine.dispose()


@pytest.fixture
def db(app: Any) -> Iterator[Session]:
    """A session inside a transaction that is rolled back after the test (savepoint recipe)."""
    database: Database = app.extensions["chamber.db"]
    connection = database.engine.connect()
    outer = connection.begin()
    original = database.sessionmaker
    database.sessionmaker = sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    session = database.sessionmaker()
    try:
        yield session
    finally:
        session.close()
        database.sessionmaker = original
        outer.rollback()
        connection.close()


@pytest.fixture
def client(app: Any, db: Session) -> Any:
    return app.test_client()


@pytest.fixture
def real_rate_limits(app: Any) -> Iterator[dict[str, str]]:
    """The production rate limits (chamber/config.py RATE_LIMITS), counted from zero."""
    from chamber.config import RATE_LIMITS
    from chamber.web import limiter

    saved = app.config["RATE_LIMITS"]
    app.config["RATE_LIMITS"] = dict(RATE_LIMITS)
    limiter.reset()
    try:
        yield dict(RATE_LIMITS)
    finally:
        app.config["RATE_LIMITS"] = saved
        limiter.reset()


@pytest.fixture
def csrf_app(app: Any) -> Iterator[Any]:
    """The app with CSRF checks on, for the tests of CSRF itself."""
    app.config["WTF_CSRF_ENABLED"] = True
    yield app
    app.config["WTF_CSRF_ENABLED"] = False


@pytest.fixture
def count_queries(app: Any) -> Any:
    """Context manager counting SQL statements: `with count_queries() as n: ...; n()`."""
    engine = app.extensions["chamber.db"].engine

    @contextlib.contextmanager
    def counter() -> Iterator[Any]:
        statements: list[str] = []

        def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO")):
                statements.append(statement)

        event.listen(engine, "before_cursor_execute", before)
        try:
            yield lambda: len(statements)
        finally:
            event.remove(engine, "before_cursor_execute", before)

    return counter


# --- factories -------------------------------------------------------------------------

@pytest.fixture
def create_user(db: Session) -> Any:
    def make(**overrides: Any) -> User:
        n = next(_seq)
        fields = {"email": f"user{n}@example.com", "display_name": f"User {n}", "password_hash": _PASSWORD_HASH}
        fields.update(overrides)
        user = User(**fields)
        db.add(user)
        db.commit()
        return user

    return make


@pytest.fixture
def create_chamber(db: Session, create_user: Any) -> Any:
    def make(organizer: User | None = None, **overrides: Any) -> Chamber:
        from chamber.chambers.operations import create_chamber as op

        n = next(_seq)
        organizer = organizer or create_user()
        fields = {"slug": f"chamber-{n}", "name": f"Chamber {n}", "kind": "regional", "region": "Hangzhou",
                  "currency": "CNY", "timezone": "Asia/Shanghai", "description": ""}
        fields.update(overrides)
        chamber = op(db, organizer, **fields)
        db.commit()
        chamber.organizer = organizer  # type: ignore[attr-defined]
        return chamber

    return make


@pytest.fixture
def create_member(db: Session, create_user: Any, create_chamber: Any) -> Any:
    def make(chamber: Chamber | None = None, user: User | None = None, tier: str = "micro", **overrides: Any) -> Member:
        n = next(_seq)
        chamber = chamber or create_chamber()
        user = user or create_user()
        tier_row = db.scalar(select(Tier).where(Tier.chamber_id == chamber.id, Tier.key == tier))
        fields = {
            "business_name": f"商户 {n}", "uscc": make_uscc(f"91330106MA{n:07d}"), "contact_name": f"联系人 {n}",
            "phone": f"1380000{n:04d}", "shop_url": "", "annual_revenue_minor": 100_000_00, "status": "approved",
            "tier_id": tier_row.id if tier_row else None,
        }
        fields.update(overrides)
        if fields["status"] != "approved" and "tier_id" not in overrides:
            fields["tier_id"] = None
        member = Member(chamber_id=chamber.id, user_id=user.id, **fields)
        db.add(member)
        db.commit()
        return member

    return make


@pytest.fixture
def token_for(db: Session) -> Any:
    """Bearer headers for a user: token_for(user) -> {"Authorization": ...}.

    A factory: the row is written directly, so tests that make many tokens for one user (hypothesis
    examples) are not stopped by the cap on active tokens, which has its own tests.
    """
    from chamber.tokens import hash_token, new_token_secret

    def make(user: User) -> dict[str, str]:
        secret = new_token_secret()
        db.add(ApiToken(user_id=user.id, name="test", token_hash=hash_token(secret), prefix=secret[:10]))
        db.commit()
        return {"Authorization": f"Bearer {secret}"}

    return make


@pytest.fixture
def login(client: Any) -> Any:
    """Log a user in on the test client (through the real login form)."""

    def do(user: User, password: str = PASSWORD) -> Any:
        resp = client.post("/login", data={"email": user.email, "password": password})
        assert resp.status_code == 302, resp.text
        return resp

    return do


def count_rows(session: Session, model: Any, *where: Any) -> int:
    """How many rows of model (optionally filtered)."""
    from sqlalchemy import func

    return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


# --- a world of two chambers, for walking every route -----------------------------------

@pytest.fixture
def world(create_chamber: Any, create_member: Any, create_user: Any, token_for: Any, app: Any, db: Session) -> dict[str, Any]:
    """Chamber B with an organizer, a member and a locked campaign with a payment and a receipt;
    an outsider who is a member of chamber A only. params fills every URL parameter of the app."""
    import datetime as dt

    from campaigns import operations as campaign_ops

    chamber_a = create_chamber()
    chamber_b = create_chamber()
    outsider = create_member(chamber=chamber_a).user
    member_b = create_member(chamber=chamber_b)
    create_member(chamber=chamber_b, status="pending")
    now = dt.datetime.now(dt.timezone.utc)
    campaign = campaign_ops.create_campaign(
        db, chamber_b, chamber_b.organizer, slug="double11", title="双十一", festival="double11", description="",
        starts_at=now + dt.timedelta(days=20), ends_at=now + dt.timedelta(days=30),
        optin_deadline=now + dt.timedelta(days=10), budget_minor=1000_00, method="equal", min_share_minor=None,
        max_share_pct=None, min_participants=None, min_pooled_minor=None,
    )
    campaign_ops.transition_campaign(db, campaign, "open", chamber_b.organizer)
    campaign_ops.opt_in(db, campaign, member_b, offer_headline="全场九折")
    campaign_ops.set_offer_image(db, campaign, member_b, image_bytes())
    campaign_ops.transition_campaign(db, campaign, "locked", chamber_b.organizer)
    payment = campaign_ops.record_payment(db, campaign, chamber_b.organizer, member_id=member_b.id, amount_minor=500_00,
                                          method="wechat_pay", reference="W1", paid_on=now.date())
    expense = campaign_ops.record_expense(db, campaign, chamber_b.organizer, payee="印刷厂", category="printing",
                                          amount_minor=100_00, receipt=PNG_BYTES)
    from chamber.trust import operations as trust_ops

    with app.app_context():
        complaint = trust_ops.submit_complaint(db, chamber_b, member_b, (campaign.id, campaign.title), category="quality",
                                               description="茶叶受潮了，商家不回复。", email="shopper@example.com",
                                               ip_hash="walk", evidence=image_bytes())
        review, review_token = trust_ops.submit_review(db, chamber_b, member_b, (campaign.id, campaign.title), rating=4,
                                                       text="好茶", email="shopper@example.com", ip_hash="walk")
        trust_ops.confirm_review(db, review_token)
    chamber_b.public_ledger = "names"  # its open books are public (the walk reaches them)
    from chamber.notifications.models import Webhook

    webhook = Webhook(chamber_id=chamber_b.id, name="群机器人", url="https://example.cn/hook", secret="s" * 32)
    db.add(webhook)
    db.commit()
    params: dict[str, Any] = {
        "slug": chamber_b.slug, "member_id": member_b.id, "token_id": 999_999, "filename": "css/chamber.css",
        "key": campaign.slug, "entry_id": payment.id, "receipt_id": expense.receipt_id,
        "user_id": chamber_b.organizer.id,  # the last organizer: removing them is refused
        "code": complaint.tracking_code, "token": review_token, "review_id": review.id, "complaint_id": complaint.id,
        "locale": "en", "webhook_id": webhook.id, "message_id": 999_999, "kind": "announcement",
    }
    people = {
        "anonymous": None,
        "outsider": outsider,
        "member": member_b.user,
        "organizer": chamber_b.organizer,
    }
    return {"params": params, "people": people, "chamber": chamber_b, "member": member_b, "campaign": campaign}


#: the smallest PNG: a receipt that passes the content check
PNG_BYTES = bytes.fromhex(  # a real 1×1 PNG (checksums right: uploads are decoded, not only sniffed)
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360606060000000050001a5f645400000000049454e44ae426082"
)


@pytest.fixture
def extra_world_params(world: dict[str, Any], db: Session) -> dict[str, Any]:
    """URL parameters of the feature packages' routes: a package whose tests have a world.py
    (tests/<package>/world.py) adds the rows it needs to the world there, with
    world_params(session, world) -> {parameter: value}."""
    import importlib

    from chamber import FEATURES

    params: dict[str, Any] = {}
    for name in FEATURES:
        module_name = f"tests.{name}.world"
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as err:
            if err.name not in (module_name, f"tests.{name}"):
                raise
            continue
        params.update(module.world_params(db, world))
    return params


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (8, 8)) -> bytes:
    """A small real image (evidence and offer pictures are checked by decoding them)."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 40)).save(out, fmt)
    return out.getvalue()
