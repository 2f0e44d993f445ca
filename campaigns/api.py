"""Campaigns and pooled budgets: the JSON API (see ../shared/API.md).

Views are thin: validate, load (404), check the role, call ONE operation, commit once.
Money goes out as decimal strings, times with the chamber's UTC offset.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from flask import Response, jsonify, request, url_for
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage

from chamber.api import ApiError, local_iso, operation_error, token_user, validate_json, validate_multipart
from chamber.db import get_session
from chamber.errors import Conflict, Invalid
from chamber.hardening import private_document
from chamber.models import Chamber
from chamber.rules import format_money, plain_decimal
from chamber.web import chamber_role, load_chamber, upload_limit

from . import operations as ops
from . import presenters, queries, rules
from .forms import (
    CampaignForm,
    CollectionForm,
    ExpenseForm,
    OfferImageForm,
    ParticipationForm,
    PaymentForm,
    RefundPayoutForm,
    ReversalForm,
    SettlementForm,
    TransitionForm,
    WriteOffForm,
)
from .loading import load_campaign
from .models import MAX_OFFER_IMAGE, MAX_QR, MAX_RECEIPT_REQUEST, Campaign

# --------------------------------------------------------------------------- helpers



def _money(value: int | None, currency: str) -> str | None:
    return format_money(value, currency) if value is not None else None


def _pct(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    value = value.normalize()
    return int(value) if value == value.to_integral_value() else float(value)


def campaign_json(summary: dict[str, Any]) -> dict[str, Any]:
    """Long: one line per field of the contract's campaign shape."""
    cur, tz = summary["currency"], summary["timezone"]
    return {
        "slug": summary["slug"],
        "title": summary["title"],
        "festival": summary["festival"],
        "description": summary["description"],
        "starts_at": local_iso(summary["starts_at"], tz),
        "ends_at": local_iso(summary["ends_at"], tz),
        "optin_deadline": local_iso(summary["optin_deadline"], tz),
        "opens_at": local_iso(summary["opens_at"], tz),
        "budget": _money(summary["budget_minor"], cur),
        "apportionment": {
            "method": summary["method"],
            "min_share": _money(summary["min_share_minor"], cur),
            "max_share_pct": _pct(summary["max_share_pct"]),
        },
        "min_participants": summary["min_participants"],
        "min_pooled": _money(summary["min_pooled_minor"], cur),
        "status": summary["status"],
        "participant_count": summary["participant_count"],
        "cancel_reason": summary["cancel_reason"],
        "settlement_mode": summary["settlement_mode"],
        "currency": cur,
    }


def _campaign_response(campaign: Campaign, status: int = 200) -> Any:
    return jsonify(campaign_json(presenters.campaign_data(get_session(), campaign))), status


def entries_json(items: list[dict[str, Any]], currency: str, timezone: str) -> list[dict[str, Any]]:
    """Ledger entries (the fresh dicts of presenters.ledger_view / presenters.entry_view) as the API's entries.

    Converted in place, in one pass: GET .../ledger serializes thousands of these
    (bench/bench_ledger.py), and a copy per entry cost more than the conversion. The zone is looked
    up once and each distinct time converted once (the pledges of a lock, for one, share theirs).
    """
    zone = ZoneInfo(timezone)
    times: dict[dt.datetime, str] = {}
    for item in items:
        created = item["created_at"]
        text = times.get(created)
        if text is None:
            text = times[created] = created.astimezone(zone).isoformat()
        item["created_at"] = text
        item["amount"] = format_money(item.pop("amount_minor"), currency)
        if item["weight"] is not None:
            item["weight"] = plain_decimal(item["weight"])
        if item["paid_on"] is not None:
            item["paid_on"] = item["paid_on"].isoformat()
    return items


def entry_json(item: dict[str, Any], currency: str, timezone: str) -> dict[str, Any]:
    return entries_json([item], currency, timezone)[0]


def _campaign_form(chamber: Chamber) -> CampaignForm:
    """Validate the campaign body (``apportionment`` is nested: CampaignForm.api_groups)."""
    return validate_json(CampaignForm, currency=chamber.currency, timezone=chamber.timezone)


_RULE_FIELDS = {"min_share": "apportionment.min_share", "max_share_pct": "apportionment.max_share_pct"}


# --------------------------------------------------------------------------- campaigns


def list_campaigns(slug: str) -> Any:
    chamber = load_chamber(slug)
    organizer = chamber_role(chamber) == "organizer"
    session = get_session()
    items = [campaign_json(c) for c in presenters.campaign_list(session, chamber, include_drafts=organizer)]
    return jsonify(items=items)


def create_campaign(slug: str) -> Any:
    chamber = load_chamber(slug, role="organizer")
    form = _campaign_form(chamber)
    session = get_session()
    try:
        campaign = ops.create_campaign(session, chamber, token_user(), **form.campaign_fields())
    except (Conflict, Invalid) as err:
        raise operation_error(err, _RULE_FIELDS) from None
    return _campaign_response(campaign, 201)


def get_campaign(slug: str, key: str) -> Any:
    _chamber, campaign = load_campaign(slug, key)
    return _campaign_response(campaign)


def update_campaign(slug: str, key: str) -> Any:
    chamber, campaign = load_campaign(slug, key, role="organizer")
    form = _campaign_form(chamber)
    session = get_session()
    try:
        ops.update_campaign(session, campaign, **form.campaign_fields())
    except (Conflict, Invalid) as err:
        raise operation_error(err, _RULE_FIELDS) from None
    return _campaign_response(campaign)


def transition(slug: str, key: str) -> Any:
    _chamber, campaign = load_campaign(slug, key, role="organizer")
    form = validate_json(TransitionForm)
    session = get_session()
    ops.transition_campaign(session, campaign, form.to.data, token_user(), mode=form.mode.data or None,
                            reason=form.reason.data or "")
    return _campaign_response(campaign)


def settle(slug: str, key: str) -> Any:
    _chamber, campaign = load_campaign(slug, key, role="organizer")
    form = validate_json(SettlementForm)
    session = get_session()
    ops.settle_campaign(session, campaign, form.mode.data, token_user())
    return _campaign_response(campaign)


# --------------------------------------------------------------------------- participation


def participation_json(p: Any, chamber: Chamber) -> dict[str, Any]:
    return {
        "member_id": p.member_id,
        "offer_headline": p.offer_headline,
        "offer_details": p.offer_details,
        "joined_at": local_iso(p.joined_at, chamber.timezone),
        "updated_at": local_iso(p.updated_at, chamber.timezone),
    }


def put_participation(slug: str, key: str) -> Any:
    chamber, campaign = load_campaign(slug, key, role="member")
    form = validate_json(ParticipationForm)
    session = get_session()
    member = queries.acting_business(session, chamber, token_user(), form.member_id.data)
    participation, _created = ops.opt_in(session, campaign, member, offer_headline=form.offer_headline.data,
                                         offer_details=form.offer_details.data or "")
    return jsonify(participation_json(participation, chamber))


@upload_limit(MAX_OFFER_IMAGE + 64 * 1024)
def put_offer_image(slug: str, key: str) -> Any:
    chamber, campaign = load_campaign(slug, key, role="member")
    form = validate_multipart(OfferImageForm)
    data = form.image.data.stream.read(MAX_OFFER_IMAGE + 1) if isinstance(form.image.data, FileStorage) else b""
    if not data:
        raise ApiError(400, _("Attach the picture as a file."), fields={"image": _("Attach the picture as a file.")})
    session = get_session()
    try:
        member = queries.acting_business(session, chamber, token_user(), form.member_id.data)
        ops.set_offer_image(session, campaign, member, data)
    except (Conflict, Invalid) as err:
        raise operation_error(err, rename={"offer_image": "image"}) from None  # the API's part is called image
    return jsonify(member_id=member.id, picture_url=url_for("campaigns.offer_image", slug=chamber.slug,
                                                            key=campaign.slug, member_id=member.id))


def delete_offer_image(slug: str, key: str) -> Any:
    chamber, campaign = load_campaign(slug, key, role="member")
    session = get_session()
    member = queries.acting_business(session, chamber, token_user(), request.args.get("member_id"))
    ops.set_offer_image(session, campaign, member, None)
    return Response(status=204)


def delete_participation(slug: str, key: str) -> Any:
    chamber, campaign = load_campaign(slug, key, role="member")
    session = get_session()
    member = queries.acting_business(session, chamber, token_user(), request.args.get("member_id"))
    ops.withdraw(session, campaign, member)
    return Response(status=204)


def get_shares(slug: str, key: str) -> Any:
    """Long: a preview the rule cannot produce answers 409 with its reason; amounts formatted as the contract says."""
    chamber, campaign = load_campaign(slug, key, role="member")
    items = queries.compute_shares(get_session(), campaign)
    return jsonify(
        total=format_money(sum(i["share_minor"] for i in items), chamber.currency),
        items=[
            {
                "member_id": i["member_id"],
                "business_name": i["business_name"],
                "weight": plain_decimal(i['weight']) if i["weight"] is not None else None,
                "share": format_money(i["share_minor"], chamber.currency),
            }
            for i in items
        ],
    )


# --------------------------------------------------------------------------- ledger


def _entry_response(campaign: Campaign, chamber: Chamber, entry: Any) -> Any:
    # organizers only: they see every reference
    item = presenters.entry_view(get_session(), campaign, entry, references="all")
    return jsonify(entry_json(item, chamber.currency, chamber.timezone)), 201


def post_payment(slug: str, key: str) -> Any:
    chamber, campaign = load_campaign(slug, key, role="organizer")
    form = validate_json(PaymentForm, currency=chamber.currency, timezone=chamber.timezone)
    session = get_session()
    entry = ops.record_payment(
        session, campaign, token_user(), member_id=form.member_id.data, amount_minor=form.amount.amount,
        method=form.method.data, reference=form.reference.data or "", paid_on=form.paid_on.data,
    )
    return _entry_response(campaign, chamber, entry)


def _expense_form(chamber: Chamber) -> tuple[ExpenseForm, bytes | None]:
    """JSON, or multipart/form-data with an optional ``receipt`` file."""
    if request.mimetype != "multipart/form-data":
        return validate_json(ExpenseForm, currency=chamber.currency), None
    form = validate_multipart(ExpenseForm, currency=chamber.currency)
    upload = form.receipt.data
    if upload is None or upload == "":
        return form, None
    if not isinstance(upload, FileStorage):
        raise ApiError(400, _("Attach the receipt as a file."), fields={"receipt": _("Attach the receipt as a file.")})
    data = upload.stream.read(rules.MAX_RECEIPT_BYTES + 1)
    if not upload.filename and not data:  # a form's empty file input
        return form, None
    return form, data


@upload_limit(MAX_RECEIPT_REQUEST)
def post_expense(slug: str, key: str) -> Any:
    chamber, campaign = load_campaign(slug, key, role="organizer")
    form, receipt = _expense_form(chamber)
    session = get_session()
    entry = ops.record_expense(
        session, campaign, token_user(), payee=form.payee.data, category=form.category.data,
        amount_minor=form.amount.amount, description=form.description.data or "", receipt=receipt,
    )
    return _entry_response(campaign, chamber, entry)


def post_reversal(slug: str, key: str, entry_id: int) -> Any:
    chamber, campaign = load_campaign(slug, key, role="organizer")
    session = get_session()
    entry = queries.get_entry(session, campaign, entry_id)
    if entry is None:
        raise ApiError(404, _("There is no such ledger entry."))
    form = validate_json(ReversalForm)
    reversal = ops.reverse_entry(session, campaign, entry, token_user(), reason=form.reason.data)
    return _entry_response(campaign, chamber, reversal)


def get_ledger(slug: str, key: str) -> Any:
    """Long: the ledger's filters and paging parameters, validated, and the whole view formatted as the
    contract says."""
    chamber, campaign = load_campaign(slug, key, role="member")
    kind = request.args.get("kind") or None
    session = get_session()
    readers = queries.reference_readers(session, chamber, token_user(), organizer=chamber_role(chamber) == "organizer")
    view = presenters.ledger_view(session, campaign, member_id=request.args.get("member_id", type=int),
                           kinds=frozenset({kind}) if kind else None, references=readers)
    cur = chamber.currency
    payouts = queries.refund_payouts(session, campaign)
    for item in view["items"]:
        if item["type"] == "refund":  # the money actually paid back, once an organizer says so
            payout = payouts.get(item["id"])
            item["paid_out"] = payout_json(payout) if payout is not None else None
    return jsonify(
        items=entries_json(view["items"], cur, chamber.timezone),
        balances={k: format_money(v, cur) for k, v in view["balances"].items()},
        members=[
            {
                "member_id": m["member_id"],
                "business_name": m["business_name"],
                "share": format_money(m["share_minor"], cur),
                "paid": format_money(m["paid_minor"], cur),
                "written_off": format_money(m["written_off_minor"], cur),
                "outstanding": format_money(m["outstanding_minor"], cur),
                "refund": format_money(m["refund_minor"], cur),
            }
            for m in view["members"]
        ],
    )


@private_document
def get_receipt(slug: str, key: str, receipt_id: int) -> Any:
    _chamber, campaign = load_campaign(slug, key, role="member")
    receipt = queries.get_receipt(get_session(), campaign, receipt_id)
    if receipt is None:
        raise ApiError(404, _("There is no such receipt."))
    resp = Response(receipt.data, mimetype=receipt.content_type)
    name = rules.receipt_filename(receipt.id, receipt.content_type)
    resp.headers["Content-Disposition"] = f'inline; filename="{name}"'
    resp.headers["Content-Security-Policy"] = "sandbox"
    return resp


def get_notices(slug: str) -> Any:
    chamber = load_chamber(slug, role="member")
    session = get_session()
    user = token_user()
    members = [m.id for m in queries.approved_members_of(session, chamber, user)]
    # read from the caller's inbox (the delivery service): the notices moved there
    return jsonify(items=[
        {"campaign": c.slug, "member_id": member_id, "kind": kind, "message": message,
         "created_at": local_iso(at, chamber.timezone)}
        for member_id, kind, message, at, c in queries.inbox_notices(session, chamber, user.id, members)
    ])


# --------------------------------------------------------------------------- owing and being owed


def post_write_off(slug: str, key: str) -> Any:
    chamber, campaign = load_campaign(slug, key, role="organizer")
    form = validate_json(WriteOffForm, currency=chamber.currency)
    session = get_session()
    entry = ops.write_off(session, campaign, token_user(), member_id=form.member_id.data, reason=form.reason.data,
                          amount_minor=form.amount.amount if form.amount.data else None)
    return _entry_response(campaign, chamber, entry)


def payout_json(payout: Any) -> dict[str, Any]:
    return {"refund_id": payout.refund_id, "method": payout.method, "reference": payout.reference,
            "paid_on": payout.paid_on.isoformat()}


def post_refund_payout(slug: str, key: str, refund_id: int) -> Any:
    chamber, campaign = load_campaign(slug, key, role="organizer")
    session = get_session()
    entry = queries.get_entry(session, campaign, refund_id)
    if entry is None or entry.entry_type != "refund":
        raise ApiError(404, _("There is no such refund."))
    form = validate_json(RefundPayoutForm, timezone=chamber.timezone)
    payout = ops.record_refund_payout(session, campaign, entry, token_user(), method=form.method.data,
                                      reference=form.reference.data or "", paid_on=form.paid_on.data)
    return jsonify(payout_json(payout)), 201


def _collection_json(chamber: Chamber) -> dict[str, Any]:
    details = queries.collection_details(get_session(), chamber)
    if details is None:
        return {"account": "", "qr": None}
    qr = None
    if details.qr_data is not None:
        qr = {"kind": details.qr_kind, "content_type": details.qr_content_type, "sha256": details.qr_sha256,
              "url": f"/api/v1/chambers/{chamber.slug}/collection/qr"}
    return {"account": details.account, "qr": qr}


def get_collection(slug: str) -> Any:
    chamber = load_chamber(slug, role="member")
    return jsonify(_collection_json(chamber))


@upload_limit(MAX_QR + 64 * 1024)
def put_collection(slug: str) -> Any:
    """JSON {account, qr_kind, remove_qr}, or multipart/form-data with the same fields and a ``qr`` file.

    Long: JSON or multipart (validate_json reads JSON only; validate_multipart the parts), then the file."""
    chamber = load_chamber(slug, role="organizer")
    qr: bytes | None = None
    if request.mimetype == "multipart/form-data":
        form = validate_multipart(CollectionForm)
        upload = form.qr.data
        if isinstance(upload, FileStorage):
            qr = upload.stream.read(MAX_QR + 1) or None
    else:
        form = validate_json(CollectionForm)
    session = get_session()
    ops.set_collection_details(session, chamber, token_user(), account=form.account.data or "", qr=qr,
                               qr_kind=form.qr_kind.data or None, remove_qr=bool(form.remove_qr.data))
    return jsonify(_collection_json(chamber))


@private_document
def get_collection_qr(slug: str) -> Any:
    chamber = load_chamber(slug, role="member")
    details = queries.collection_details(get_session(), chamber)
    if details is None or details.qr_data is None:
        raise ApiError(404, _("The chamber has no collection QR code."))
    resp = Response(details.qr_data, mimetype=details.qr_content_type)
    resp.headers["Content-Security-Policy"] = "sandbox"
    return resp
