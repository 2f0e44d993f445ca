"""What a move will write, shown to the person before they confirm it: reading only, nothing is changed."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chamber.models import Member

from . import rules
from .models import Campaign


def _names(session: Session, campaign: Campaign, member_ids: set[int]) -> dict[int, str]:
    if not member_ids:
        return {}
    return dict(session.execute(
        select(Member.id, Member.business_name)
        .where(Member.chamber_id == campaign.chamber_id, Member.id.in_(member_ids))
    ).all())


def settlement_preview(session: Session, campaign: Campaign, b: rules.Balances) -> dict[str, Any]:
    """Both ways of settling, as they would be written now from the campaign's balances b.

    {available, refunds: [{member_id, business_name, paid_minor, refund_minor}] (by name), carried_minor}
    """
    refunds, _carried = rules.payout_plan(b, "refund")
    _none, carried = rules.payout_plan(b, "carry")
    paid = {m: v for m, v in b.member_paid.items() if v > 0}
    names = _names(session, campaign, set(paid))
    rows = [
        {"member_id": m, "business_name": names.get(m, f"#{m}"), "paid_minor": v, "refund_minor": refunds.get(m, 0)}
        for m, v in paid.items()
    ]
    rows.sort(key=lambda r: (r["business_name"], r["member_id"]))
    return {"available": b.available, "refunds": rows, "carried_minor": carried}
