"""Campaign pages: organizer list/create/edit/status/ledger actions, the member's campaign page, the ledger.

Thin views, the same forms and operations as the JSON API (campaigns/api.py): validate, load
(404), check the role with load_chamber(slug, role=...), call ONE operation, commit once,
redirect with a flash.  Bad input re-renders the page with the message next to the field
(400); a refused move or a conflict shows its message (409).
"""
from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.datastructures import FileStorage

from chamber.db import get_session, utcnow
from chamber.errors import Conflict, Invalid
from chamber.hardening import private_document
from chamber.i18n import local_time
from chamber.models import Chamber
from chamber.rules import plain_decimal
from chamber.web import chamber_role, form_page, load_chamber, money_filter, operation_failed, upload_limit

from . import costs, errors, labels, presenters, previews, queries, rules
from . import operations as ops
from .forms import (
    CampaignForm,
    CollectionForm,
    ExpenseForm,
    ParticipationPageForm,
    PaymentForm,
    RefundPayoutForm,
    ReversalForm,
    SettlementForm,
    TransitionForm,
    WriteOffForm,
    campaign_prefill,
)
from .loading import load_campaign, render_campaign
from .models import MAX_OFFER_IMAGE, MAX_QR, MAX_RECEIPT_REQUEST, Campaign

# --------------------------------------------------------------------------- helpers


def _status(form: Any, status: int = 400) -> int:
    return status if form.errors else 200


def next_moves(campaign: Campaign) -> list[str]:
    """The status moves the organizer may try from here (in the order of the life cycle)."""
    allowed = rules.CAMPAIGN_TRANSITIONS.get(campaign.status, frozenset())
    return [s for s in rules.MOVE_TARGETS if s in allowed]


# --------------------------------------------------------------------------- organizer: campaigns


@login_required
def manage_list(slug: str) -> Any:
    chamber = load_chamber(slug, role="organizer")
    session = get_session()
    return render_template(
        "campaigns/manage_list.html", chamber=chamber,
        campaigns=presenters.campaign_list(session, chamber, include_drafts=True),
        fund=queries.chamber_fund_balance(session, chamber),
    )


def _campaign_form(chamber: Chamber, campaign: Campaign | None = None) -> CampaignForm:
    """The campaign form; on GET prefilled from the campaign (times in the chamber's zone)."""
    data = None
    if campaign is not None and request.method != "POST":
        data = campaign_prefill(presenters.campaign_data(get_session(), campaign))
    form = CampaignForm(data=data, currency=chamber.currency, timezone=chamber.timezone)
    if campaign is not None and campaign.max_share_pct is not None and request.method != "POST":
        # shown as stored (up to 4 decimals), not rounded to the DecimalField's 2 places
        form.max_share_pct.raw_data = [plain_decimal(campaign.max_share_pct)]
    return form


@login_required
def create(slug: str) -> Any:
    chamber = load_chamber(slug, role="organizer")
    form = _campaign_form(chamber)
    return form_page(
        form, lambda: ops.create_campaign(get_session(), chamber, current_user, **form.campaign_fields()),
        done=lambda campaign: (
            _("Campaign “%(title)s” is saved as a draft. Open it when merchants may join.", title=campaign.title),
            url_for("campaigns.manage", slug=chamber.slug, key=campaign.slug)),
        page=lambda status: (render_template("campaigns/form.html", chamber=chamber, form=form, campaign=None),
                             status),
    )


@login_required
def edit(slug: str, key: str) -> Any:
    chamber, campaign = load_campaign(slug, key, "organizer")
    form = _campaign_form(chamber, campaign)
    return form_page(
        form, lambda: ops.update_campaign(get_session(), campaign, **form.campaign_fields()),
        done=lambda _c: (_("Campaign saved."), url_for("campaigns.manage", slug=chamber.slug, key=campaign.slug)),
        page=lambda status: (render_campaign("campaigns/form.html", chamber, campaign, form=form),
                             status),
    )


def _manage_page(chamber: Chamber, campaign: Campaign, *, transition_form: TransitionForm | None = None,
                 cancel_form: TransitionForm | None = None, status: int = 200) -> Any:
    """Long: the manage page shows shares, participants, balances, next moves and unpaid members."""
    session = get_session()
    shares_error = None
    try:
        shares = queries.compute_shares(session, campaign)
    except Conflict as err:
        shares, shares_error = [], err.message
    participants = queries.list_participants(session, campaign)
    share_of = {s["member_id"]: s["share_minor"] for s in shares}
    return render_campaign(
        "campaigns/manage.html", chamber, campaign,
        participants=participants, share_of=share_of, shares_error=shares_error,
        more_needed=costs.merchants_needed(campaign, len(participants)) if campaign.status in rules.SHARES_PREVIEW
        else 0,
        balances=queries.balances(session, campaign) if campaign.status not in rules.SHARES_PREVIEW else None,
        moves=next_moves(campaign),
        unpaid=unpaid_members(campaign) if campaign.status in rules.RAN_TO_END else [],
        transition_form=transition_form or TransitionForm(formdata=None),
        cancel_form=cancel_form or TransitionForm(formdata=None),
    ), status


@login_required
def manage(slug: str, key: str) -> Any:
    chamber, campaign = load_campaign(slug, key, "organizer")
    return _manage_page(chamber, campaign)


@login_required
def transition(slug: str, key: str) -> Any:
    """Move the campaign (status buttons; cancelling carries a reason).  Settling has its own page.

    Long: status buttons and the cancel form share the view; irreversible moves ask for confirmation first."""
    chamber, campaign = load_campaign(slug, key, "organizer")
    form = TransitionForm()
    cancelling = request.form.get("to") == "cancelled"
    if form.validate_on_submit() and form.to.data != "settled":
        session = get_session()
        if form.to.data in CONFIRMED_MOVES and form.to.data in next_moves(campaign) and not confirmed():
            return _confirm_move(chamber, campaign, form.to.data, form.reason.data or "")
        try:
            ops.transition_campaign(session, campaign, form.to.data, current_user, reason=form.reason.data or "")
        except (Conflict, Invalid) as err:
            status = operation_failed(err, form, field="to")
        else:
            flash(_("The campaign is now %(status)s.", status=errors.status_name(campaign.status)), "success")
            return redirect(url_for("campaigns.manage", slug=chamber.slug, key=campaign.slug))
    else:
        if form.to.data == "settled" and not form.errors:
            form.to.errors = [_("Settle the campaign on the settlement page.")]
        status = 400
    kwargs = {"cancel_form": form} if cancelling else {"transition_form": form}
    return _manage_page(chamber, campaign, status=status, **kwargs)


def confirmed() -> bool:
    """Whether the person has seen what an irreversible move will do and confirmed it."""
    return request.form.get("confirmed") == "yes"


def confirm_page(chamber: Chamber, campaign: Campaign, *, heading: str, consequences: list[str],
                 fields: dict[str, str], confirm_label: str, back: str, rows: list[tuple[str, int]] | None = None,
                 danger: bool = False, irreversible: bool = True, link: tuple[str, str] | None = None) -> Any:
    """Ask before an irreversible move: what will happen, then a form re-posting ``fields`` with confirmed=yes.

    A page of its own, not a script: it works without JavaScript and under a strict CSP.
    """
    return render_campaign(
        "campaigns/confirm.html", chamber, campaign, heading=heading,
        consequences=consequences, fields=fields, confirm_label=confirm_label, back=back, rows=rows or [],
        danger=danger, irreversible=irreversible, action=request.path, link=link,
    )


#: status moves that cannot be undone and so ask first (settling has its own page)
CONFIRMED_MOVES = ("locked", "live", "ended", "cancelled")


def _confirm_move(chamber: Chamber, campaign: Campaign, to: str, reason: str) -> Any:
    """What locking, going live, ending or cancelling will do, and the button that does it.

    Long: what each irreversible move (lock, go live, end, cancel) will do: one branch per move."""
    session = get_session()
    cur, tz = chamber.currency, chamber.timezone
    now = utcnow()
    rows = None
    link = None
    if to == "locked":
        lines = [_("Each participant's share is frozen as a pledge they owe; nobody can join, change the offer or "
                   "withdraw any more.")]
        try:
            rows = [(s["business_name"], s["share_minor"]) for s in queries.compute_shares(session, campaign)]
        except Conflict as err:
            lines.append(err.message)
    elif to == "live":
        lines = [_("The campaign goes live: consumers see it and its offers.")]
        if campaign.starts_at > now:
            lines.append(_("It was to start on %(when)s; going live now moves the start to now.",
                           when=local_time(campaign.starts_at, tz)))
    elif to == "ended":
        lines = [_("The campaign ends. Payments and expenses can still be recorded until it is settled.")]
        if campaign.ends_at > now:
            lines.append(_("It was to end on %(when)s; ending now moves the end to now.",
                           when=local_time(campaign.ends_at, tz)))
        unpaid = unpaid_members(campaign)
        if unpaid:
            lines.append(_("These members have not paid in full. Until it is settled you can still record their "
                           "payments, or write off what they owe with a reason; what is left stays outstanding on "
                           "the report."))
            rows = [(m["business_name"], m["outstanding_minor"]) for m in unpaid]
            link = (_("Write off…"), url_for("campaigns.write_off", slug=chamber.slug, key=campaign.slug))
    else:
        available = queries.balances(session, campaign).available
        lines = [_("Nobody owes anything for it any more, and every participant is told why.")]
        if available:
            lines.append(_("%(amount)s paid in and not spent is refunded in proportion to what each member paid.",
                           amount=money_filter(available, cur)))
        if reason:
            lines.append(_("The reason they see: %(reason)s", reason=reason))
    return confirm_page(
        chamber, campaign, heading=_("%(move)s “%(title)s”?", move=labels.moves()[to], title=campaign.title),
        consequences=lines, rows=rows, fields={"to": to, "reason": reason}, confirm_label=labels.moves()[to],
        back=url_for("campaigns.manage", slug=chamber.slug, key=campaign.slug), danger=to == "cancelled", link=link,
    )


@login_required
def settle(slug: str, key: str) -> Any:
    """Choose refund (the default) or carry, see what each would write, confirm, settle.

    Long: the settlement preview, the confirmation page and the settle itself."""
    chamber, campaign = load_campaign(slug, key, "organizer")
    form = SettlementForm()
    session = get_session()
    status = 200
    balances = queries.balances(session, campaign)  # read once: the preview and the page both show it
    preview = previews.settlement_preview(session, campaign, balances)
    if form.validate_on_submit():
        if not confirmed():
            return _confirm_settlement(chamber, campaign, form.mode.data, preview)
        try:
            ops.settle_campaign(session, campaign, form.mode.data, current_user)
        except (Conflict, Invalid) as err:
            status = operation_failed(err, form, field="mode")
        else:
            flash(_("The campaign is settled and its ledger is closed."), "success")
            return redirect(url_for("campaigns.ledger", slug=chamber.slug, key=campaign.slug))
    elif form.errors:
        status = 400
    return render_campaign("campaigns/settle.html", chamber, campaign, form=form,
                           balances=balances, preview=preview,
                           unpaid=unpaid_members(campaign)), status


def _confirm_settlement(chamber: Chamber, campaign: Campaign, mode: str, preview: dict[str, Any]) -> Any:
    cur = chamber.currency
    if mode == "carry":
        lines = [_("%(amount)s goes to the chamber's fund; nobody is refunded.",
                   amount=money_filter(preview["carried_minor"], cur))]
        rows = None
    else:
        lines = [_("%(amount)s is refunded in proportion to what each member paid:",
                   amount=money_filter(preview["available"], cur))]
        rows = [(r["business_name"], r["refund_minor"]) for r in preview["refunds"]]
    lines.append(_("The ledger is closed: no payment, expense or reversal can be recorded afterwards."))
    return confirm_page(
        chamber, campaign, heading=_("Settle “%(title)s”?", title=campaign.title), consequences=lines, rows=rows,
        fields={"mode": mode}, confirm_label=_("Settle now"),
        back=url_for("campaigns.settle", slug=chamber.slug, key=campaign.slug),
    )


# --------------------------------------------------------------------------- organizer: ledger


@login_required
def payment(slug: str, key: str) -> Any:
    chamber, campaign = load_campaign(slug, key, "organizer")
    form = PaymentForm(currency=chamber.currency, timezone=chamber.timezone)
    if request.method != "POST":
        form.paid_on.data = utcnow().astimezone(ZoneInfo(chamber.timezone)).date()
        if request.args.get("member_id", "").isdigit():
            form.member_id.data = int(request.args["member_id"])
    return form_page(
        form, lambda: ops.record_payment(
            get_session(), campaign, current_user, member_id=form.member_id.data, amount_minor=form.amount.amount,
            method=form.method.data, reference=form.reference.data or "", paid_on=form.paid_on.data),
        done=lambda _e: (_("Payment of %(amount)s recorded.", amount=money_filter(form.amount.minor, chamber.currency)),
                         url_for("campaigns.ledger", slug=chamber.slug, key=campaign.slug)),
        page=lambda status: (render_campaign("campaigns/payment.html", chamber, campaign, form=form,
                             participants=queries.list_participants(get_session(), campaign)), status),
    )


def _receipt_bytes(form: ExpenseForm) -> bytes | None:
    upload = form.receipt.data
    if not isinstance(upload, FileStorage):
        return None
    data = upload.stream.read(rules.MAX_RECEIPT_BYTES + 1)
    if not upload.filename and not data:  # the empty file input of a form
        return None
    return data


@upload_limit(MAX_RECEIPT_REQUEST)
@login_required
def expense(slug: str, key: str) -> Any:
    """A refused receipt (above the limit) answers 413 (operation_failed gives the error's status)."""
    chamber, campaign = load_campaign(slug, key, "organizer")
    form = ExpenseForm(currency=chamber.currency)
    return form_page(
        form, lambda: ops.record_expense(
            get_session(), campaign, current_user, payee=form.payee.data, category=form.category.data,
            amount_minor=form.amount.amount, description=form.description.data or "", receipt=_receipt_bytes(form)),
        done=lambda _e: (_("Expense of %(amount)s recorded.", amount=money_filter(form.amount.minor, chamber.currency)),
                         url_for("campaigns.ledger", slug=chamber.slug, key=campaign.slug)),
        page=lambda status: (render_campaign("campaigns/expense.html", chamber, campaign, form=form,
                             balances=queries.balances(get_session(), campaign)), status),
    )


@login_required
def reversal(slug: str, key: str, entry_id: int) -> Any:
    chamber, campaign = load_campaign(slug, key, "organizer")
    session = get_session()
    entry = queries.get_entry(session, campaign, entry_id)
    if entry is None:
        abort(404)
    form = ReversalForm()
    return form_page(
        form, lambda: ops.reverse_entry(get_session(), campaign, entry, current_user, reason=form.reason.data),
        done=lambda _e: (_("Entry %(id)s is reversed.", id=entry_id),
                         url_for("campaigns.ledger", slug=chamber.slug, key=campaign.slug)),
        page=lambda status: (render_campaign(
            "campaigns/reversal.html", chamber, campaign, form=form,
            item=presenters.entry_view(get_session(), campaign, entry, references="all"),  # organizers only
            member=queries.entry_member(get_session(), entry)), status),
    )


# --------------------------------------------------------------------------- members and everyone in the chamber


@login_required
def index(slug: str) -> Any:
    """The chamber's campaigns for its members, with notices about their businesses."""
    chamber = load_chamber(slug, role="member")
    session = get_session()
    return render_template(
        "campaigns/index.html", chamber=chamber,
        campaigns=presenters.campaign_list(session, chamber, include_drafts=chamber_role(chamber) == "organizer"),
        notices=queries.notices_for(session, chamber, current_user.id),
    )


def _campaign_page(chamber: Chamber, campaign: Campaign, *, failed: tuple[int, Any] | None = None,
                   error: str | None = None, status: int = 200) -> Any:
    """The member's campaign page: one opt-in form per approved business of the user.

    Long: the member's page gathers, per business, its form, share or account, and how to pay."""
    session = get_session()
    businesses = queries.approved_members_of(session, chamber, current_user)
    shares_error = None
    try:
        shares = queries.compute_shares(session, campaign)
    except Conflict as err:
        shares, shares_error = [], err.message
    share_of = {s["member_id"]: s["share_minor"] for s in shares}
    joined = {p.member_id: p for p, _m in queries.list_participants(session, campaign)}
    forms = {}
    for member in businesses:
        if failed is not None and failed[0] == member.id:
            forms[member.id] = failed[1]
            continue
        p = joined.get(member.id) or queries.kept_offer(session, campaign, member)  # a withdrawn offer comes back
        data = {"offer_headline": p.offer_headline, "offer_details": p.offer_details} if p else {}
        forms[member.id] = ParticipationPageForm(formdata=None, data={**data, "member_id": member.id})
    ledger_rows = {}
    if campaign.status not in rules.SHARES_PREVIEW and businesses:
        ledger_rows = {m["member_id"]: m for m in presenters.ledger_view(session, campaign, page=1)["members"]}
    open_for_optin = campaign.status == "open" and utcnow() < campaign.optin_deadline
    own = {m.id for m in businesses}
    # the accounts themselves are the ledger rows; only what was paid back of a refund is read besides them
    paid_back = queries.refunds_paid_out(session, campaign, sorted(own)) if ledger_rows else {}
    asks_payment = {mid: rules.asks_payment(campaign.status, row["outstanding_minor"])
                    for mid, row in ledger_rows.items() if mid in own}
    return render_campaign(
        "campaigns/campaign.html", chamber, campaign, businesses=businesses, forms=forms,
        joined=joined, share_of=share_of, shares=shares, shares_error=shares_error, ledger_rows=ledger_rows,
        error=error, costs=costs.join_costs(session, campaign, businesses) if open_for_optin else {},
        open_for_optin=open_for_optin, paid_back=paid_back, now=utcnow(),
        pictures=queries.offer_images_of(session, campaign, [m.id for m in businesses]) if businesses else set(),
        collection=queries.collection_details(session, chamber) if any(asks_payment.values()) else None,
        asks_payment=asks_payment,
        organizer=chamber_role(chamber) == "organizer",
    ), status


@login_required
def campaign(slug: str, key: str) -> Any:
    chamber, campaign = load_campaign(slug, key, "member")
    return _campaign_page(chamber, campaign)


@upload_limit(MAX_OFFER_IMAGE + 64 * 1024)
@login_required
def participate(slug: str, key: str) -> Any:
    """Opt in with an offer, or update the offer.

    Long: chooses the acting business, then opts in or updates the offer, each refusal back on the member's own form."""
    chamber, campaign = load_campaign(slug, key, "member")
    form = ParticipationPageForm()
    try:
        member = queries.acting_business(get_session(), chamber, current_user, form.member_id.data)
    except Invalid as err:
        return _campaign_page(chamber, campaign, status=err.status, error=err.message)
    if not form.validate_on_submit():
        return _campaign_page(chamber, campaign, failed=(member.id, form), status=400)
    session = get_session()
    try:
        _p, created = ops.opt_in(session, campaign, member, offer_headline=form.offer_headline.data,
                                 offer_details=form.offer_details.data or "")
        picture = _upload_bytes(form.offer_image.data, MAX_OFFER_IMAGE)
        if picture is not None or form.remove_offer_image.data:
            ops.set_offer_image(session, campaign, member, picture)
    except (Conflict, Invalid) as err:  # the request's transaction is rolled back: no half-saved offer
        status = operation_failed(err, form)
        return _campaign_page(chamber, campaign, failed=(member.id, form), status=status)
    if created:
        flash(_("%(name)s takes part in “%(title)s”.", name=member.business_name, title=campaign.title), "success")
    else:
        flash(_("Your offer is updated."), "success")
    return redirect(url_for("campaigns.campaign", slug=chamber.slug, key=campaign.slug))


@login_required
def withdraw(slug: str, key: str) -> Any:
    """Long: asks for confirmation before an open campaign loses a participant."""
    chamber, campaign = load_campaign(slug, key, "member")
    session = get_session()
    try:
        member = queries.acting_business(session, chamber, current_user, request.form.get("member_id"))
        if not confirmed() and campaign.status == "open" and queries.get_participation(session, campaign, member):
            return confirm_page(
                chamber, campaign, heading=_("Withdraw %(name)s from “%(title)s”?", name=member.business_name,
                                             title=campaign.title),
                consequences=[
                    _("%(name)s no longer takes part: its offer is not shown and the others' shares change.",
                      name=member.business_name),
                    _("Your offer is kept: if you join again before the deadline, it is filled in for you."),
                ],
                fields={"member_id": str(member.id)}, confirm_label=_("Withdraw"), danger=True, irreversible=False,
                back=url_for("campaigns.campaign", slug=chamber.slug, key=campaign.slug),
            )
        ops.withdraw(session, campaign, member)
    except (Conflict, Invalid) as err:
        return _campaign_page(chamber, campaign, status=operation_failed(err), error=err.message)
    flash(_("%(name)s no longer takes part in “%(title)s”.", name=member.business_name, title=campaign.title),
          "success")
    return redirect(url_for("campaigns.campaign", slug=chamber.slug, key=campaign.slug))


#: entries per page of the ledger page, newest first (the API's GET .../ledger returns them all)
LEDGER_PAGE_SIZE = 200


@login_required
def ledger(slug: str, key: str) -> Any:
    """Balances and the per-member table over the whole ledger, and one page of its entries (newest first,
    ``?page=N``), in a constant number of queries.

    Labels and times are formatted here once per request, not per row in the template: per-row macros
    and babel calls made the page of 5,000 entries take seconds (bench/bench_ledger.py).

    Long: filters, paging and the organizer's action links of the ledger page, read in a constant number of queries.
    """
    chamber, campaign = load_campaign(slug, key, "member")
    organizer = chamber_role(chamber) == "organizer"
    type_labels = labels.entry_types()
    # ?member=<id>&kind=<entry type> narrow the entries shown; balances stay over the whole ledger
    member_filter = request.args.get("member", type=int)
    kind_filter = request.args.get("kind", "")
    kind_filter = kind_filter if kind_filter in type_labels else ""
    filters: dict[str, Any] = {k: v for k, v in (("member", member_filter), ("kind", kind_filter)) if v}
    session = get_session()
    view = presenters.ledger_view(session, campaign, page=request.args.get("page", 1, type=int),
                           per_page=LEDGER_PAGE_SIZE, member_id=member_filter,
                           kinds=frozenset({kind_filter}) if kind_filter else None,
                           references=queries.reference_readers(session, chamber, current_user, organizer=organizer))
    entries = view["items"]
    # "reverses #n" / "reversed by #n" may point to an entry on another page (or one the filter hides)
    links = {
        ref: f"#entry-{ref}" if on == view["page"] else url_for(
            "campaigns.ledger", slug=chamber.slug, key=campaign.slug, page=on, _anchor=f"entry-{ref}", **filters)
        for ref, on in view["pages_of"].items()
    }
    for e in entries:
        for ref in (e["reverses"], e["reversed_by"]):
            if ref and ref not in links:
                links[ref] = url_for("campaigns.ledger", slug=chamber.slug, key=campaign.slug, _anchor=f"entry-{ref}")
    formatted: dict[dt.datetime, str] = {}
    for e in entries:
        if e["created_at"] not in formatted:
            formatted[e["created_at"]] = local_time(e["created_at"], chamber.timezone, "short")
    return render_campaign(
        "campaigns/ledger.html", chamber, campaign, view=view,
        entries=entries, page=view["page"], pages=view["pages"], first=(view["page"] - 1) * LEDGER_PAGE_SIZE + 1,
        times={e["id"]: formatted[e["created_at"]] for e in entries}, links=links,
        type_labels=type_labels, filters=filters, member_filter=member_filter, kind_filter=kind_filter,
        method_labels=labels.payment_methods(),
        names={m["member_id"]: m["business_name"] for m in view["members"]},
        # organizers open each member's statement from the member table (pledges exist from lock on)
        statements={
            m["member_id"]: url_for("campaigns.statement_pdf", slug=chamber.slug, key=campaign.slug,
                                    member_id=m["member_id"])
            for m in view["members"]
        } if organizer and campaign.status not in rules.SHARES_PREVIEW else {},
        organizer=organizer,
        ledger_open=campaign.status in rules.LEDGER_OPEN,
        payouts=queries.refund_payouts(session, campaign) if campaign.status in rules.FINISHED else {},
        own_members={m.id for m in queries.approved_members_of(session, chamber, current_user)},
    )


@private_document
@login_required
def receipt(slug: str, key: str, receipt_id: int) -> Any:
    _chamber, campaign = load_campaign(slug, key, "member")
    row = queries.get_receipt(get_session(), campaign, receipt_id)
    if row is None:
        abort(404)
    resp = Response(row.data, mimetype=row.content_type)
    resp.headers["Content-Disposition"] = f'inline; filename="{rules.receipt_filename(row.id, row.content_type)}"'
    resp.headers["Content-Security-Policy"] = "sandbox"
    return resp


def dashboard_campaigns(chamber: Chamber) -> list[dict[str, Any]]:
    """For the member dashboard's hook: the open campaigns, with what the user's businesses would pay now
    (presenters.open_campaigns_for_members)."""
    if not current_user.is_authenticated:
        return []
    session = get_session()
    members = queries.approved_members_of(session, chamber, current_user)
    return presenters.open_campaigns_for_members(session, chamber, members, utcnow()) if members else []


def dashboard_notices(chamber: Chamber) -> list[Any]:
    """For the member dashboard's hook: the logged-in user's inbox messages about the chamber's campaigns."""
    if not current_user.is_authenticated:
        return []
    return queries.notices_for(get_session(), chamber, current_user.id)


# --------------------------------------------------------------------------- owing and being owed


def _upload_bytes(upload: Any, limit: int) -> bytes | None:
    """The bytes of a form's uploaded file (at most limit + 1 read), or None for an empty file input."""
    if not isinstance(upload, FileStorage):
        return None
    data = upload.stream.read(limit + 1)
    if not upload.filename and not data:
        return None
    return data


@upload_limit(MAX_QR + 64 * 1024)
@login_required
def collection_settings(slug: str) -> Any:
    """The chamber's collection details: the account text and a WeChat Pay / Alipay QR image."""
    chamber = load_chamber(slug, role="organizer")
    details = queries.collection_details(get_session(), chamber)
    data = {"account": details.account, "qr_kind": details.qr_kind} if details and request.method != "POST" else None
    form = CollectionForm(data=data)
    return form_page(
        form, lambda: ops.set_collection_details(
            get_session(), chamber, current_user, account=form.account.data or "",
            qr=_upload_bytes(form.qr.data, MAX_QR), qr_kind=form.qr_kind.data or None,
            remove_qr=bool(form.remove_qr.data)),
        done=lambda _r: (_("Members now see how to pay."), url_for("campaigns.collection_settings", slug=chamber.slug)),
        page=lambda status: (render_template("campaigns/collection.html", chamber=chamber, form=form,
                                             details=queries.collection_details(get_session(), chamber)), status),
    )


@private_document
@login_required
def collection_qr(slug: str) -> Any:
    """The chamber's collection QR image, for its members."""
    chamber = load_chamber(slug, role="member")
    details = queries.collection_details(get_session(), chamber)
    if details is None or details.qr_data is None:
        abort(404)
    resp = Response(details.qr_data, mimetype=details.qr_content_type)
    resp.headers["Content-Security-Policy"] = "sandbox"
    return resp


def unpaid_members(campaign: Campaign) -> list[dict[str, Any]]:
    """The participants who have not paid their share in full (for End and Settle)."""
    if campaign.status not in rules.OWING:
        return []
    view = presenters.ledger_view(get_session(), campaign, page=1)
    return [m for m in view["members"] if m["outstanding_minor"] > 0]


@login_required
def write_off(slug: str, key: str) -> Any:
    """Write off what a member still owes, with a reason (or leave it outstanding: nothing to do)."""
    chamber, campaign = load_campaign(slug, key, "organizer")
    form = WriteOffForm(currency=chamber.currency)
    if request.method != "POST" and request.args.get("member_id", "").isdigit():
        form.member_id.data = int(request.args["member_id"])
    back = "campaigns.settle" if request.args.get("back") == "settle" else "campaigns.manage"
    return form_page(
        form, lambda: ops.write_off(get_session(), campaign, current_user, member_id=form.member_id.data,
                                    reason=form.reason.data,
                                    amount_minor=form.amount.amount if form.amount.data else None),
        done=lambda _e: (_("Written off."), url_for(back, slug=chamber.slug, key=campaign.slug)),
        page=lambda status: (render_campaign("campaigns/write_off.html", chamber, campaign,
                                             form=form, unpaid=unpaid_members(campaign)), status),
    )


@login_required
def refund_payout(slug: str, key: str, refund_id: int) -> Any:
    """Mark a refund as paid back: how, the reference, when.

    Long: the refund must exist and be a refund (404), and the page shows what was already paid back."""
    chamber, campaign = load_campaign(slug, key, "organizer")
    entry = queries.get_entry(get_session(), campaign, refund_id)
    if entry is None or entry.entry_type != "refund":
        abort(404)
    form = RefundPayoutForm(timezone=chamber.timezone)
    if request.method != "POST":
        form.paid_on.data = utcnow().astimezone(ZoneInfo(chamber.timezone)).date()
    return form_page(
        form, lambda: ops.record_refund_payout(get_session(), campaign, entry, current_user, method=form.method.data,
                                               reference=form.reference.data or "", paid_on=form.paid_on.data),
        done=lambda _p: (_("The refund is marked as paid back."),
                         url_for("campaigns.ledger", slug=chamber.slug, key=campaign.slug)),
        page=lambda status: (render_campaign(
            "campaigns/refund_payout.html", chamber, campaign, form=form, entry=entry,
            member=queries.entry_member(get_session(), entry),
            payout=queries.refund_payouts(get_session(), campaign).get(entry.id)), status),
    )


def dashboard_accounts(chamber: Chamber) -> dict[str, Any]:
    """For the member dashboard's hook: what the user's businesses owe or are owed, and how to pay
    (presenters.accounts_of_members)."""
    if not current_user.is_authenticated:
        return {"items": [], "collection": None}
    session = get_session()
    members = queries.approved_members_of(session, chamber, current_user)
    return {**presenters.accounts_of_members(session, chamber, members), "now": utcnow()}
