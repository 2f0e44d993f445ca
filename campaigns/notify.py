"""The campaign events people are told about, through the core's delivery service (inbox and email,
each person's choice and language): a campaign opened for opt-in (every member), its opt-in deadline
24 hours away (members who have not joined), the lock (what each owes, by when, how to pay), a
cancellation (why) and the settlement (each one's refund, or that the remainder went to the fund).

Called by the operations at the moment the campaign moves, in their transaction; the kinds are
declared in campaigns/feature.py and written in templates/campaigns/notifications/.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chamber.models import Chamber, Member, User
from chamber.notifications.operations import event_source, notify
from chamber.rules import display_money

from . import presenters
from .models import Campaign, Participation
from .queries import balances, collection_details, currency_of

#: how long before the opt-in deadline members who have not joined are reminded
REMIND_BEFORE = dt.timedelta(hours=24)


def _link(chamber: Chamber, campaign: Campaign) -> str:
    return f"/chambers/{chamber.slug}/campaigns/{campaign.slug}"


def _base(session: Session, chamber: Chamber, campaign: Campaign) -> dict[str, Any]:
    """What every campaign message says: the campaign as its presenter gives it (never the row)."""
    return {"chamber": chamber, "campaign": presenters.campaign_data(session, campaign), "timezone": chamber.timezone}


def _participants(session: Session, campaign: Campaign) -> dict[int, list[Member]]:
    """user id → their businesses taking part."""
    by_user: dict[int, list[Member]] = defaultdict(list)
    for member in session.scalars(
        select(Member).join(Participation, (Participation.member_id == Member.id)
                            & (Participation.chamber_id == Member.chamber_id))
        .where(Participation.chamber_id == campaign.chamber_id, Participation.campaign_id == campaign.id)
        .order_by(Member.id)
    ):
        by_user[member.user_id].append(member)
    return by_user


def opened(session: Session, campaign: Campaign) -> int:
    """Every approved member is told the campaign is open for opt-in."""
    chamber = session.get(Chamber, campaign.chamber_id)
    assert chamber is not None
    users = set(session.scalars(select(Member.user_id).where(Member.chamber_id == campaign.chamber_id,
                                                             Member.status == "approved")))
    return notify(session, chamber_id=chamber.id, kind="campaigns.opened",
                  source=event_source("campaigns.opened", campaign.id), recipients=sorted(users),
                  context=_base(session, chamber, campaign), link=_link(chamber, campaign))


def deadline_soon(session: Session, campaign: Campaign, now: dt.datetime) -> int:
    """Members who have not joined an open campaign whose deadline is within REMIND_BEFORE (once)."""
    if campaign.status != "open" or not now < campaign.optin_deadline <= now + REMIND_BEFORE:
        return 0
    chamber = session.get(Chamber, campaign.chamber_id)
    assert chamber is not None
    joined = set(_participants(session, campaign))
    users = set(session.scalars(select(Member.user_id).where(Member.chamber_id == campaign.chamber_id,
                                                             Member.status == "approved"))) - joined
    return notify(session, chamber_id=chamber.id, kind="campaigns.deadline_soon",
                  source=event_source("campaigns.deadline_soon", f"{campaign.id}:{campaign.optin_deadline:%Y%m%d%H%M}"),
                  recipients=sorted(users), context=_base(session, chamber, campaign), link=_link(chamber, campaign))


def locked(session: Session, campaign: Campaign) -> int:
    """Each participant: their share (per business), pay by the start, how to pay."""
    chamber = session.get(Chamber, campaign.chamber_id)
    assert chamber is not None
    currency = currency_of(session, campaign)
    shares = balances(session, campaign).member_share
    details = collection_details(session, chamber)
    people = _participants(session, campaign)
    base = _base(session, chamber, campaign)

    def context(user: User) -> dict[str, Any]:
        owed = [(m.business_name, display_money(shares.get(m.id, 0), currency)) for m in people.get(user.id, [])]
        return {**base, "owed": owed, "pay_by": campaign.starts_at,
                "account": details.account if details is not None else "",
                "has_qr": details is not None and details.qr_data is not None}

    return notify(session, chamber_id=chamber.id, kind="campaigns.locked",
                  source=event_source("campaigns.locked", campaign.id), recipients=sorted(people),
                  context=context, link=_link(chamber, campaign))


def cancelled(session: Session, campaign: Campaign, reason: str) -> int:
    chamber = session.get(Chamber, campaign.chamber_id)
    assert chamber is not None
    return notify(session, chamber_id=chamber.id, kind="campaigns.cancelled",
                  source=event_source("campaigns.cancelled", campaign.id),
                  recipients=sorted(_participants(session, campaign)),
                  context={**_base(session, chamber, campaign), "reason": reason}, link=_link(chamber, campaign))


def settled(session: Session, campaign: Campaign, mode: str) -> int:
    """Each participant: the refund per business, or that the remainder went to the chamber's fund."""
    chamber = session.get(Chamber, campaign.chamber_id)
    assert chamber is not None
    currency = currency_of(session, campaign)
    b = balances(session, campaign)
    people = _participants(session, campaign)
    base = _base(session, chamber, campaign)

    def context(user: User) -> dict[str, Any]:
        refunds = [(m.business_name, display_money(b.member_refund.get(m.id, 0), currency))
                   for m in people.get(user.id, [])]
        return {**base, "mode": mode, "refunds": refunds,
                "carried": display_money(b.carried, currency)}

    return notify(session, chamber_id=chamber.id, kind="campaigns.settled",
                  source=event_source("campaigns.settled", campaign.id), recipients=sorted(people),
                  context=context, link=_link(chamber, campaign))
