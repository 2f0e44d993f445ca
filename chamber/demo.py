"""The demo chamber: 西湖区微商商会 with about thirty approved merchants and a few applicants."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import features
from .accounts.operations import hash_password, normalize_email
from .chambers.operations import create_chamber
from .db import utcnow
from .models import Chamber, Member, Organizer, Tier, User
from .rules import make_uscc

DEMO_SLUG = "xihu"
DEMO_PASSWORD = "chamber-demo-2026"
ORGANIZER_EMAIL = "organizer@xihu.example"
MEMBER_EMAIL = "member@xihu.example"

# (business name, contact, tier key, annual revenue in yuan, shop)
MERCHANTS = [
    ("杭州西溪龙井茶叶工作室", "陈晓燕", "core", 2_800_000, "https://shop.example.cn/xixi-longjing"),
    ("西湖区小满手作烘焙坊", "林小满", "growth", 960_000, "https://shop.example.cn/xiaoman-bakery"),
    ("杭州丝语真丝围巾店", "王丽娟", "core", 3_400_000, "https://shop.example.cn/siyu-silk"),
    ("杭州桂语香氛工作室", "赵桂芳", "micro", 280_000, ""),
    ("西湖区阿婆土布鞋铺", "周秀英", "micro", 150_000, ""),
    ("杭州茶语山房茶具店", "吴建国", "growth", 1_200_000, "https://shop.example.cn/chayu"),
    ("杭州青芽母婴优选", "郑青青", "growth", 1_650_000, "https://shop.example.cn/qingya"),
    ("西湖区鲜果时光水果店", "孙志强", "micro", 420_000, ""),
    ("杭州拾光手账文具店", "李梦琪", "micro", 230_000, "https://shop.example.cn/shiguang"),
    ("杭州云栖花艺工作室", "徐芳", "growth", 880_000, "https://shop.example.cn/yunqi-flowers"),
    ("杭州御茶园龙井合作社", "沈国良", "core", 5_200_000, "https://shop.example.cn/yuchayuan"),
    ("西湖区老杭州葱包烩", "钱师傅", "micro", 190_000, ""),
    ("杭州织锦旗袍定制", "陆美华", "growth", 1_080_000, "https://shop.example.cn/zhijin"),
    ("杭州山间蜂蜜农场店", "何永福", "micro", 360_000, ""),
    ("杭州米娅女装小铺", "黄米娅", "growth", 1_400_000, "https://shop.example.cn/miya"),
    ("西湖区竹韵竹编工艺", "蒋竹生", "micro", 210_000, ""),
    ("杭州禾木原木家居", "韩木森", "core", 2_300_000, "https://shop.example.cn/hemu"),
    ("杭州芊芊美妆优选", "冯芊芊", "growth", 1_900_000, "https://shop.example.cn/qianqian"),
    ("西湖区一口鲜卤味", "曹大勇", "micro", 480_000, ""),
    ("杭州青瓷小筑", "袁青", "growth", 760_000, "https://shop.example.cn/qingci"),
    ("杭州果然鲜生鲜团购", "邓晓东", "core", 4_100_000, "https://shop.example.cn/guoran"),
    ("西湖区布丁宠物用品", "许布丁", "micro", 330_000, "https://shop.example.cn/buding-pets"),
    ("杭州稻香村米酒坊", "傅文华", "micro", 270_000, ""),
    ("杭州清禾有机蔬菜", "彭清禾", "growth", 1_150_000, "https://shop.example.cn/qinghe"),
    ("西湖区书香二手书屋", "曾书香", "micro", 120_000, ""),
    ("杭州暖暖手织毛衣", "萧暖暖", "micro", 260_000, "https://shop.example.cn/nuannuan"),
    ("杭州白堤纸伞工坊", "田雨", "micro", 310_000, ""),
    ("杭州知味糕团铺", "潘阿姨", "growth", 990_000, "https://shop.example.cn/zhiwei"),
    ("杭州西子湖畔民宿", "杜晓峰", "core", 3_000_000, "https://shop.example.cn/xizi-bnb"),
    ("西湖区悦读绘本馆", "叶悦", "micro", 180_000, ""),
]

APPLICANTS = [
    ("杭州新芽零食铺", "程新芽", 350_000),
    ("西湖区晨光早餐车", "蔡晨光", 140_000),
    ("杭州小橘灯饰工作室", "罗小橘", 520_000),
]


def _uscc(n: int, individual: bool = False) -> str:
    # 9 = registered by the market regulator; 1 = company, 2 = individual business;
    # 330106 = 西湖区, Hangzhou; then a nine-character organization code.
    return make_uscc(("92" if individual else "91") + "330106" + f"MA{n:07d}")


def _user(session: Session, email: str, name: str, password_hash: str) -> User:
    user = User(email=email, display_name=name, password_hash=password_hash, locale=None)
    session.add(user)
    return user


def load_demo(session: Session, *, only_if_empty: bool = False, enabled: list[features.Feature] | None = None) -> bool:
    """Create the demo chamber and its accounts, then each feature's demo data; False if it (or,
    with only_if_empty, any chamber) exists."""
    if session.scalar(select(Chamber.id).where(Chamber.slug == DEMO_SLUG)):
        return False
    if only_if_empty and session.scalar(select(Chamber.id).limit(1)):
        return False
    pw = hash_password(DEMO_PASSWORD)  # one hash for all demo accounts: scrypt is slow on purpose
    organizer = _user(session, ORGANIZER_EMAIL, "西湖商会秘书处", pw)
    session.flush()
    chamber = create_chamber(
        session,
        organizer,
        slug=DEMO_SLUG,
        name="西湖区微商商会 / Xihu Micro-merchant Chamber",
        kind="regional",
        region="浙江省杭州市西湖区",
        currency="CNY",
        timezone="Asia/Shanghai",
        description=(
            "西湖区的微商、小店和手艺人一起做节日联合促销：统一审核营业执照，联合预算按规模公平分摊，账目公开透明。\n"
            "Micro-merchants of Xihu district acting together: verified members, joint festival campaigns, "
            "budgets shared by size on an open ledger."
        ),
    )
    tiers = {t.key: t for t in session.scalars(select(Tier).where(Tier.chamber_id == chamber.id))}
    now = utcnow()
    for i, (name, contact, tier, revenue, shop) in enumerate(MERCHANTS, start=1):
        email = MEMBER_EMAIL if i == 1 else f"merchant{i:02d}@xihu.example"
        user = _user(session, email, contact, pw)
        session.flush()
        session.add(
            Member(
                chamber_id=chamber.id, user_id=user.id, business_name=name, uscc=_uscc(i, individual=tier == "micro"),
                contact_name=contact, phone=f"138{i:04d}{(i * 7919) % 10000:04d}", shop_url=shop,
                annual_revenue_minor=revenue * 100, status="approved", tier_id=tiers[tier].id,
                decided_at=now, decided_by_id=organizer.id,
            )
        )
    for j, (name, contact, revenue) in enumerate(APPLICANTS, start=len(MERCHANTS) + 1):
        user = _user(session, f"applicant{j:02d}@xihu.example", contact, pw)
        session.flush()
        session.add(
            Member(
                chamber_id=chamber.id, user_id=user.id, business_name=name, uscc=_uscc(j, individual=True),
                contact_name=contact, phone=f"139{j:04d}{(j * 104729) % 10000:04d}", shop_url="",
                annual_revenue_minor=revenue * 100, status="pending",
            )
        )
    session.flush()
    features.load_demo(session, chamber, features.load() if enabled is None else enabled)
    return True


def ensure_organizer(session: Session, email: str, password: str, name: str | None, chamber_slug: str | None) -> str:
    """Create the account if needed and make it an organizer of the chamber (if one is named)."""
    email = normalize_email(email)
    user = session.scalar(select(User).where(User.email == email))
    if user is None:
        if len(password) < 10:  # as on the register page
            raise ValueError("the password needs at least 10 characters")
        user = _user(session, email, name or email.split("@")[0], hash_password(password))
        session.flush()
    if chamber_slug is None:
        slugs = list(session.scalars(select(Chamber.slug).limit(2)))
        if not slugs:
            return f"account {email} ready; it can now create chambers"
        if len(slugs) > 1:
            raise ValueError("there are several chambers: say which with --chamber SLUG")
        chamber_slug = slugs[0]  # the only chamber, e.g. the demo one
    chamber = session.scalar(select(Chamber).where(Chamber.slug == chamber_slug))
    if chamber is None:
        raise ValueError(f"no chamber with slug {chamber_slug!r}")
    if session.scalar(select(Organizer.id).where(Organizer.chamber_id == chamber.id, Organizer.user_id == user.id)):
        return f"{email} is already an organizer of {chamber_slug}"
    session.add(Organizer(chamber_id=chamber.id, user_id=user.id))
    session.flush()
    return f"{email} is now an organizer of {chamber_slug}"


__all__ = ["DEMO_PASSWORD", "ensure_organizer", "load_demo"]
