"""Campaign documents: contribution statements and the budget report (PDF), shares and ledger (CSV).

Each view serves both its API route (/api/v1/..., bearer token) and its page URL (logged-in
session); ``load_chamber``/``fail`` answer in the right shape for either (401/404 JSON for the
API, login redirect / error page for pages).

PDFs follow chamber.pdf's rule: the presenters (presenters.statement_data, report_data) copy
everything into plain dicts, the view ends the transaction, and only then renders.  CSVs are
UTF-8 with a BOM (so that Excel opens Chinese correctly), amounts as decimal strings with the
currency's digits.
"""
from __future__ import annotations

import csv
import io
from typing import Any
from zoneinfo import ZoneInfo

from flask import Response
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from chamber.api import is_api_request
from chamber.datefmt import spreadsheet_time
from chamber.db import get_session
from chamber.errors import Conflict
from chamber.hardening import private_document
from chamber.models import Chamber
from chamber.pdf import render_pdf
from chamber.rules import format_money, plain_decimal
from chamber.web import acting_user, chamber_role, end_transaction, fail

from . import labels, presenters, queries
from .loading import load_campaign, load_statement_member
from .models import Campaign

# --------------------------------------------------------------------------- CSV rows


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
        for i in queries.compute_shares(session, campaign)
    ]


def ledger_rows(session: Session, chamber: Chamber, campaign: Campaign,
                references: queries.References = ()) -> list[list[str]]:
    """CSV rows (without header) of the whole ledger, times in the chamber's zone as spreadsheets read them.

    Long: one column per field of the ledger CSV."""
    view = presenters.ledger_view(session, campaign, references=references)
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
    """A member's contribution statement: the member's owner and organizers, while the business takes part;
    anyone else 404 (loading.load_statement_member)."""
    chamber, campaign = load_campaign(slug, key, "member")
    member = load_statement_member(chamber, campaign, member_id)
    session = get_session()
    data = presenters.statement_data(session, chamber, campaign, member)
    end_transaction()
    return _pdf(render_pdf("pdf/campaigns/statement.html", data), f"statement-{campaign.slug}-{member.id}.pdf")


@private_document
def report_pdf(slug: str, key: str) -> Response:
    """The campaign's budget report: members and organizers."""
    chamber, campaign = load_campaign(slug, key, "member")
    session = get_session()
    data = presenters.report_data(session, chamber, campaign)
    end_transaction()
    return _pdf(render_pdf("pdf/campaigns/report.html", data), f"report-{campaign.slug}.pdf")


@private_document
def shares_csv(slug: str, key: str) -> Response:
    """The shares as CSV (frozen pledges once locked, else a preview): members and organizers."""
    chamber, campaign = load_campaign(slug, key, "member")
    try:
        rows = shares_rows(get_session(), chamber, campaign)
    except Conflict as err:
        fail(409, err.message)
        raise  # unreachable: fail() raises
    return _csv(to_csv(_header(SHARES_COLUMNS), rows), f"shares-{campaign.slug}.csv")


@private_document
def ledger_csv(slug: str, key: str) -> Response:
    """The whole ledger as CSV: members and organizers."""
    chamber, campaign = load_campaign(slug, key, "member")
    session = get_session()
    readers = queries.reference_readers(session, chamber, acting_user(), organizer=chamber_role(chamber) == "organizer")
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
