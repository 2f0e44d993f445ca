"""What taking part would cost, told to a merchant before it opts in (reading only).

The arithmetic is campaigns.rules.cost_of_joining; this module only gathers its inputs: the
weights of the participants of now and the weight each of the merchant's businesses would join with.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from chamber.models import Chamber, Member, Tier
from chamber.rules import CURRENCY_DIGITS

from . import rules
from .models import Campaign, Participation
from .rules import JoinCost, RuleError


def member_weight(campaign: Campaign, member: Member, tier_weights: dict[int, Decimal], currency: str) -> Any:
    """The weight this member's share would be apportioned by (as operations._weight_rows), or None if none."""
    if campaign.method == "tier":
        return tier_weights.get(member.tier_id) if member.tier_id is not None else None
    if campaign.method == "revenue":
        revenue = member.annual_revenue_minor
        return Decimal(revenue).scaleb(-CURRENCY_DIGITS[currency]) if revenue > 0 else None
    return 1


def join_costs(session: Session, campaign: Campaign, members: list[Member]) -> dict[int, JoinCost]:
    """{member id: what it pays if it takes part} for these businesses (whether in already or not).

    Members who cannot be given a share (no weight) or a rule broken whatever the participants are left
    out: the page says why elsewhere. Three queries whatever the number of participants.
    """
    if not members:
        return {}
    chamber = session.get(Chamber, campaign.chamber_id)
    assert chamber is not None
    tier_weights = dict(session.execute(
        select(Tier.id, Tier.weight).where(Tier.chamber_id == campaign.chamber_id)).all())
    participants = session.scalars(
        select(Member)
        .join(Participation, and_(Participation.member_id == Member.id, Participation.chamber_id == Member.chamber_id))
        .where(Participation.chamber_id == campaign.chamber_id, Participation.campaign_id == campaign.id)
    )
    others = {m.id: w for m in participants
              if (w := member_weight(campaign, m, tier_weights, chamber.currency)) is not None}
    out = {}
    for member in members:
        weight = member_weight(campaign, member, tier_weights, chamber.currency)
        if weight is None:
            continue
        try:
            out[member.id] = rules.cost_of_joining(
                campaign.budget_minor, others, member.id, weight, min_share=campaign.min_share_minor,
                max_share_pct=campaign.max_share_pct, min_participants=campaign.min_participants,
                min_pooled=campaign.min_pooled_minor,
            )
        except RuleError:
            continue
    return out


def merchants_needed(campaign: Campaign, participants: int) -> int:
    """How many more merchants must join before the campaign can go ahead (0: enough), for the organizers.

    The same rule as a merchant is told before joining (rules.cost_of_joining: capped shares that
    cover the budget, and the go/no-go minimum), for the participants there are; 0 if the rule can
    never be met (the page gives the reason).
    """
    others = dict.fromkeys(range(max(participants - 1, 0)), 1)
    try:
        cost = rules.cost_of_joining(campaign.budget_minor, others, -1, 1, min_share=campaign.min_share_minor,
                                     max_share_pct=campaign.max_share_pct, min_participants=campaign.min_participants,
                                     min_pooled=campaign.min_pooled_minor)
    except RuleError:
        return 0
    # with nobody in yet, "-1" stood for the first merchant: it is needed too
    return cost.more_needed + (1 if participants == 0 else 0)
