"""Demo data of the pricing alliance: a catalogue, an open 中秋 tea campaign with an adopted alliance
price, an open proposal, listed prices (one of them breaking the band), demand and a supplier price."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

from flask import current_app, g, has_app_context, has_request_context
from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns import operations as campaign_ops
from campaigns.demo import offer_for
from chamber.db import utcnow
from chamber.models import Chamber, Member, Organizer, User

from . import operations as ops

DEMO_CAMPAIGN_SLUG = "mid-autumn-tea-demo"
CATALOGUE = (
    ("明前龙井", "250g", "茶叶", 298_00),
    ("安吉白茶", "100g", "茶叶", 158_00),
    ("西湖藕粉", "500g", "食品", 68_00),
    ("青瓷茶杯", "2只装", "茶具", None),
    ("桂花糕礼盒", "8枚", "食品", 88_00),
)


def load_demo(session: Session, chamber: Chamber) -> None:
    """The catalogue, and an open campaign in which the merchants agreed 明前龙井 at ¥268.00 and vote on 安吉白茶."""
    organizer = session.scalar(
        select(User).join(Organizer, Organizer.user_id == User.id).where(Organizer.chamber_id == chamber.id)
        .order_by(Organizer.id).limit(1))
    members = list(session.scalars(select(Member).where(Member.chamber_id == chamber.id, Member.status == "approved")
                                   .order_by(Member.id).limit(6)))
    if organizer is None or len(members) < 3:
        return
    if has_app_context() and not has_request_context():  # the CLI: notices in the app's default language
        g.setdefault("force_locale", current_app.config.get("BABEL_DEFAULT_LOCALE", "zh_CN"))
    products = [ops.create_product(session, chamber, name=n, unit=u, category=c, reference_price_minor=r)
                for n, u, c, r in CATALOGUE]
    tea, white, _lotus, cups, _cake = products
    now = utcnow().replace(second=0, microsecond=0)
    campaign = campaign_ops.create_campaign(
        session, chamber, organizer, slug=DEMO_CAMPAIGN_SLUG, title="中秋茶礼联合促销（示例）", festival="mid_autumn",
        description="示例活动：统一联盟价，联合采购龙井。Demo campaign with alliance prices and a joint purchase.",
        optin_deadline=now + dt.timedelta(days=21), starts_at=now + dt.timedelta(days=25),
        ends_at=now + dt.timedelta(days=32), budget_minor=6000_00, method="equal", min_share_minor=None,
        max_share_pct=None, min_participants=None, min_pooled_minor=None)
    campaign_ops.transition_campaign(session, campaign, "open", organizer, now=now - dt.timedelta(days=3))
    for member in members:
        headline, details = offer_for(member, ("中秋茶礼满300减40", ""))
        campaign_ops.opt_in(session, campaign, member, offer_headline=headline, offer_details=details,
                            now=now - dt.timedelta(days=3))
    ops.update_settings(session, chamber, weighting="member", quorum=Fraction(1, 2),
                        threshold=Fraction(2, 3), lookback_days=7, max_markup_pct=Decimal(55))
    ops.set_supplier_price(session, campaign, tea, unit_price_minor=195_00, supplier="梅家坞茶厂",
                           tiers=[(50, 185_00), (100, 178_00)], delivery_notes="中秋前一周送到商会仓库（文三路）")
    ops.set_supplier_price(session, campaign, cups, unit_price_minor=36_00, supplier="龙泉青瓷坊", tiers=[],
                           delivery_notes="")
    # 明前龙井: proposed two days ago, every participant voted, closed by the organizer: adopted
    adopted = ops.propose_price(session, campaign, organizer, tea, price_minor=268_00, floor_minor=258_00,
                                ceiling_minor=273_00, closes_at=now + dt.timedelta(days=1),
                                now=now - dt.timedelta(days=2))
    for i, member in enumerate(members):
        ops.cast_vote(session, adopted, member, "reject" if i == len(members) - 1 else "approve",
                      now=now - dt.timedelta(days=1))
    ops.close_proposal(session, adopted, organizer, now=now - dt.timedelta(hours=20))
    # 安吉白茶: open for votes for two more days, two votes so far
    white_proposal = ops.propose_price(session, campaign, organizer, white, price_minor=148_00, floor_minor=None,
                                       ceiling_minor=None, closes_at=now + dt.timedelta(days=2),
                                       now=now - dt.timedelta(hours=5))
    for member in members[1:3]:
        ops.cast_vote(session, white_proposal, member, "approve", now=now - dt.timedelta(hours=4))
    # listed prices: most keep to the band; one merchant sells below it
    for i, member in enumerate(members):
        ops.list_price(session, campaign, member, tea, price_minor=288_00, now=now - dt.timedelta(days=10))
        ops.list_price(session, campaign, member, tea, price_minor=(238_00 if i == 2 else 268_00),
                       original_price_minor=288_00, now=now - dt.timedelta(hours=12))
        ops.set_demand(session, campaign, member, tea, 10 + 5 * i)
