"""Demo data for shoppers: a live 双十一 campaign with offers, payments, reviews, complaints and scores."""

from __future__ import annotations

import datetime as dt

from flask import has_app_context
from sqlalchemy import select
from sqlalchemy.orm import Session

from chamber.db import utcnow
from chamber.models import Chamber, Member, Organizer, User
from chamber.trust import operations as trust_ops
from chamber.trust.models import Review

from . import operations as ops
from . import queries
from .demo import offer_for
from .rules import PAYMENT_METHODS

LIVE_SLUG = "double11-live"
OFFERS = [
    ("满200减30", "明前龙井 250g 礼盒，顺丰包邮"),
    ("第二件半价", "手工桂花糕，当天现做"),
    ("全场九折", "丝绸围巾，支持七天无理由退换"),
    ("买二送一", "杭白菊 100g，产地直发"),
    ("满300减50", "竹编收纳，手工制作"),
    ("新客立减20", "西湖藕粉，冲泡即食"),
]
REVIEWS = [
    (0, 5, "茶很香，包装也好，发货很快。"),
    (0, 4, "味道不错，比超市便宜。"),
    (0, 5, "第二次买了，一如既往。"),
    (1, 5, "桂花糕很新鲜，家里老人很喜欢。"),
    (1, 3, "有点甜，但分量足。"),
    (2, 4, "围巾手感很好，颜色和图片一致。"),
    (3, 2, "发货慢了三天，香薰味道还行。"),
]


def _receipt_png(lines: list[str]) -> bytes:
    from .demo import _receipt_png as draw

    return draw(lines)


def load_live_campaign(session: Session, chamber: Chamber) -> None:
    """The live campaign the public page shows, with the trust data around it (needs an app context)."""
    organizer = session.scalar(
        select(User)
        .join(Organizer, Organizer.user_id == User.id)
        .where(Organizer.chamber_id == chamber.id)
        .order_by(Organizer.id)
        .limit(1)
    )
    members = list(
        session.scalars(
            select(Member)
            .where(Member.chamber_id == chamber.id, Member.status == "approved")
            .order_by(Member.id)
            .limit(len(OFFERS))
        )
    )
    if organizer is None or len(members) < len(OFFERS) or not has_app_context():
        return
    for i, member in enumerate(members):
        member.wechat_id = member.wechat_id or f"xihu_shop{i + 1:02d}"
    chamber.public_ledger = "names"
    now = utcnow().replace(second=0, microsecond=0)
    campaign = ops.create_campaign(
        session,
        chamber,
        organizer,
        slug=LIVE_SLUG,
        title="双十一西湖好物节",
        festival="double11",
        description="西湖区商户联合促销：认证商户、联盟价、账目公开。West Lake merchants' joint Double 11 sale.",
        optin_deadline=now + dt.timedelta(hours=1),
        starts_at=now + dt.timedelta(hours=2),
        ends_at=now + dt.timedelta(days=10),
        budget_minor=6000_00,
        method="tier",
        min_share_minor=None,
        max_share_pct=None,
        min_participants=None,
        min_pooled_minor=None,
    )
    ops.transition_campaign(session, campaign, "open", organizer, now=now)
    for member, fallback in zip(members, OFFERS, strict=False):
        headline, details = offer_for(member, fallback)
        ops.opt_in(session, campaign, member, offer_headline=headline, offer_details=details, now=now)
    ops.transition_campaign(session, campaign, "locked", organizer, now=now)
    shares = {row["member_id"]: row for row in queries.compute_shares(session, campaign)}
    for n, member in enumerate(members[:-1]):  # the last one has not paid yet
        share = shares[member.id]
        amount = int(share.get("share_minor") or 0)
        if amount:
            ops.record_payment(
                session,
                campaign,
                organizer,
                member_id=member.id,
                amount_minor=amount,
                method=PAYMENT_METHODS[n % len(PAYMENT_METHODS)],
                reference=f"SY11-{n + 1:03d}" if PAYMENT_METHODS[n % len(PAYMENT_METHODS)] != "cash" else "",
                paid_on=now.date(),
                now=now,
            )
    # a payment of the last merchant recorded by mistake (it was another shop's transfer), then reversed
    mistaken = ops.record_payment(
        session, campaign, organizer, member_id=members[-1].id, amount_minor=100_00, method="alipay",
        reference="SY11-ERR", paid_on=now.date(), now=now,
    )
    ops.reverse_entry(session, campaign, mistaken, organizer, reason="误记：这笔转账是另一家店铺的货款，已退回对方。",
                      now=now)
    ops.record_expense(
        session,
        campaign,
        organizer,
        payee="西湖印务",
        category="printing",
        amount_minor=800_00,
        description="海报和传单",
        receipt=_receipt_png(["Xihu Printing Co. / Xihu Yinwu", "Posters x300, flyers x2000", "Total CNY 800.00"]),
    )
    ops.transition_campaign(session, campaign, "live", organizer)
    ref = (campaign.id, campaign.title)
    for n, (index, rating, text) in enumerate(REVIEWS):
        _review, token = trust_ops.submit_review(
            session,
            chamber,
            members[index],
            ref,
            rating=rating,
            text=text,
            email=f"shopper{n}@example.cn",
            ip_hash=f"demo{n}",
        )
        trust_ops.confirm_review(session, token)
    first = session.scalar(
        select(Review).where(
            Review.chamber_id == chamber.id, Review.member_id == members[3].id
        )
    )
    if first is not None:
        trust_ops.reply_to_review(session, first, "抱歉！双十一单量大，已加派人手，再次购买送小样。")
    resolved = trust_ops.submit_complaint(
        session,
        chamber,
        members[3],
        ref,
        category="not_delivered",
        description="付款五天了还没有发货，客服不回消息。",
        email="buyer1@example.cn",
        ip_hash="demo-c1",
    )
    trust_ops.respond_to_complaint(session, resolved, "快递漏揽收，已补发顺丰，单号 SF1234567890。", members[3].user)
    trust_ops.decide_complaint(session, resolved, "resolved", "商户已补发并赠送小样，消费者同意。", organizer)
    trust_ops.submit_complaint(
        session,
        chamber,
        members[4],
        ref,
        category="false_advertising",
        description="页面写的是手工制作，收到的像是机器压制的。",
        email="buyer2@example.cn",
        ip_hash="demo-c2",
    )
    trust_ops.recompute_credit(session, chamber.id)
