"""What the route walk (tests/test_tenant_isolation.py) needs of the campaigns beyond the conftest's world."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from campaigns import operations as ops
from campaigns.announcements import operations as announcement_ops
from campaigns.models import LedgerEntry
from tests.conftest import image_bytes


def world_params(session: Session, world: dict[str, Any]) -> dict[str, Any]:
    """The chamber's collection QR code, a refund entry in the world's campaign (for its payout), and
    a scheduled announcement about the campaign (the walk edits, previews and cancels it).

    The route parameters share one campaign key, and refunds are written only by a settlement or a
    cancellation, which would close the ledger the other routes need open: the refund is inserted here.
    """
    chamber, member, campaign = world["chamber"], world["member"], world["campaign"]
    ops.set_collection_details(session, chamber, chamber.organizer, account="工商银行 6222", qr=image_bytes(),
                               qr_kind="wechat_pay")
    refund = LedgerEntry(chamber_id=chamber.id, campaign_id=campaign.id, entry_type="refund", member_id=member.id,
                         amount_minor=10_00, created_by_id=chamber.organizer.id)
    session.add(refund)
    announcement = announcement_ops.create_announcement(session, chamber, chamber.organizer, announcement_ops.Draft(
        title="双十一预告", body="**三天后**开始", audience=["members"], channels=["inbox", "feed"], campaign=campaign,
        send_at=dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=2)))
    session.commit()
    return {"refund_id": refund.id, "announcement_id": announcement.id}
