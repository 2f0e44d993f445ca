"""Campaign presenters: each resource as plain data, one function per resource.

The API (api.py formats these dicts as JSON), the pages, the CSVs and the PDFs (documents.py)
all start from these; amounts stay in minor units and times aware UTC until the view formats them.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from chamber.db import utcnow
from chamber.errors import Conflict
from chamber.models import Chamber, Member, User
from chamber.rules import plain_decimal
from chamber.trust import queries as trust_queries

from . import costs, rules
from .models import Campaign, LedgerEntry, Participation, Receipt
from .queries import (
    References,
    balances,
    collection_details,
    compute_shares,
    list_campaigns,
    member_accounts,
    open_campaigns_for,
    participant_count,
    participant_counts,
    public_participants,
)

#: the ledger_entries columns an entry dict needs; selected as plain columns, not ORM objects, because
#: building 5,000 LedgerEntry instances dominated GET .../ledger (bench/bench_ledger.py)
_ENTRY_COLUMNS = (
    LedgerEntry.id, LedgerEntry.entry_type, LedgerEntry.member_id, LedgerEntry.amount_minor, LedgerEntry.weight,
    LedgerEntry.method, LedgerEntry.reference, LedgerEntry.paid_on, LedgerEntry.payee, LedgerEntry.category,
    LedgerEntry.description, LedgerEntry.receipt_id, LedgerEntry.reverses_id, LedgerEntry.reason,
    LedgerEntry.created_by_id, LedgerEntry.created_at,
)


def _entry_rows(session: Session, campaign: Campaign, entry_id: int | None = None, *,
                id_range: tuple[int, int] | None = None) -> Sequence[Sequence[Any]]:
    """Plain tuples: the _ENTRY_COLUMNS, then author name, receipt content type, size, sha256.

    All the campaign's entries in id order, or one (entry_id), or those with ids in id_range (inclusive).
    """
    query = (
        select(*_ENTRY_COLUMNS, User.display_name, Receipt.content_type, Receipt.size, Receipt.sha256)
        .join(User, User.id == LedgerEntry.created_by_id)
        .outerjoin(Receipt, and_(Receipt.id == LedgerEntry.receipt_id, Receipt.chamber_id == LedgerEntry.chamber_id))
        .where(LedgerEntry.chamber_id == campaign.chamber_id, LedgerEntry.campaign_id == campaign.id)
        .order_by(LedgerEntry.id)
    )
    if entry_id is not None:
        query = query.where(LedgerEntry.id == entry_id)
    if id_range is not None:
        query = query.where(LedgerEntry.id.between(*id_range))
    # through the Core connection and fetched at once: the ORM's row loading and row-by-row fetching
    # cost ~25 ms per 5,000 rows (bench/bench_ledger.py); flushed first, as session.execute() would autoflush
    session.flush()
    return session.connection().execute(query).all()


def _entry_dict(row: Sequence[Any], reversed_by: int | None) -> dict[str, Any]:
    (entry_id, entry_type, member_id, amount_minor, weight, method, reference, paid_on, payee, category,
     description, receipt_id, reverses_id, reason, created_by_id, created_at,
     author, content_type, size, sha) = row
    return {
        "id": entry_id,
        "type": entry_type,
        "member_id": member_id,
        "amount_minor": amount_minor,
        "weight": weight,
        "method": method,
        "reference": reference,
        "paid_on": paid_on,
        "payee": payee,
        "category": category,
        "description": description,
        "receipt": {"id": receipt_id, "content_type": content_type, "size": size, "sha256": sha}
        if receipt_id else None,
        "reverses": reverses_id,
        "reversed_by": reversed_by,
        "reason": reason,
        "created_by": {"id": created_by_id, "display_name": author},
        "created_at": created_at,
    }


def _hide_references(items: list[dict[str, Any]], references: References) -> None:
    # amounts and methods stay: the ledger is open to every participant, the transaction numbers are not
    if references == "all":
        return
    for item in items:
        if item["reference"] and item["member_id"] not in references:
            item["reference"] = ""


def entry_view(session: Session, campaign: Campaign, entry: LedgerEntry, *,
               references: References = ()) -> dict[str, Any]:
    """One ledger entry as plain data, shaped like the items of ledger_view()."""
    rows = _entry_rows(session, campaign, entry.id)
    reversed_by = session.scalar(select(LedgerEntry.id).where(LedgerEntry.chamber_id == campaign.chamber_id,
                                                              LedgerEntry.reverses_id == entry.id))
    item = _entry_dict(rows[0], reversed_by)
    reversed_type = session.scalar(select(LedgerEntry.entry_type).where(
        LedgerEntry.chamber_id == campaign.chamber_id, LedgerEntry.id == entry.reverses_id)) if entry.reverses_id else None  # noqa: E501
    item["direction"] = rules.entry_direction(item["type"], reversed_type)
    _hide_references([item], references)
    return item


@dataclass(frozen=True, slots=True)
class _Line:
    """What the balances and the paging need of a ledger entry."""

    id: int
    type: str
    member_id: int | None
    amount_minor: int
    reverses: int | None


def _lines(session: Session, campaign: Campaign) -> list[_Line]:
    """Every entry of the campaign's ledger in id order, only the columns of a _Line (one query)."""
    rows = session.connection().execute(
        select(LedgerEntry.id, LedgerEntry.entry_type, LedgerEntry.member_id, LedgerEntry.amount_minor,
               LedgerEntry.reverses_id)
        .where(LedgerEntry.chamber_id == campaign.chamber_id, LedgerEntry.campaign_id == campaign.id)
        .order_by(LedgerEntry.id)
    ).all()
    return [_Line(*row) for row in rows]


def _line_of(row: Sequence[Any]) -> _Line:
    """The _Line of a full entry row (_entry_rows)."""
    return _Line(row[0], row[1], row[2], row[3], row[12])  # positions in _ENTRY_COLUMNS


def ledger_view(session: Session, campaign: Campaign, *, page: int | None = None,
                per_page: int = 200, member_id: int | None = None, kinds: frozenset[str] | None = None,
                references: References = ()) -> dict[str, Any]:
    """The ledger as plain data (amounts in minor units), in a constant number of queries (2, or 3 with page).

    {items: [entry dicts], balances: {pledged, paid, spent, refunded, carried, available},
     members: [{member_id, business_name, share_minor, paid_minor, outstanding_minor, refund_minor}]}

    Without page, items are all the entries in id order. With page (1-based, clamped to the pages
    there are), items are that page of per_page entries, newest first, and the view also has count
    (all entries), page, pages, and pages_of: the page of each entry the items point to (reverses,
    reversed_by). Balances and members are always over the whole ledger; member_id and kinds (entry
    types) filter the items only. Each item says which way it moves the money (``direction``).

    Payment references are kept only where `references` allows (see reference_readers), others are "".
    """
    session.flush()
    full_rows = _entry_rows(session, campaign) if page is None else None
    lines = [_line_of(r) for r in full_rows] if full_rows is not None else _lines(session, campaign)
    type_of = {line.id: line.type for line in lines}
    reversed_by = {line.reverses: line.id for line in lines if line.reverses is not None}
    b = rules.ledger_balances(
        (line.type, line.member_id, line.amount_minor, type_of.get(line.reverses) if line.reverses else None)
        for line in lines
    )
    wanted = [line for line in lines
              if (member_id is None or line.member_id == member_id) and (kinds is None or line.type in kinds)]
    extra: dict[str, Any] = {}
    if full_rows is not None:
        ids = {line.id for line in wanted}
        items = [_entry_dict(r, reversed_by.get(r[0])) for r in full_rows if r[0] in ids]
    else:
        items, extra = _page(session, campaign, wanted, reversed_by, page or 1, per_page)
    for item in items:
        item["direction"] = rules.entry_direction(item["type"], type_of.get(item["reverses"]))
    _hide_references(items, references)
    return {
        "items": items,
        "balances": balances_data(b),
        "members": _member_rows(session, campaign, lines, b),
        **extra,
    }


def _page(session: Session, campaign: Campaign, wanted: list[_Line], reversed_by: dict[int, int],
          page: int, per_page: int) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """One page of the wanted entries, newest first, and its paging data {count, page, pages, pages_of}."""
    count = len(wanted)
    pages = max(1, -(-count // per_page))
    page = min(max(page, 1), pages)
    hi = count - (page - 1) * per_page  # newest first: page 1 holds the last per_page entries
    shown = wanted[max(0, hi - per_page):hi]
    rows = _entry_rows(session, campaign, id_range=(shown[0].id, shown[-1].id)) if shown else []
    if len(rows) != len(shown):  # a filter left out some entries in between
        ids = {line.id for line in shown}
        rows = [r for r in rows if r[0] in ids]
    items = [_entry_dict(r, reversed_by.get(r[0])) for r in reversed(rows)]
    refs = {ref for i in items for ref in (i["reverses"], i["reversed_by"]) if ref}
    position = {line.id: n for n, line in enumerate(wanted)} if refs else {}
    pages_of = {ref: (count - 1 - position[ref]) // per_page + 1 for ref in refs if ref in position}
    return items, {"count": count, "page": page, "pages": pages, "pages_of": pages_of}


def balances_data(b: rules.Balances) -> dict[str, int]:
    """A campaign's balances as plain data (minor units): the ledger page, the API, the report."""
    return {"pledged": b.pledged, "paid": b.paid, "spent": b.spent, "refunded": b.refunded,
            "written_off": b.written_off, "carried": b.carried, "available": b.available}


#: the balances shoppers see on a chamber's open books (what was written off stays between members)
PUBLIC_BALANCE_FIELDS = ("pledged", "paid", "spent", "refunded", "carried", "available")


def public_balances_data(b: rules.Balances) -> dict[str, int]:
    """The public part of balances_data (the open books)."""
    data = balances_data(b)
    return {key: data[key] for key in PUBLIC_BALANCE_FIELDS}


def _member_rows(session: Session, campaign: Campaign, lines: list[_Line], b: rules.Balances) -> list[dict[str, Any]]:
    """Each participant or member with entries: share, paid, still owed and refunded, by business name."""
    entry_members = {line.member_id for line in lines if line.member_id is not None}
    names = dict(session.execute(
        select(Member.id, Member.business_name).where(
            Member.chamber_id == campaign.chamber_id,
            or_(
                Member.id.in_(select(Participation.member_id).where(
                    Participation.chamber_id == campaign.chamber_id, Participation.campaign_id == campaign.id)),
                Member.id.in_(entry_members),
            ),
        )
    ).all())
    cancelled = campaign.cancelled
    return [
        {"member_id": mid, "business_name": name, **b.account(mid, cancelled=cancelled)}
        for mid, name in sorted(names.items(), key=lambda kv: (kv[1], kv[0]))
    ]


# --------------------------------------------------------------------------- chamber and campaign


def chamber_data(chamber: Chamber) -> dict[str, Any]:
    """The chamber as the campaign documents show it."""
    return {"slug": chamber.slug, "name": chamber.name, "region": chamber.region,
            "currency": chamber.currency, "timezone": chamber.timezone}


def campaign_data(session: Session, campaign: Campaign, *, participants: int | None = None) -> dict[str, Any]:
    """The campaign as plain data: settings (money in minor units, aware UTC times), status, counts.

    The one presenter of a campaign: the API (api.campaign_json), the pages (loading.render_campaign), the
    documents and the edit form's prefill (forms.CampaignForm.prefill) start from it; what shoppers see
    is a part of it (public_campaign_data).
    """
    data = _campaign_fields(session, campaign)
    data["participant_count"] = participant_count(session, campaign) if participants is None else participants
    return data


def campaigns_data(session: Session, campaigns: Sequence[Campaign]) -> list[dict[str, Any]]:
    """campaign_data of several campaigns of one chamber, their participant counts read in one query."""
    if not campaigns:
        return []
    counts = participant_counts(session, campaigns[0].chamber_id, [c.id for c in campaigns])
    return [campaign_data(session, c, participants=counts.get(c.id, 0)) for c in campaigns]


def campaign_list(session: Session, chamber: Chamber, *, include_drafts: bool = False) -> list[dict[str, Any]]:
    """The chamber's campaigns as campaign_data, newest start first (their counts read in the same query)."""
    return [campaign_data(session, c, participants=n)
            for c, n in list_campaigns(session, chamber, include_drafts=include_drafts)]


#: what a shopper may see of a campaign: no budget, shares, weights, tiers or internal ids
PUBLIC_CAMPAIGN_FIELDS = ("slug", "title", "festival", "description", "status", "starts_at", "ends_at",
                          "optin_deadline", "cancelled", "cancel_reason")


def public_campaign_data(session: Session, campaign: Campaign) -> dict[str, Any]:
    """The public part of campaign_data (public page, flyer): a cancel reason only once cancelled."""
    fields = _campaign_fields(session, campaign)
    data = {key: fields[key] for key in PUBLIC_CAMPAIGN_FIELDS}
    if not campaign.cancelled:
        data["cancel_reason"] = ""
    return data


def _campaign_fields(session: Session, campaign: Campaign) -> dict[str, Any]:
    chamber = session.get(Chamber, campaign.chamber_id)
    assert chamber is not None
    return {
        "id": campaign.id,
        "chamber": chamber.slug,
        "currency": chamber.currency,
        "timezone": chamber.timezone,
        "slug": campaign.slug,
        "title": campaign.title,
        "festival": campaign.festival,
        "description": campaign.description,
        "starts_at": campaign.starts_at,
        "ends_at": campaign.ends_at,
        "optin_deadline": campaign.optin_deadline,
        "opens_at": campaign.opens_at,
        "budget_minor": campaign.budget_minor,
        "method": campaign.method,
        "min_share_minor": campaign.min_share_minor,
        "max_share_pct": campaign.max_share_pct,
        "min_participants": campaign.min_participants,
        "min_pooled_minor": campaign.min_pooled_minor,
        "status": campaign.status,
        "shares_preview": campaign.shares_preview,
        "ledger_open": campaign.ledger_open,
        "cancelled": campaign.cancelled,
        "cancel_reason": campaign.cancel_reason,
        "settlement_mode": campaign.settlement_mode,
        "locked_at": campaign.locked_at,
        "settled_at": campaign.settled_at,
        "cancelled_at": campaign.cancelled_at,
    }


# --------------------------------------------------------------------------- statement and report


def _shares_by_member(session: Session, campaign: Campaign) -> dict[int, dict[str, Any]]:
    """compute_shares by member id; empty when a preview cannot be computed (the rule cannot share)."""
    try:
        return {i["member_id"]: i for i in compute_shares(session, campaign)}
    except Conflict:
        return {}


def statement_data(session: Session, chamber: Chamber, campaign: Campaign, member: Member,
                   *, now: dt.datetime | None = None) -> dict[str, Any]:
    """A member's contribution statement as plain data (amounts in minor units, aware UTC times).

    {chamber, campaign, member, share_minor, weight, preview (share not frozen yet), paid_minor,
     outstanding_minor, refund_minor, payments: [{id, paid_on, method, reference, amount_minor,
     reversed, created_at}], refunds: [{id, amount_minor, created_at}], generated_at}
    """
    b = balances(session, campaign)
    rows = session.execute(
        select(LedgerEntry)
        .where(LedgerEntry.chamber_id == campaign.chamber_id, LedgerEntry.campaign_id == campaign.id,
               LedgerEntry.member_id == member.id)
        .order_by(LedgerEntry.id)
    ).scalars().all()
    reversed_ids = {e.reverses_id for e in rows if e.entry_type == "reversal"}
    pledge = next((e for e in rows if e.entry_type == "pledge"), None)
    preview = pledge is None and campaign.status in rules.SHARES_PREVIEW
    share: int | None
    if pledge is not None:
        share, weight = pledge.amount_minor, pledge.weight
    elif preview:
        item = _shares_by_member(session, campaign).get(member.id)
        share, weight = (item["share_minor"], item["weight"]) if item else (None, None)
    else:
        share, weight = 0, None
    paid = b.member_paid.get(member.id, 0)
    return {
        "chamber": chamber_data(chamber),
        "campaign": campaign_data(session, campaign),
        "member": {"id": member.id, "business_name": member.business_name, "uscc": member.uscc,
                   "contact_name": member.contact_name},
        "share_minor": share,
        "weight": plain_decimal(weight) if weight is not None else None,
        "preview": preview,
        "paid_minor": paid,
        "written_off_minor": b.member_written_off.get(member.id, 0),
        "outstanding_minor": rules.still_owed(share, paid, cancelled=campaign.cancelled,
                                              written_off=b.member_written_off.get(member.id, 0)),
        "refund_minor": b.member_refund.get(member.id, 0),
        "payments": [
            {"id": e.id, "paid_on": e.paid_on, "method": e.method, "reference": e.reference,
             "amount_minor": e.amount_minor, "reversed": e.id in reversed_ids, "created_at": e.created_at}
            for e in rows if e.entry_type == "payment"
        ],
        "refunds": [
            {"id": e.id, "amount_minor": e.amount_minor, "created_at": e.created_at}
            for e in rows if e.entry_type == "refund"
        ],
        "generated_at": now or utcnow(),
    }


def report_data(session: Session, chamber: Chamber, campaign: Campaign,
                *, now: dt.datetime | None = None) -> dict[str, Any]:
    """The campaign budget report as plain data (amounts in minor units).

    {chamber, campaign, participant_count, shares_preview, apportionment: [{member_id,
     business_name, weight, share_minor, paid_minor, outstanding_minor, refund_minor}],
     apportionment_total: {share_minor, paid_minor, outstanding_minor, refund_minor},
     expenses: [{category, count, amount_minor}] (reversed expenses left out), expenses_total_minor,
     balances: {pledged, paid, spent, refunded, carried, available}, generated_at}

    The shares are computed once (compute_shares: the pledges once locked, else a preview); paid and
    refunded come from the ledger's balances, still owed from rules.still_owed.
    """
    view = ledger_view(session, campaign)
    shares = _shares_by_member(session, campaign)
    cancelled = campaign.cancelled
    apportionment = []
    for m in view["members"]:
        item = shares.get(m["member_id"])
        share = item["share_minor"] if item else 0
        apportionment.append({
            "member_id": m["member_id"],
            "business_name": m["business_name"],
            "weight": plain_decimal(item["weight"]) if item and item["weight"] is not None else None,
            "share_minor": share,
            "paid_minor": m["paid_minor"],
            "written_off_minor": m["written_off_minor"],
            "outstanding_minor": rules.still_owed(share, m["paid_minor"], cancelled=cancelled,
                                                  written_off=m["written_off_minor"]),
            "refund_minor": m["refund_minor"],
        })
    expenses = _expenses_by_category(view["items"])
    totals = {key: sum(row[key] for row in apportionment)
              for key in ("share_minor", "paid_minor", "written_off_minor", "outstanding_minor", "refund_minor")}
    return {
        "chamber": chamber_data(chamber),
        "campaign": campaign_data(session, campaign),
        "participant_count": len(apportionment),
        "shares_preview": campaign.shares_preview,
        "apportionment": apportionment,
        "apportionment_total": totals,
        "expenses": expenses,
        "expenses_total_minor": sum(e["amount_minor"] for e in expenses),
        "balances": dict(view["balances"]),
        "generated_at": now or utcnow(),
    }


def _expenses_by_category(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Expenses not reversed, summed by category, largest first: [{category, count, amount_minor}]."""
    by_category: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for item in items:
        if item["type"] == "expense" and item["reversed_by"] is None:
            slot = by_category[item["category"]]
            slot[0] += 1
            slot[1] += item["amount_minor"]
    return [{"category": cat, "count": n, "amount_minor": amount}
            for cat, (n, amount) in sorted(by_category.items(), key=lambda kv: (-kv[1][1], kv[0]))]


# --------------------------------------------------------------------------- a merchant's dashboard


def open_campaigns_for_members(session: Session, chamber: Chamber, members: Sequence[Member],
                               now: dt.datetime) -> list[dict[str, Any]]:
    """The open campaigns as one person's businesses see them, with what each would pay now.

    [{campaign (campaign_data), mine: [(member, share_minor or None)], error (why no share can be computed,
    or None), joined_cost, to_join: [(member, JoinCost)], can_join}] — one share computation per campaign
    the businesses take part in.
    """
    rows = open_campaigns_for(session, chamber, [m.id for m in members])
    shown = {data["id"]: data for data in campaigns_data(session, [campaign for campaign, _joined in rows])}
    out = []
    for campaign, joined in rows:
        share_of: dict[int, int] = {}
        error = None
        if joined:
            try:
                share_of = {s["member_id"]: s["share_minor"] for s in compute_shares(session, campaign)}
            except Conflict as err:
                error = err.message
        can_join = now < campaign.optin_deadline
        cost_of = costs.join_costs(session, campaign, list(members)) if can_join else {}
        more_needed = [c.more_needed for mid, c in cost_of.items() if mid in joined and c.more_needed]
        out.append({
            "campaign": shown[campaign.id],
            "mine": [(m, share_of.get(m.id)) for m in members if m.id in joined],
            # plain words ("3 more merchants must join") instead of the rule's arithmetic
            "error": None if more_needed else error,
            "joined_cost": cost_of[next(iter(joined))] if more_needed else None,
            "to_join": [(m, cost_of.get(m.id)) for m in members if m.id not in joined] if can_join else [],
            "can_join": can_join and any(m.id not in joined for m in members),
        })
    return out


def accounts_of_members(session: Session, chamber: Chamber, members: Sequence[Member]) -> dict[str, Any]:
    """What one person's businesses owe or are owed, campaign by campaign, and how to pay:
    {items: [member_accounts item + business_name, campaign as campaign_data], collection, several}.

    collection is None when nothing is to be paid now, False when something is and the organizers have
    not said how, else the chamber's collection details.
    """
    names = {m.id: m.business_name for m in members}
    items = member_accounts(session, chamber, list(names))
    # one campaign_data per campaign (several businesses may take part in it), counts read in one query
    rows = list({item["campaign"].id: item["campaign"] for item in items}.values())
    shown = {data["id"]: data for data in campaigns_data(session, rows)}
    for item in items:
        item["business_name"] = names[item["member_id"]]
        item["campaign"] = shown[item["campaign"].id]
        item["asks_payment"] = rules.asks_payment(item["campaign"]["status"], item["outstanding_minor"])
    owing = any(i["asks_payment"] for i in items)
    return {"items": items, "collection": (collection_details(session, chamber) or False) if owing else None,
            "several": len(members) > 1}


def public_merchants_data(session: Session, campaign: Campaign) -> list[dict[str, Any]]:
    """The approved merchants taking part as shoppers see them (the public page, the flyer): their offer, shop
    link, WeChat id, credit score and whether their offer has a picture; by business name."""
    rows = public_participants(session, campaign)
    scores = trust_queries.current_scores(session, campaign.chamber_id, [row[2] for row in rows]) if rows else {}
    return [
        {
            "member_id": mid,
            "business_name": name,
            "headline": headline,
            "details": details,
            "shop_url": shop,
            "wechat_id": wechat,
            "score": (scores.get(mid) or {}).get("score"),
            "picture": picture is not None,
        }
        for headline, details, mid, name, shop, wechat, picture in rows
    ]


def open_books_data(chamber: Chamber, balances: rules.Balances, entries: Sequence[Any]) -> dict[str, Any]:
    """The open books (the chamber's public campaign ledger) as plain data: balances, expenses with payee,
    refunds, and payments by name or only as a count, as the chamber chose (Chamber.public_ledger)."""
    payments = [e for e in entries if e.entry_type == "payment"]
    by_name = chamber.public_ledger == "names"
    return {
        "balances": public_balances_data(balances),
        "expenses": [
            {
                "payee": e.payee,
                "category": e.category,
                "amount_minor": e.amount_minor,
                "description": e.description,
                "receipt": e.receipt_id is not None,
                "at": e.created_at,
            }
            for e in entries
            if e.entry_type == "expense"
        ],
        "refunds": [
            {"business_name": e.business_name if by_name else None, "amount_minor": e.amount_minor, "at": e.created_at}
            for e in entries
            if e.entry_type == "refund"
        ],
        "carried": [
            {"amount_minor": e.amount_minor, "at": e.created_at} for e in entries if e.entry_type == "carry_to_fund"
        ],
        "payments": [
            {"business_name": e.business_name, "amount_minor": e.amount_minor, "paid_on": e.paid_on} for e in payments
        ]
        if by_name
        else None,
        "payment_count": len(payments),  # their total is balances.paid: payments net of reversals
        "by_name": by_name,
    }
