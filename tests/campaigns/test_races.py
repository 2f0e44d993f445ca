"""Two people act at once: every state or money change is decided by one winner, the other gets 409.

Each pair of requests is fired from separate worker processes (spawned, each with its own app
and connections) released by one barrier, many rounds over, against committed data in a
database of their own (a fresh SQLite file, or a fresh schema of DATABASE_URL's PostgreSQL
database that is dropped afterwards). After each round the ledger must add up: one winner,
pledged = budget with each participant pledged once, paid = spent + refunded + carried +
available with nothing negative, and nothing available on a closed ledger.

On SQLite, BEGIN IMMEDIATE serialises the requests anyway; on PostgreSQL only the campaign's
row lock (and the unique indexes behind it) does.
"""
from __future__ import annotations

import datetime as dt
import itertools
import os
import uuid
from collections import Counter
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, text

from campaigns import operations as ops
from campaigns import queries
from campaigns.models import Campaign, LedgerEntry, Participation, RefundPayout
from chamber import create_app, migrate
from chamber.accounts.operations import create_token
from chamber.chambers.operations import create_chamber
from chamber.models import Chamber, Member, Tier, User
from chamber.rules import make_uscc
from tests.campaigns.racing import Racers, later
from tests.conftest import _PASSWORD_HASH
from tests.live import own_schema

#: rounds per pair (RACE_ROUNDS=50 for a longer hunt)
ROUNDS = int(os.environ.get("RACE_ROUNDS", "10"))
RACERS = 3
BUDGET = 300_00
_seq = itertools.count(1)


# --------------------------------------------------------------------------- the arena


class Arena:
    """A chamber in a database of its own: an organizer, four members (tokens for all), racers."""

    def __init__(self, url: str, instance: str, racers: Racers) -> None:
        self.racers = racers
        self.app = create_app({"TESTING": True, "DATABASE_URL": url, "INSTANCE_PATH": instance,
                               "SECRET_KEY": "race", "WTF_CSRF_ENABLED": False})
        self.Session = self.app.extensions["chamber.db"].sessionmaker
        tag = uuid.uuid4().hex[:8]
        with self.app.app_context(), self.Session() as s, s.begin():
            self.org = User(email=f"org-{tag}@race.example", display_name="组织者", password_hash=_PASSWORD_HASH)
            s.add(self.org)
            s.flush()
            chamber = create_chamber(s, self.org, slug=f"race-{tag}", name="并发商会", kind="regional",
                                     region="杭州", currency="CNY", timezone="Asia/Shanghai", description="")
            self.slug = chamber.slug
            self.chamber_id = chamber.id
            tier = s.scalar(select(Tier).where(Tier.chamber_id == chamber.id, Tier.key == "micro"))
            self.members: list[int] = []
            self.tokens: list[str] = []
            for i in range(4):
                user = User(email=f"m{i}-{tag}@race.example", display_name=f"商户{i}", password_hash=_PASSWORD_HASH)
                s.add(user)
                s.flush()
                member = Member(chamber_id=chamber.id, user_id=user.id, business_name=f"商户{i}",
                                uscc=make_uscc(f"91330106MA{i:07d}"), contact_name="联系人", phone="13800000000",
                                annual_revenue_minor=100_00, status="approved", tier_id=tier.id)
                s.add(member)
                s.flush()
                self.members.append(member.id)
                self.tokens.append(create_token(s, user, "race")[1])
            self.org_token = create_token(s, self.org, "race")[1]

    def campaign(self, status: str = "open", participants: tuple[int, ...] = (0, 1, 2), paid: int = 0,
                 spent: int = 0, deadline: dt.datetime | None = None) -> tuple[int, str]:
        """A committed campaign of BUDGET shared equally: (id, slug).

        status open/locked/live/ended; ``paid`` from each participant once locked, ``spent`` on one expense.
        """
        deadline = deadline or later(24 * 10)
        with self.app.app_context(), self.Session() as s, s.begin():
            chamber = s.get(Chamber, self.chamber_id)
            org = s.get(User, self.org.id)
            campaign = ops.create_campaign(
                s, chamber, org, slug=f"r{next(_seq)}", title="双十一", festival="double11", description="",
                optin_deadline=deadline, starts_at=deadline + dt.timedelta(days=10),
                ends_at=deadline + dt.timedelta(days=20), budget_minor=BUDGET, method="equal",
                min_share_minor=None, max_share_pct=None, min_participants=None, min_pooled_minor=None,
            )
            ops.transition_campaign(s, campaign, "open", org)
            for i in participants:
                ops.opt_in(s, campaign, s.get(Member, self.members[i]), offer_headline="九折")
            if status != "open":
                ops.transition_campaign(s, campaign, "locked", org)
                for i in participants if paid else ():
                    ops.record_payment(s, campaign, org, member_id=self.members[i], amount_minor=paid,
                                       method="alipay", paid_on=today())
                if spent:
                    ops.record_expense(s, campaign, org, payee="印刷厂", category="printing", amount_minor=spent)
                for step in ("live", "ended"):
                    if status in ("live", "ended") and (step == "live" or status == "ended"):
                        ops.transition_campaign(s, campaign, step, org)
            return campaign.id, campaign.slug

    def api(self, method: str, slug: str, tail: str, body: Any = None, token: str | None = None) -> tuple[Any, ...]:
        return ("api", method, f"/api/v1/chambers/{self.slug}/campaigns/{slug}{tail}", body, token or self.org_token)

    def move(self, slug: str, to: str, **extra: Any) -> tuple[Any, ...]:
        return self.api("POST", slug, "/transitions", {"to": to, **extra})

    def entry_id(self, campaign_id: int, entry_type: str) -> int:
        with self.Session() as s:
            return s.scalar(select(func.max(LedgerEntry.id)).where(
                LedgerEntry.campaign_id == campaign_id, LedgerEntry.entry_type == entry_type))

    def check(self, campaign_id: int) -> tuple[Campaign, Any]:
        """Assert the campaign's ledger adds up; (campaign, balances)."""
        with self.app.app_context(), self.Session() as s:
            campaign = s.get(Campaign, campaign_id)
            b = queries.balances(s, campaign)
            participants = sorted(s.scalars(select(Participation.member_id).where(
                Participation.campaign_id == campaign_id)))
            pledges = s.execute(select(LedgerEntry.member_id, LedgerEntry.amount_minor).where(
                LedgerEntry.campaign_id == campaign_id, LedgerEntry.entry_type == "pledge")).all()
            per_type = Counter(s.scalars(select(LedgerEntry.entry_type).where(LedgerEntry.campaign_id == campaign_id)))
            refunded_members = list(s.scalars(select(LedgerEntry.member_id).where(
                LedgerEntry.campaign_id == campaign_id, LedgerEntry.entry_type == "refund")))
            # the balances again, straight from the rows: every amount by type, reversals netted
            raw = dict(s.execute(text(
                "SELECT e.entry_type, SUM(CASE WHEN r.id IS NULL THEN e.amount_minor ELSE 0 END) "
                "FROM ledger_entries e LEFT JOIN ledger_entries r ON r.reverses_id = e.id "
                "WHERE e.campaign_id = :c GROUP BY e.entry_type"), {"c": campaign_id}).all())
        was_locked = campaign.locked_at is not None
        if was_locked:
            assert sorted(m for m, _a in pledges) == participants, "each participant pledged exactly once"
            assert sum(a for _m, a in pledges) == campaign.budget_minor == b.pledged, "pledged = budget"
        else:
            assert pledges == [], "no pledges before the lock"
        paid, spent = raw.get("payment", 0), raw.get("expense", 0)
        refunded, carried = raw.get("refund", 0), raw.get("carry_to_fund", 0)
        assert (b.paid, b.spent, b.refunded, b.carried) == (paid, spent, refunded, carried)
        assert min(paid, spent, refunded, carried, b.available) >= 0
        assert all(b.member_paid.get(m, 0) <= b.member_share.get(m, 0) for m in b.member_paid), "nobody overpaid"
        assert len(refunded_members) == len(set(refunded_members)), "one refund per member"
        assert per_type["carry_to_fund"] <= 1, "one carry to the fund"
        assert not (per_type["carry_to_fund"] and refunded_members and campaign.status == "settled"), \
            "settled one way only"
        if campaign.status in ("settled", "cancelled"):
            assert b.available == 0, f"nothing available on a closed ledger ({campaign.status})"
        return campaign, b


def today() -> dt.date:
    return dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()


@pytest.fixture(scope="module")
def arena(tmp_path_factory: pytest.TempPathFactory) -> Any:
    instance = tmp_path_factory.mktemp("race")
    with own_schema(instance, "race") as url:
        racers = Racers(url, str(instance), RACERS)  # they start up while the database is prepared
        try:
            migrate.upgrade(url)
            arena = Arena(url, str(instance), racers)
            try:
                yield arena
            finally:
                arena.app.extensions["chamber.db"].engine.dispose()
        finally:
            racers.close()


def statuses(results: list[tuple[Any, str]]) -> list[Any]:
    return [r[0] for r in results]


def assert_second_told(results: list[tuple[Any, str]], *words: str) -> None:
    """Every refused request got 409 with a message saying why."""
    for status, message in results:
        if status == 409:
            assert message, "a 409 says why"
            if words:
                assert any(w in message for w in words), message


def rounds() -> range:
    return range(ROUNDS)


# --------------------------------------------------------------------------- transition × transition


def test_lock_pressed_three_times_at_once_pledges_once(arena: Arena) -> None:
    for _ in rounds():
        cid, slug = arena.campaign("open")
        results = arena.racers.race(*[arena.move(slug, "locked")] * 3)
        assert sorted(statuses(results)) == [200, 409, 409], results
        assert_second_told(results)
        campaign, _b = arena.check(cid)
        assert campaign.status == "locked"


def test_lock_double_click_on_the_page_pledges_once(arena: Arena) -> None:
    for _ in rounds():
        cid, slug = arena.campaign("open")
        path = f"/chambers/{arena.slug}/manage/campaigns/{slug}/transition"
        results = arena.racers.race(*[("page", arena.org.email, path, {"to": "locked", "confirmed": "yes"})] * 2)
        assert sorted(statuses(results)) == [302, 409], results
        arena.check(cid)


def test_cancel_twice_at_once_refunds_once(arena: Arena) -> None:
    for _ in rounds():
        cid, slug = arena.campaign("locked", paid=60_00, spent=50_00)
        results = arena.racers.race(*[arena.move(slug, "cancelled", reason="雨天")] * 2)
        assert sorted(statuses(results)) == [200, 409], results
        campaign, b = arena.check(cid)
        assert campaign.status == "cancelled" and b.refunded == 3 * 60_00 - 50_00


def test_live_twice_at_once_has_one_winner(arena: Arena) -> None:
    for _ in rounds():
        cid, slug = arena.campaign("locked")
        results = arena.racers.race(arena.move(slug, "live"), arena.move(slug, "live"))
        assert sorted(statuses(results)) == [200, 409], results
        assert_second_told(results, "live", "进行")
        assert arena.check(cid)[0].status == "live"


def test_settle_refund_and_settle_carry_at_once_settle_one_way(arena: Arena) -> None:
    for n in rounds():
        cid, slug = arena.campaign("ended", paid=100_00, spent=120_00)
        refund = arena.api("POST", slug, "/settlement", {"mode": "refund"})
        carry = arena.move(slug, "settled", mode="carry")
        results = arena.racers.race(*((refund, carry) if n % 2 else (carry, refund)))
        assert sorted(statuses(results)) == [200, 409], results
        campaign, b = arena.check(cid)
        assert campaign.status == "settled"
        assert (b.refunded, b.carried) == ((180_00, 0) if campaign.settlement_mode == "refund" else (0, 180_00))


# --------------------------------------------------------------------------- transition × money


def test_cancel_racing_a_payment_leaves_nothing_on_the_closed_ledger(arena: Arena) -> None:
    for _ in rounds():
        cid, slug = arena.campaign("locked", paid=50_00)
        pay = arena.api("POST", slug, "/payments", {"member_id": arena.members[0], "amount": "50.00",
                                                     "method": "wechat_pay", "reference": "", "paid_on": today().isoformat()})
        results = arena.racers.race(arena.move(slug, "cancelled"), pay)
        assert results[0][0] == 200 and results[1][0] in (201, 409), results
        assert_second_told(results)
        _campaign, b = arena.check(cid)
        assert b.refunded == b.paid == 150_00 + (50_00 if results[1][0] == 201 else 0)


def test_cancel_racing_an_expense(arena: Arena) -> None:
    for _ in rounds():
        cid, slug = arena.campaign("live", paid=100_00)
        spend = arena.api("POST", slug, "/expenses", {"payee": "广告", "category": "ads", "amount": "40.00",
                                                      "description": ""})
        results = arena.racers.race(arena.move(slug, "cancelled"), spend)
        assert results[0][0] == 200 and results[1][0] in (201, 409), results
        _campaign, b = arena.check(cid)
        assert b.spent == (40_00 if results[1][0] == 201 else 0)


def test_cancel_racing_a_reversal(arena: Arena) -> None:
    for _ in rounds():
        cid, slug = arena.campaign("locked", paid=100_00, spent=70_00)
        expense = arena.entry_id(cid, "expense")
        reverse = arena.api("POST", slug, f"/ledger/{expense}/reversal", {"reason": "记错了"})
        results = arena.racers.race(reverse, arena.move(slug, "cancelled"))
        assert results[1][0] == 200 and results[0][0] in (201, 409), results
        _campaign, b = arena.check(cid)
        assert b.spent == (0 if results[0][0] == 201 else 70_00)


def test_settle_racing_a_payment(arena: Arena) -> None:
    for _ in rounds():
        cid, slug = arena.campaign("ended", paid=40_00, spent=30_00)
        pay = arena.api("POST", slug, "/payments", {"member_id": arena.members[1], "amount": "60.00",
                                                     "method": "alipay", "reference": "", "paid_on": today().isoformat()})
        results = arena.racers.race(pay, arena.api("POST", slug, "/settlement", {"mode": "refund"}))
        assert results[1][0] == 200 and results[0][0] in (201, 409), results
        campaign, b = arena.check(cid)
        assert campaign.status == "settled" and b.refunded == b.paid - 30_00


def test_one_entry_reversed_twice_at_once_is_reversed_once(arena: Arena) -> None:
    for _ in rounds():
        cid, slug = arena.campaign("locked", paid=100_00)
        payment = arena.entry_id(cid, "payment")
        reverse = arena.api("POST", slug, f"/ledger/{payment}/reversal", {"reason": "重复"})
        results = arena.racers.race(reverse, reverse)
        assert sorted(statuses(results)) == [201, 409], results
        _campaign, b = arena.check(cid)
        assert b.paid == 200_00


# --------------------------------------------------------------------------- lock × participants, edit × lock


def test_lock_racing_an_opt_in(arena: Arena) -> None:
    for n in rounds():
        cid, slug = arena.campaign("open", participants=(0, 1))
        join = arena.api("PUT", slug, "/participation", {"offer_headline": "满百减十"}, token=arena.tokens[2])
        results = arena.racers.race(*((join, arena.move(slug, "locked")) if n % 2 else (arena.move(slug, "locked"), join)))
        assert sorted(statuses(results)) in ([200, 200], [200, 409]), results
        campaign, _b = arena.check(cid)
        assert campaign.status == "locked"


def test_lock_racing_a_withdrawal(arena: Arena) -> None:
    for _ in rounds():
        cid, slug = arena.campaign("open", participants=(0, 1, 2))
        leave = arena.api("DELETE", slug, "/participation", None, token=arena.tokens[2])
        results = arena.racers.race(leave, arena.move(slug, "locked"))
        assert results[1][0] == 200 and results[0][0] in (204, 409), results
        arena.check(cid)


def test_edit_racing_lock_pledges_the_budget_in_force(arena: Arena) -> None:
    for _ in rounds():
        cid, slug = arena.campaign("open")
        with arena.Session() as s:
            c = s.get(Campaign, cid)
            tz = ZoneInfo("Asia/Shanghai")
            body = {
                "slug": slug, "title": "双十一", "festival": "double11", "description": "",
                "starts_at": c.starts_at.astimezone(tz).isoformat(), "ends_at": c.ends_at.astimezone(tz).isoformat(),
                "optin_deadline": c.optin_deadline.astimezone(tz).isoformat(), "budget": "5000.00",
                "apportionment": {"method": "equal", "min_share": None, "max_share_pct": None},
            }
        results = arena.racers.race(arena.api("PUT", slug, "", body), arena.move(slug, "locked"))
        assert results[1][0] == 200 and results[0][0] in (200, 409), results
        campaign, _b = arena.check(cid)
        assert campaign.budget_minor == (5000_00 if results[0][0] == 200 else BUDGET)


# --------------------------------------------------------------------------- the scheduler × a person


def test_scheduler_lock_racing_a_manual_lock(arena: Arena) -> None:
    for _ in rounds():
        deadline = later(1)
        cid, slug = arena.campaign("open", deadline=deadline)
        tick = ("advance", deadline + dt.timedelta(seconds=1))
        results = arena.racers.race(tick, arena.move(slug, "locked"))
        assert (results[0][1] == "1") + (results[1][0] == 200) == 1, results
        campaign, _b = arena.check(cid)
        assert campaign.status == "locked"


def test_scheduler_lock_racing_a_manual_cancel(arena: Arena) -> None:
    for _ in rounds():
        deadline = later(1)
        cid, slug = arena.campaign("open", deadline=deadline)
        tick = ("advance", deadline + dt.timedelta(seconds=1))
        results = arena.racers.race(arena.move(slug, "cancelled"), tick)
        assert results[0][0] == 200, results  # open or locked, it can be cancelled
        campaign, _b = arena.check(cid)
        assert campaign.status == "cancelled"


# --------------------------------------------------------------------------- owing: write-offs and payouts


def test_write_off_racing_the_last_payment_never_covers_a_share_twice(arena: Arena) -> None:
    for _ in rounds():
        cid, slug = arena.campaign("ended", paid=40_00)
        share = BUDGET // 3
        member = arena.members[1]
        pay = arena.api("POST", slug, "/payments", {"member_id": member, "amount": f"{(share - 40_00) / 100:.2f}",
                                                     "method": "cash", "reference": "", "paid_on": today().isoformat()})
        write_off = arena.api("POST", slug, "/write-offs", {"member_id": member, "reason": "歇业"})
        results = arena.racers.race(pay, write_off)
        assert sorted(statuses(results)) == [201, 409], results
        assert_second_told(results, "owes nothing", "still owes", "没有欠款", "待缴")
        _campaign, b = arena.check(cid)
        assert b.member_paid[member] + b.member_written_off.get(member, 0) == b.member_share[member]
        assert b.outstanding(member) == 0


def test_one_refund_paid_back_twice_at_once_is_recorded_once(arena: Arena) -> None:
    for _ in rounds():
        cid, slug = arena.campaign("ended", paid=40_00, spent=30_00)
        with arena.app.app_context(), arena.Session() as s, s.begin():
            campaign = s.get(Campaign, cid)
            ops.settle_campaign(s, campaign, "refund", s.get(User, arena.org.id))
        refund = arena.entry_id(cid, "refund")
        payout = arena.api("POST", slug, f"/ledger/{refund}/payout",
                           {"method": "wechat_pay", "reference": "R1", "paid_on": today().isoformat()})
        results = arena.racers.race(payout, payout)
        assert sorted(statuses(results)) == [201, 409], results
        assert_second_told(results)
        with arena.Session() as s:
            assert s.scalar(select(func.count(RefundPayout.id)).where(RefundPayout.refund_id == refund)) == 1


def test_a_merchant_putting_two_offer_pictures_at_once_keeps_exactly_one(arena: Arena) -> None:
    import io

    from PIL import Image

    from campaigns.models import OfferImage

    pictures = []
    for colour in ((200, 30, 40), (30, 200, 40), (30, 40, 200)):
        out = io.BytesIO()
        Image.new("RGB", (8, 8), colour).save(out, "PNG")
        pictures.append(out.getvalue())
    for _ in range(4 * ROUNDS):  # a short request: more rounds to meet the window (10 missed it once without the lock)
        cid, slug = arena.campaign("open")
        path = f"/api/v1/chambers/{arena.slug}/campaigns/{slug}/participation/image"
        token = arena.tokens[0]
        results = arena.racers.race(*[("upload", "PUT", path, {"image": (p, "p.png")}, token) for p in pictures])
        assert statuses(results) == [200, 200, 200], results  # each a replacement of the one picture
        with arena.Session() as s:
            kept = s.scalars(select(OfferImage.data).where(OfferImage.campaign_id == cid)).all()
        assert len(kept) == 1 and kept[0] in pictures
