"""What the route walk (tests/test_tenant_isolation.py) needs of the campaigns beyond the conftest's world."""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from campaigns import operations as ops
from campaigns.models import LedgerEntry
from tests.conftest import image_bytes


def world_params(session: Session, world: dict[str, Any]) -> dict[str, Any]:
    """The chamber's collection QR code, and a refund entry in the world's campaign (for its payout).

    The route parameters share one campaign key, and refunds are written only by a settlement or a
    cancellation, which would close the ledger the other routes need open: the refund is inserted here.
    """
    chamber, member, campaign = world["chamber"], world["member"], world["campaign"]
    ops.set_collection_details(session, chamber, chamber.organizer, account="工商银行 6222", qr=image_bytes(),
                               qr_kind="wechat_pay")
    refund = LedgerEntry(chamber_id=chamber.id, campaign_id=campaign.id, entry_type="refund", member_id=member.id,
                         amount_minor=10_00, created_by_id=chamber.organizer.id)
    session.add(refund)
    session.commit()
    return {"refund_id": refund.id}
