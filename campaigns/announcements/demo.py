"""Demo announcements: two sent (one with failed mail), scheduled ones (at a time, relative to a
campaign's opt-in deadline, a daily countdown of the live campaign) and a missed one.

Called by campaigns.demo.load_demo after its campaigns exist (needs an app context: the outbox
and the texts written by the clock use it)."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import current_app, g, has_app_context
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from chamber.db import utcnow
from chamber.models import Chamber, Organizer, User
from chamber.notifications.models import Delivery

from ..models import Campaign
from . import operations as ops
from . import rules

OPENING = """## 双十一西湖好物节开始啦！

西湖区 6 家认证商户联合促销，**联盟价**、**账目公开**：

- 杭州西溪龙井茶叶工作室：满300减50
- 更多优惠见活动页

[打开活动页](/c/xihu/double11-live) · 有问题请在活动页投诉，商会 7 天内答复。"""

RECRUIT = """商会正在招募 **双十一联合促销** 的参与商户：预算按规模档位分摊，每一笔收支都记在公开账本上。

报名请在会员后台的 *活动* 页面操作。"""


def _organizer(session: Session, chamber: Chamber) -> User | None:
    return session.scalar(select(User).join(Organizer, Organizer.user_id == User.id)
                          .where(Organizer.chamber_id == chamber.id).order_by(Organizer.id).limit(1))


def load_demo(session: Session, chamber: Chamber) -> None:
    organizer = _organizer(session, chamber)
    if organizer is None or not has_app_context():
        return
    # no request here: what the clock writes (the missed note) is in the app's default language
    g.setdefault("force_locale", current_app.config.get("BABEL_DEFAULT_LOCALE", "zh_CN"))
    campaigns = {c.slug: c for c in session.scalars(select(Campaign).where(Campaign.chamber_id == chamber.id))}
    live, upcoming = campaigns.get("double11-live"), campaigns.get("double12-demo")
    now = utcnow().replace(second=0, microsecond=0)
    grace = rules.DEFAULT_GRACE

    def sent(draft: ops.Draft, at: dt.datetime) -> int:
        a = ops.create_announcement(session, chamber, organizer, draft, now=at - dt.timedelta(days=1))
        ops.fire_announcement(session, a.id, at, grace=grace)
        return a.id

    # sent three days ago, to the public feed only
    sent(ops.Draft(title="招募：双十一联合促销参与商户", body=RECRUIT, audience=[], channels=["feed"],
                   send_at=now - dt.timedelta(days=3)), now - dt.timedelta(days=3))
    if live is not None:
        # sent when the live campaign opened: inbox at once; mail and webhooks through the outbox, some failed
        opening = sent(ops.Draft(title="双十一西湖好物节开始啦", body=OPENING, audience=["members", "subscribers"],
                                 channels=["inbox", "email", "feed", "webhook"], campaign=live,
                                 send_at=now - dt.timedelta(minutes=30)), now - dt.timedelta(minutes=30))
        failed = list(session.scalars(
            select(Delivery.id).where(Delivery.source == ops.source_of(opening, 1), Delivery.channel == "email")
            .order_by(Delivery.id).limit(3)))
        session.execute(update(Delivery).where(Delivery.id.in_(failed)).values(
            status="failed", attempts=6, last_error="550 5.1.1 <mailbox unavailable>: 收件人邮箱不存在")
            .execution_options(synchronize_session=False))
        # a countdown every morning while it is live
        ops.create_announcement(session, chamber, organizer, ops.Draft(
            title=live.title, body="认证商户、联盟价、账目公开。[活动页](/c/xihu/double11-live)",
            audience=["participants"], channels=["inbox", "feed"], campaign=live, daily_countdown=True,
            at_clock="10:00"), now=now)
    if upcoming is not None:
        # one day before the opt-in deadline, at 10:00 Beijing time: moves with the campaign's dates
        ops.create_announcement(session, chamber, organizer, ops.Draft(
            title="双十二联合促销：明天报名截止", body="还没报名的商户请抓紧：**明天**报名截止。",
            audience=["members"], channels=["inbox", "email"], campaign=upcoming, relative_to="optin_deadline",
            offset="-P1D", at_clock="10:00"), now=now)
    day = (now + dt.timedelta(days=5)).astimezone(ZoneInfo(chamber.timezone)).date()
    ops.create_announcement(session, chamber, organizer, ops.Draft(
        title="商会月度交流会", body="本月交流会在文三路商会会议室，欢迎各位商户参加。",
        audience=["organizers", "members"], channels=["inbox", "email"],
        send_at=rules.local_to_utc(day, dt.time(19, 30), chamber.timezone)), now=now)
    # missed: due while the scheduler was down, longer ago than the grace
    missed = ops.create_announcement(session, chamber, organizer, ops.Draft(
        title="周末市集摆摊通知", body="周六上午 9 点在西溪湿地门口集合。", audience=["members"],
        channels=["inbox"], send_at=now - dt.timedelta(days=2)), now=now - dt.timedelta(days=3))
    ops.fire_announcement(session, missed.id, now, grace=grace)
    session.flush()
