"""Demo data of the campaigns package: campaigns in every state, dated relative to today.

- a draft (双十二) for the organizer to open;
- one open for opt-in with a dozen offers (满减, 折扣, 赠品), which the demo member has not joined yet,
  so that logging in as member@xihu.example shows what joining would cost;
- one live with its ledger (campaigns/public_demo.py, the shoppers' page): payments by WeChat Pay,
  Alipay, bank transfer and cash, an expense with a receipt, a payment recorded twice and reversed;
- one settled a month ago: a write-off, refunds in proportion to payments, one of them paid back;
- one cancelled by the clock at its go/no-go deadline (too few merchants joined);
- the chamber's collection details (an account and a WeChat Pay QR code), so members see how to pay.
"""
from __future__ import annotations

import datetime as dt
import io

from sqlalchemy import select
from sqlalchemy.orm import Session

from chamber.db import utcnow
from chamber.models import Chamber, Member, Organizer, User

from . import operations as ops
from . import queries
from .models import LedgerEntry
from .rules import PAYMENT_METHODS

DEMO_CAMPAIGN_SLUG = "double12-demo"
OPEN_SLUG = "nianhuo-open"
SETTLED_SLUG = "mid-autumn-settled"
CANCELLED_SLUG = "womens-day-cancelled"

#: the open campaign's offers: 满减 (spend and save), 折扣 (discounts), 赠品 (gifts)
OPEN_OFFERS = [
    ("满199减30", "年货礼盒满199元立减30元，可与会员价同享"),
    ("满299减50", "全店满299元减50元，顺丰包邮"),
    ("满100减15", "茶点小食满100元减15元"),
    ("满500减100", "整箱年货满500元减100元，送货上门"),
    ("全场8.8折", "春节前全场商品8.8折"),
    ("第二件半价", "同款第二件半价，手工糕点当天现做"),
    ("会员9折", "商会会员店铺通用，出示活动页面即可"),
    ("新客立减20", "首次下单立减20元"),
    ("买一送一", "杭白菊买一送一，送完即止"),
    ("满300送红包", "满300元送西湖主题红包一套"),
    ("赠手写春联", "每单赠书法老师手写春联一副"),
    ("满200送福袋", "满200元送新春福袋（内含小样三件）"),
]


#: each demo merchant's own offer (chamber/demo.py MERCHANTS), so that every campaign shows offers that fit the
#: shop: tea for the tea shops, seafood for the group-buy, clothes for the boutique
SHOP_OFFERS: dict[str, tuple[str, str]] = {
    "杭州西溪龙井茶叶工作室": ("明前龙井满200减30", "明前龙井 250g 礼盒，顺丰包邮"),
    "西湖区小满手作烘焙坊": ("第二件半价", "手工桂花糕、月饼同款第二件半价，当天现做"),
    "杭州丝语真丝围巾店": ("真丝围巾全场9折", "真丝围巾、披肩，支持七天无理由退换"),
    "杭州桂语香氛工作室": ("香薰蜡烛买二送一", "桂花香薰蜡烛，手工调香"),
    "西湖区阿婆土布鞋铺": ("手工布鞋满150减20", "老粗布手工布鞋，可按脚码定做"),
    "杭州茶语山房茶具店": ("茶具满300减50", "青瓷盖碗、公道杯，每单赠茶巾一条"),
    "杭州青芽母婴优选": ("母婴用品满199减30", "纸尿裤、辅食满199元立减30元，可与会员价同享"),
    "西湖区鲜果时光水果店": ("水果满100减15", "应季水果满100元减15元，三公里内送货上门"),
    "杭州拾光手账文具店": ("手账本第二本半价", "新年手账本同款第二本半价"),
    "杭州云栖花艺工作室": ("鲜花满99减10", "年宵花、鲜花花束满99元减10元"),
    "杭州御茶园龙井合作社": ("龙井礼盒8.8折", "合作社自产龙井礼盒8.8折"),
    "西湖区老杭州葱包烩": ("葱包烩买五送一", "现做葱包烩，买五份送一份"),
    "杭州织锦旗袍定制": ("旗袍定制9折", "织锦旗袍量身定制9折，出示活动页面即可"),
    "杭州山间蜂蜜农场店": ("蜂蜜满300送蜂王浆", "农场自产蜂蜜满300元送蜂王浆一瓶"),
    "杭州米娅女装小铺": ("女装全场85折", "冬装新款全场85折"),
    "西湖区竹韵竹编工艺": ("竹编满300减50", "竹编收纳篮、果盘，手工制作"),
    "杭州禾木原木家居": ("原木家具满500减100", "原木茶几、书架满500元减100元，送货上门"),
    "杭州芊芊美妆优选": ("美妆满200送小样", "满200元送新春福袋（内含小样三件）"),
    "西湖区一口鲜卤味": ("卤味满100减15", "卤鸭脖、卤牛肉满100元减15元，当天现卤"),
    "杭州青瓷小筑": ("青瓷杯第二只半价", "龙泉青瓷茶杯同款第二只半价"),
    "杭州果然鲜生鲜团购": ("海鲜团购满199减30", "舟山带鱼、梭子蟹团购满199元减30元，冷链到家"),
    "西湖区布丁宠物用品": ("宠物粮满200减30", "猫粮、狗粮满200元减30元"),
    "杭州稻香村米酒坊": ("桂花米酒买二送一", "自酿桂花米酒，买二送一"),
    "杭州清禾有机蔬菜": ("有机蔬菜周卡9折", "有机蔬菜每周配送卡9折"),
    "西湖区书香二手书屋": ("二手书满50减10", "二手书满50元减10元"),
    "杭州暖暖手织毛衣": ("手织毛衣9折", "手工编织毛衣、围巾9折"),
    "杭州白堤纸伞工坊": ("纸伞买一赠扇", "西湖绸伞买一把赠折扇一把"),
    "杭州知味糕团铺": ("糕团满100减15", "定胜糕、青团满100元减15元，当天现做"),
    "杭州西子湖畔民宿": ("连住两晚9折", "湖景房连住两晚9折，含双早"),
    "西湖区悦读绘本馆": ("绘本年卡送一月", "绘本借阅年卡加送一个月"),
}


def offer_for(member: Member, fallback: tuple[str, str]) -> tuple[str, str]:
    """The offer a demo merchant makes (its own, or `fallback` for a shop the demo does not know)."""
    return SHOP_OFFERS.get(member.business_name, fallback)


def _first_organizer(session: Session, chamber: Chamber) -> User | None:
    return session.scalar(
        select(User).join(Organizer, Organizer.user_id == User.id).where(Organizer.chamber_id == chamber.id)
        .order_by(Organizer.id).limit(1)
    )


def _members(session: Session, chamber: Chamber) -> list[Member]:
    return list(session.scalars(
        select(Member).where(Member.chamber_id == chamber.id, Member.status == "approved").order_by(Member.id)))


def _receipt_png(lines: list[str]) -> bytes:
    """A small receipt picture (ASCII text: the demo must not depend on a CJK font)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (360, 40 + 24 * len(lines)), "white")
    draw = ImageDraw.Draw(image)
    for n, line in enumerate(lines):
        draw.text((20, 20 + 24 * n), line, fill="black")
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _qr_png(content: str) -> bytes:
    import segno

    out = io.BytesIO()
    segno.make(content, error="m").save(out, kind="png", scale=6, border=2)
    return out.getvalue()


def load_demo(session: Session, chamber: Chamber) -> None:
    """Every campaign state, with realistic content, relative to today."""
    organizer = _first_organizer(session, chamber)
    if organizer is None:
        return
    now = utcnow().replace(minute=0, second=0, microsecond=0)
    ops.create_campaign(
        session, chamber, organizer, slug=DEMO_CAMPAIGN_SLUG, title="双十二联合促销（示例）", festival="double12",
        description="示例活动：预算按规模档位分摊。Demo campaign: the budget is shared by size tier.",
        optin_deadline=now + dt.timedelta(days=14), starts_at=now + dt.timedelta(days=16),
        ends_at=now + dt.timedelta(days=20), budget_minor=8000_00, method="tier", min_share_minor=100_00,
        max_share_pct=None, min_participants=None, min_pooled_minor=None,
    )
    ops.set_collection_details(
        session, chamber, organizer,
        account="开户行：杭州银行西湖支行\n户名：杭州市西湖区微商商会\n账号：3301 0401 6000 8888 66\n"
                "转账时请备注商户名称和活动名称。",
        qr=_qr_png("wxp://f2f0demo-xihu-chamber-collection"), qr_kind="wechat_pay", now=now,
    )
    from .public_demo import load_live_campaign

    load_live_campaign(session, chamber)
    from .announcements.demo import load_demo as load_announcements

    load_announcements(session, chamber)
    members = _members(session, chamber)
    if len(members) < 20:
        return
    _open_campaign(session, chamber, organizer, members, now)
    _settled_campaign(session, chamber, organizer, members, now)
    _cancelled_campaign(session, chamber, organizer, members, now)


def _open_campaign(session: Session, chamber: Chamber, organizer: User, members: list[Member],
                   now: dt.datetime) -> None:
    """年货节, open for opt-in: twelve merchants have made offers; the demo member (the first) has not joined."""
    campaign = ops.create_campaign(
        session, chamber, organizer, slug=OPEN_SLUG, title="西湖年货节联合促销", festival="spring_festival",
        description="春节前两周，商会统一投放朋友圈广告、印制年货地图、在社区设摊位。预算按规模档位分摊，"
                    "单家最多承担 15%。\nTwo weeks before Spring Festival: joint WeChat Moments ads, a printed "
                    "New Year goods map and community stalls; the budget is shared by size tier, at most 15% each.",
        optin_deadline=now + dt.timedelta(days=6), starts_at=now + dt.timedelta(days=9),
        ends_at=now + dt.timedelta(days=23), budget_minor=12_000_00, method="tier", min_share_minor=200_00,
        max_share_pct=15, min_participants=8, min_pooled_minor=None,
    )
    ops.transition_campaign(session, campaign, "open", organizer, now=now - dt.timedelta(days=2))
    for member, fallback in zip(members[6:18], OPEN_OFFERS, strict=True):
        headline, details = offer_for(member, fallback)
        ops.opt_in(session, campaign, member, offer_headline=headline, offer_details=details,
                   now=now - dt.timedelta(days=1))


def _settled_campaign(session: Session, chamber: Chamber, organizer: User, members: list[Member],
                      now: dt.datetime) -> None:
    """中秋, run and settled a month ago: paid by four methods, spent less than pooled, refunded."""
    start = now - dt.timedelta(days=45)
    campaign = ops.create_campaign(
        session, chamber, organizer, slug=SETTLED_SLUG, title="中秋团圆月饼节", festival="mid_autumn",
        description="中秋前十天联合推广月饼和茶礼，统一制作海报和短视频。\n"
                    "Ten days of joint mooncake and tea promotions before Mid-Autumn, with shared posters and videos.",
        optin_deadline=start - dt.timedelta(days=3), starts_at=start, ends_at=start + dt.timedelta(days=10),
        budget_minor=3_000_00, method="equal", min_share_minor=None, max_share_pct=None, min_participants=None,
        min_pooled_minor=None,
    )
    ops.transition_campaign(session, campaign, "open", organizer, now=start - dt.timedelta(days=10))
    joined = members[1:6]
    for member, fallback in zip(joined, ("月饼礼盒满200减30", "茶礼8折", "买月饼送桂花茶", "满150减20", "第二盒半价"),
                                strict=True):
        headline, _details = offer_for(member, (fallback, ""))
        ops.opt_in(session, campaign, member, offer_headline=headline, now=start - dt.timedelta(days=8))
    ops.advance_due(session, campaign, now=start - dt.timedelta(days=3))  # the clock locks it at the deadline
    shares = {s["member_id"]: s["share_minor"] for s in queries.compute_shares(session, campaign)}
    methods = PAYMENT_METHODS  # one payment by each method
    for n, member in enumerate(joined[:4]):  # the fifth paid only half
        paid_on = (start - dt.timedelta(days=2 - n % 2)).date()
        ops.record_payment(session, campaign, organizer, member_id=member.id, amount_minor=shares[member.id],
                           method=methods[n], reference=f"ZQ2025-{n + 1:03d}" if methods[n] != "cash" else "",
                           paid_on=paid_on, now=start - dt.timedelta(days=1))
    ops.record_payment(session, campaign, organizer, member_id=joined[4].id, amount_minor=shares[joined[4].id] // 2,
                       method="wechat_pay", reference="ZQ2025-005", paid_on=(start - dt.timedelta(days=1)).date(),
                       now=start - dt.timedelta(days=1))
    ops.record_expense(session, campaign, organizer, payee="西湖印务", category="printing", amount_minor=980_00,
                       description="中秋海报 200 张、易拉宝 6 个",
                       receipt=_receipt_png(["Xihu Printing Co.", "Posters x200, banners x6", "Total CNY 980.00"]),
                       now=start)
    ops.record_expense(session, campaign, organizer, payee="抖音本地推", category="ads", amount_minor=1_200_00,
                       description="短视频投放 5 天", now=start + dt.timedelta(days=2))
    ops.advance_due(session, campaign, now=start + dt.timedelta(days=10))  # live, then ended by the clock
    ops.write_off(session, campaign, organizer, member_id=joined[4].id,
                  reason="店铺中秋后歇业，剩余一半经理事会同意免收。", now=start + dt.timedelta(days=12))
    ops.settle_campaign(session, campaign, "refund", organizer, now=start + dt.timedelta(days=14))
    refunds = session.scalars(select(LedgerEntry).where(
        LedgerEntry.campaign_id == campaign.id, LedgerEntry.entry_type == "refund",
    ).order_by(LedgerEntry.id)).all()
    if refunds:  # the first refund went back; the others are still owed back
        ops.record_refund_payout(session, campaign, refunds[0], organizer, method="wechat_pay",
                                 reference="ZQ2025-R001", paid_on=(start + dt.timedelta(days=15)).date(),
                                 now=start + dt.timedelta(days=15))


def _cancelled_campaign(session: Session, chamber: Chamber, organizer: User, members: list[Member],
                        now: dt.datetime) -> None:
    """三八节, cancelled by the clock at its go/no-go deadline: it needed eight merchants, three joined."""
    deadline = now - dt.timedelta(days=5)
    campaign = ops.create_campaign(
        session, chamber, organizer, slug=CANCELLED_SLUG, title="三八女神节联合活动", festival="womens_day",
        description="女装、美妆和花店联合做三八节活动。至少 8 家商户参加才举办。\n"
                    "A joint Women's Day sale of fashion, beauty and flower shops, held only with 8 merchants or more.",
        optin_deadline=deadline, starts_at=deadline + dt.timedelta(days=2), ends_at=deadline + dt.timedelta(days=5),
        budget_minor=2_000_00, method="equal", min_share_minor=None, max_share_pct=None, min_participants=8,
        min_pooled_minor=None,
    )
    ops.transition_campaign(session, campaign, "open", organizer, now=deadline - dt.timedelta(days=10))
    # the flower, fashion and beauty shops (the 10th, 15th and 18th merchants of chamber/demo.py)
    shops = [members[9], members[14], members[17]]
    for member, fallback in zip(shops, ("鲜花满99减10", "女装全场85折", "美妆满200送小样"), strict=True):
        headline, _details = offer_for(member, (fallback, ""))
        ops.opt_in(session, campaign, member, offer_headline=headline, now=deadline - dt.timedelta(days=7))
    # too few: cancelled with the reason, participants told — in Chinese, as the clock writes it (campaigns/jobs.py)
    from flask import g, has_app_context, has_request_context

    forced = has_app_context() and not has_request_context() and "force_locale" not in g
    if forced:
        g.force_locale = "zh_CN"
    try:
        ops.advance_due(session, campaign, now=deadline)
    finally:
        if forced:
            g.pop("force_locale", None)
