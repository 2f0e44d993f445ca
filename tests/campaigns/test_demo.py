"""`make run` loads campaigns in every state with realistic content, dated relative to today."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from campaigns import demo
from campaigns.models import Campaign, LedgerEntry, Participation, RefundPayout
from campaigns.public_demo import LIVE_SLUG
from campaigns.rules import ledger_balances
from chamber import create_app
from chamber.db import utcnow


def test_demo_has_every_campaign_state(tmp_path):
    url = f"sqlite:///{tmp_path / 'demo.sqlite'}"
    app = create_app({"INSTANCE_PATH": str(tmp_path), "DATABASE_URL": url, "SECRET_KEY": "x"})
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    result = runner.invoke(args=["demo-data"])
    assert result.exit_code == 0, result.output
    now = utcnow()
    with app.extensions["chamber.db"].sessionmaker() as s:
        campaigns = {c.slug: c for c in s.scalars(select(Campaign))}

        def entries(slug):
            return s.scalars(select(LedgerEntry).where(LedgerEntry.campaign_id == campaigns[slug].id)).all()

        assert campaigns[demo.DEMO_CAMPAIGN_SLUG].status == "draft"

        opened = campaigns[demo.OPEN_SLUG]
        assert opened.status == "open" and opened.optin_deadline > now
        offers = s.scalars(select(Participation.offer_headline).where(Participation.campaign_id == opened.id)).all()
        assert len(offers) >= 12
        assert any("满" in o and "减" in o for o in offers)  # 满减
        assert any("折" in o for o in offers)  # 折扣
        assert any("送" in o or "赠" in o for o in offers)  # 赠品

        live = campaigns[LIVE_SLUG]
        assert live.status == "live" and live.starts_at <= now < live.ends_at
        ledger = entries(LIVE_SLUG)
        assert {e.method for e in ledger if e.entry_type == "payment"} >= {"wechat_pay", "alipay", "bank_transfer"}
        assert any(e.entry_type == "expense" and e.receipt_id for e in ledger)
        assert any(e.entry_type == "reversal" and e.reason for e in ledger)

        settled = campaigns[demo.SETTLED_SLUG]
        assert settled.status == "settled" and settled.settlement_mode == "refund" and settled.ends_at < now
        ledger = entries(demo.SETTLED_SLUG)
        refunds = [e for e in ledger if e.entry_type == "refund"]
        assert refunds and any(e.entry_type == "write_off" and e.reason for e in ledger)
        assert s.scalar(select(RefundPayout.id).where(RefundPayout.campaign_id == settled.id))
        b = ledger_balances([(e.entry_type, e.member_id, e.amount_minor, None) for e in ledger])
        assert b.available == 0 and b.refunded > 0

        cancelled = campaigns[demo.CANCELLED_SLUG]
        assert cancelled.status == "cancelled" and cancelled.cancelled_at == cancelled.optin_deadline < now
        # says why: too few merchants for its go/no-go minimum
        assert cancelled.cancel_reason == "只有 3 家商户报名；该活动至少需要 8 家。"

        # dates follow today: everything is within a few months of now
        for c in campaigns.values():
            assert abs(c.starts_at - now) < dt.timedelta(days=90), c.slug
    app.extensions["chamber.db"].engine.dispose()
