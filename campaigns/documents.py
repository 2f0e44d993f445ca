"""Campaign documents: contribution statements and the budget report (PDF), shares and ledger (CSV).

Each view serves both its API route (/api/v1/..., bearer token) and its page URL (logged-in
session); ``load_chamber``/``fail`` answer in the right shape for either (401/404 JSON for the
API, login redirect / error page for pages).

PDFs follow chamber.pdf's rule: the builders below copy everything into plain dicts, the view
ends the transaction, and only then renders.  CSVs are UTF-8 with a BOM (so that Excel opens
Chinese correctly), amounts as decimal strings with the currency's digits.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from typing import Any
from zoneinfo import ZoneInfo

from flask import Response
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from chamber.api import is_api_request
from chamber.datefmt import spreadsheet_time
from chamber.db import get_session, utcnow
from chamber.errors import Conflict
from chamber.hardening import private_document
from chamber.models import Chamber, Member
from chamber.pdf import render_pdf
from chamber.rules import format_money, plain_decimal
from chamber.web import acting_user, chamber_role, fail, load_chamber

from . import labels
from . import operations as ops
from .models import Campaign, LedgerEntry

# --------------------------------------------------------------------------- plain-dict builders


def chamber_dict(chamber: Chamber) -> dict[str, Any]:
    return {"slug": chamber.slug, "name": chamber.name, "region": chamber.region,
            "currency": chamber.currency, "timezone": chamber.timezone}


def campaign_dict(campaign: Campaign) -> dict[str, Any]:
    return {
        "slug": campaign.slug, "title": campaign.title, "festival": campaign.festival, "status": campaign.status,
        "method": campaign.method, "budget_minor": campaign.budget_minor, "starts_at": campaign.starts_at,
        "ends_at": campaign.ends_at, "optin_deadline": campaign.optin_deadline, "locked_at": campaign.locked_at,
        "settled_at": campaign.settled_at, "settlement_mode": campaign.settlement_mode,
        "cancel_reason": campaign.cancel_reason,
    }


def _preview_share(session: Session, campaign: Campaign, member_id: int) -> tuple[int | None, Any]:
    """(share_minor, weight) of a member before the shares are frozen; (None, None) if the rule cannot share."""
    try:
        items = ops.compute_shares(session, campaign)
    except Conflict:
        return None, None
    for item in items:
        if item["member_id"] == member_id:
            return item["share_minor"], item["weight"]
    return None, None


def statement_data(session: Session, chamber: Chamber, campaign: Campaign, member: Member,
                   *, now: dt.datetime | None = None) -> dict[str, Any]:
    """A member's contribution statement as plain data (amounts in minor units, aware UTC times).

    {chamber, campaign, member, share_minor, weight, preview (share not frozen yet), paid_minor,
     outstanding_minor, refund_minor, payments: [{id, paid_on, method, reference, amount_minor,
     reversed, created_at}], refunds: [{id, amount_minor, created_at}], generated_at}
    """
    b = ops.balances(session, campaign)
    rows = session.execute(
        select(LedgerEntry)
        .where(LedgerEntry.chamber_id == campaign.chamber_id, LedgerEntry.campaign_id == campaign.id,
               LedgerEntry.member_id == member.id)
        .order_by(LedgerEntry.id)
    ).scalars().all()
    reversed_ids = {e.reverses_id for e in rows if e.entry_type == "reversal"}
    pledge = next((e for e in rows if e.entry_type == "pledge"), None)
    preview = pledge is None and campaign.status in ("draft", "open")
    share: int | None
    if pledge is not None:
        share, weight = pledge.amount_minor, pledge.weight
    elif preview:
        share, weight = _preview_share(session, campaign, member.id)
    else:
        share, weight = 0, None
    paid = b.member_paid.get(member.id, 0)
    return {
        "chamber": chamber_dict(chamber),
        "campaign": campaign_dict(campaign),
        "member": {"id": member.id, "business_name": member.business_name, "uscc": member.uscc,
                   "contact_name": member.contact_name},
        "share_minor": share,
        "weight": plain_decimal(weight) if weight is not None else None,
        "preview": preview,
        "paid_minor": paid,
        "outstanding_minor": 0 if campaign.status == "cancelled" or share is None else max(share - paid, 0),
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
    """
    view = ops.ledger_view(session, campaign)
    try:
        shares = {i["member_id"]: i for i in ops.compute_shares(session, campaign)}
    except Conflict:
        shares = {}
    preview = campaign.status in ("draft", "open")
    apportionment = []
    for m in view["members"]:
        share_item = shares.get(m["member_id"])
        share = share_item["share_minor"] if (preview and share_item) else m["share_minor"]
        weight = share_item["weight"] if share_item else None
        apportionment.append({
            "member_id": m["member_id"],
            "business_name": m["business_name"],
            "weight": plain_decimal(weight) if weight is not None else None,
            "share_minor": share,
            "paid_minor": m["paid_minor"],
            "outstanding_minor": m["outstanding_minor"] if not preview else max(share - m["paid_minor"], 0),
            "refund_minor": m["refund_minor"],
        })
    by_category: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for item in view["items"]:
        if item["type"] == "expense" and item["reversed_by"] is None:
            slot = by_category[item["category"]]
            slot[0] += 1
            slot[1] += item["amount_minor"]
    expenses = [{"category": cat, "count": n, "amount_minor": amount}
                for cat, (n, amount) in sorted(by_category.items(), key=lambda kv: (-kv[1][1], kv[0]))]
    totals = {key: sum(row[key] for row in apportionment)
              for key in ("share_minor", "paid_minor", "outstanding_minor", "refund_minor")}
    return {
        "chamber": chamber_dict(chamber),
        "campaign": campaign_dict(campaign),
        "participant_count": len(apportionment),
        "shares_preview": preview,
        "apportionment": apportionment,
        "apportionment_total": totals,
        "expenses": expenses,
        "expenses_total_minor": sum(e["amount_minor"] for e in expenses),
        "balances": dict(view["balances"]),
        "generated_at": now or utcnow(),
    }


SHARES_COLUMNS = ("member_id", "business_name", "weight", "share")
LEDGER_COLUMNS = (
    "id", "created_at", "type", "member_id", "business_name", "amount", "method", "reference", "paid_on",
    "payee", "category", "description", "reverses", "reversed_by", "reason", "created_by",
)


def shares_rows(session: Session, chamber: Chamber, campaign: Campaign) -> list[list[str]]:
    """CSV rows (without header) of the shares; Conflict if a preview cannot be computed."""
    return [
        [str(i["member_id"]), i["business_name"],
         plain_decimal(i['weight']) if i["weight"] is not None else "",
         format_money(i["share_minor"], chamber.currency)]
        for i in ops.compute_shares(session, campaign)
    ]


def ledger_rows(session: Session, chamber: Chamber, campaign: Campaign,
                references: ops.References = ()) -> list[list[str]]:
    """CSV rows (without header) of the whole ledger, times in the chamber's zone as spreadsheets read them."""
    view = ops.ledger_view(session, campaign, references=references)
    names = {m["member_id"]: m["business_name"] for m in view["members"]}
    zone = ZoneInfo(chamber.timezone)
    # the API's CSV keeps the codes (stable for programs); the pages' CSV speaks the user's language
    types = {} if is_api_request() else labels.entry_types()
    methods = {} if is_api_request() else labels.payment_methods()

    def text(value: Any) -> str:
        return "" if value is None else str(value)

    return [
        [
            str(i["id"]), spreadsheet_time(i["created_at"].astimezone(zone)), types.get(i["type"], i["type"]),
            text(i["member_id"]), names.get(i["member_id"], "") if i["member_id"] is not None else "",
            format_money(i["amount_minor"], chamber.currency), methods.get(i["method"], text(i["method"])),
         i["reference"],
            i["paid_on"].isoformat() if i["paid_on"] else "", i["payee"], i["category"], i["description"],
            text(i["reverses"]), text(i["reversed_by"]), i["reason"], i["created_by"]["display_name"] or "",
        ]
        for i in view["items"]
    ]


def to_csv(header: tuple[str, ...] | list[str], rows: list[list[str]]) -> bytes:
    """UTF-8 with BOM, CRLF line ends (RFC 4180), every field quoted only when needed."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(_defuse(row) for row in rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _defuse(row: list[str]) -> list[str]:
    """Keep spreadsheet formulas out: a text cell starting with = + - @ (or tab/CR) gets a leading '."""
    out = []
    for value in row:
        if value[:1] in ("=", "+", "@", "\t", "\r") or (value[:1] == "-" and not _is_number(value)):
            value = "'" + value
        out.append(value)
    return out


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


# --------------------------------------------------------------------------- views


def _load(slug: str, key: str) -> tuple[Chamber, Campaign]:
    """Chamber (members and organizers only) and campaign; drafts are 404 except for organizers."""
    chamber = load_chamber(slug, role="member")
    campaign = ops.get_campaign(get_session(), chamber, key)
    if campaign is None or (campaign.status == "draft" and chamber_role(chamber) != "organizer"):
        fail(404, _("There is no such campaign."))
    assert campaign is not None
    return chamber, campaign


def _end_transaction(session: Session) -> None:
    """Reading is done: end the transaction before rendering (chamber.pdf's rule)."""
    session.commit()


def _pdf(data: bytes, filename: str) -> Response:
    resp = Response(data, mimetype="application/pdf")
    resp.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return resp


def _csv(data: bytes, filename: str) -> Response:
    resp = Response(data, mimetype="text/csv")
    resp.headers["Content-Type"] = "text/csv; charset=utf-8"
    resp.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return resp


@private_document
def statement_pdf(slug: str, key: str, member_id: int) -> Response:
    """A member's contribution statement: the member's owner and organizers; anyone else 404."""
    chamber, campaign = _load(slug, key)
    session = get_session()
    member = session.scalar(select(Member).where(Member.chamber_id == chamber.id, Member.id == member_id))
    user = acting_user()
    if member is None or (chamber_role(chamber) != "organizer" and (user is None or member.user_id != user.id)):
        fail(404, _("There is no such statement."))
    assert member is not None
    taking_part = session.scalar(
        select(LedgerEntry.id).where(LedgerEntry.chamber_id == chamber.id, LedgerEntry.campaign_id == campaign.id,
                                     LedgerEntry.member_id == member.id).limit(1)
    ) or ops.get_participation(session, campaign, member)
    if not taking_part:
        fail(404, _("This business does not take part in the campaign."))
    data = statement_data(session, chamber, campaign, member)
    _end_transaction(session)
    return _pdf(render_pdf("pdf/campaigns/statement.html", data), f"statement-{campaign.slug}-{member.id}.pdf")


@private_document
def report_pdf(slug: str, key: str) -> Response:
    """The campaign's budget report: members and organizers."""
    chamber, campaign = _load(slug, key)
    session = get_session()
    data = report_data(session, chamber, campaign)
    _end_transaction(session)
    return _pdf(render_pdf("pdf/campaigns/report.html", data), f"report-{campaign.slug}.pdf")


@private_document
def shares_csv(slug: str, key: str) -> Response:
    """The shares as CSV (frozen pledges once locked, else a preview): members and organizers."""
    chamber, campaign = _load(slug, key)
    try:
        rows = shares_rows(get_session(), chamber, campaign)
    except Conflict as err:
        fail(409, err.message)
        raise  # unreachable: fail() raises
    return _csv(to_csv(_header(SHARES_COLUMNS), rows), f"shares-{campaign.slug}.csv")


@private_document
def ledger_csv(slug: str, key: str) -> Response:
    """The whole ledger as CSV: members and organizers."""
    chamber, campaign = _load(slug, key)
    session = get_session()
    readers = ops.reference_readers(session, chamber, acting_user(), organizer=chamber_role(chamber) == "organizer")
    rows = ledger_rows(session, chamber, campaign, readers)
    return _csv(to_csv(_header(LEDGER_COLUMNS), rows), f"ledger-{campaign.slug}.csv")


def _header(columns: tuple[str, ...]) -> list[str]:
    """The API keeps stable machine keys; the pages' downloads get translated column names."""
    if is_api_request():
        return list(columns)
    labels = {
        "member_id": _("Member no."), "business_name": _("Business"), "weight": _("Weight"), "share": _("Share"),
        "id": _("Entry no."), "created_at": _("Recorded at"), "type": _("Type"), "amount": _("Amount"),
        "method": _("Payment method"), "reference": _("Reference"), "paid_on": _("Paid on"), "payee": _("Payee"),
        "category": _("Category"), "description": _("Description"), "reverses": _("Reverses entry"),
        "reversed_by": _("Reversed by entry"), "reason": _("Reason"), "created_by": _("Recorded by"),
    }
    return [labels[c] for c in columns]
