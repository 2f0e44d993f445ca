"""The campaign's public page for shoppers, and what campaigns give the core's trust service
(campaign lookup for reviews and complaints, on-time payments for the credit score)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import segno
from flask import current_app, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from markupsafe import Markup
from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from chamber import features
from chamber.caching import public_cache
from chamber.db import get_session, utcnow
from chamber.i18n import date_range
from chamber.models import Chamber, Member
from chamber.pdf import render_pdf
from chamber.trust import operations as trust_ops
from chamber.urls import public_url as site_url
from chamber.web import end_transaction, fail

from . import labels, presenters, queries, rules
from .loading import load_public_campaign
from .models import Campaign, LedgerEntry, OfferImage, Participation
from .rules import RUNNING, UPCOMING
from .share_image import render_share_image


def lookup_public_campaign(session: Session, chamber_id: int, key: str) -> tuple[int, str] | None:
    """(id, title) of the chamber's non-draft campaign with this slug."""
    row = session.execute(
        select(Campaign.id, Campaign.title).where(*queries.campaign_by_slug(chamber_id, key, public=True))
    ).first()
    return (row[0], row[1]) if row else None


def member_public_campaigns(session: Session, chamber_id: int, member_id: int) -> list[tuple[str, str]]:
    """(slug, title) of the non-draft campaigns the member took part in, newest first (the review form)."""
    rows = session.execute(
        select(Campaign.slug, Campaign.title)
        .join(
            Participation,
            and_(Participation.campaign_id == Campaign.id, Participation.chamber_id == Campaign.chamber_id),
        )
        .where(Campaign.chamber_id == chamber_id, Participation.member_id == member_id, Campaign.status != "draft")
        .order_by(Campaign.starts_at.desc(), Campaign.id.desc())
        .limit(50)
    )
    return [(slug, title) for slug, title in rows]


def on_time_payments(session: Session, chamber_id: int, member_ids: list[int]) -> dict[int, float]:
    """Share of each member's pledges paid by the campaign's start, over campaigns that have started."""
    paid_by_start = (
        select(LedgerEntry.campaign_id, LedgerEntry.member_id, func.sum(LedgerEntry.amount_minor).label("paid"))
        .join(Campaign, and_(Campaign.id == LedgerEntry.campaign_id, Campaign.chamber_id == LedgerEntry.chamber_id))
        .where(
            LedgerEntry.chamber_id == chamber_id,
            LedgerEntry.entry_type == "payment",
            LedgerEntry.created_at <= Campaign.starts_at,
            ~LedgerEntry.id.in_(
                select(LedgerEntry.reverses_id).where(
                    LedgerEntry.chamber_id == chamber_id, LedgerEntry.reverses_id.is_not(None)
                )
            ),
        )
        .group_by(LedgerEntry.campaign_id, LedgerEntry.member_id)
        .subquery()
    )
    rows = session.execute(
        select(
            LedgerEntry.member_id,
            func.sum(LedgerEntry.amount_minor),
            func.sum(
                case(
                    (paid_by_start.c.paid > LedgerEntry.amount_minor, LedgerEntry.amount_minor),
                    else_=func.coalesce(paid_by_start.c.paid, 0),
                )
            ),
        )
        .join(Campaign, and_(Campaign.id == LedgerEntry.campaign_id, Campaign.chamber_id == LedgerEntry.chamber_id))
        .outerjoin(
            paid_by_start,
            and_(
                paid_by_start.c.campaign_id == LedgerEntry.campaign_id,
                paid_by_start.c.member_id == LedgerEntry.member_id,
            ),
        )
        .where(
            LedgerEntry.chamber_id == chamber_id,
            LedgerEntry.entry_type == "pledge",
            LedgerEntry.member_id.in_(member_ids),
            LedgerEntry.amount_minor > 0,
            Campaign.starts_at <= utcnow(),
            ~Campaign.cancelled,
        )
        .group_by(LedgerEntry.member_id)
    )
    return {mid: min(1.0, float(paid or 0) / float(pledged)) for mid, pledged, paid in rows if pledged}


def qr_svg(url: str) -> Markup:
    """The page's address as an inline SVG QR code (no scripts, no styles)."""
    svg = segno.make(url, error="m").svg_inline(scale=4, dark="#111", light="#fff", omitsize=False)
    return Markup(svg)  # nosec B704 - segno's own SVG of our URL (escaped by segno), no user markup


def public_url(endpoint: str, **values: Any) -> str:
    """An absolute URL: CHAMBER_PUBLIC_URL if set, else the request's own host (chamber/urls.py)."""
    return site_url(endpoint, **values)


def _participants(session: Session, campaign: Campaign) -> list[dict[str, Any]]:
    rows = session.execute(
        select(
            Participation.offer_headline,
            Participation.offer_details,
            Member.id,
            Member.business_name,
            Member.shop_url,
            Member.wechat_id,
            OfferImage.content_type,
        )
        .join(Member, and_(Member.id == Participation.member_id, Member.chamber_id == Participation.chamber_id))
        .outerjoin(
            OfferImage,
            and_(
                OfferImage.chamber_id == Participation.chamber_id,
                OfferImage.campaign_id == Participation.campaign_id,
                OfferImage.member_id == Participation.member_id,
            ),
        )
        .where(
            Participation.chamber_id == campaign.chamber_id,
            Participation.campaign_id == campaign.id,
            Member.status == "approved",
        )
        .order_by(Member.business_name, Member.id)
    ).all()
    scores = trust_ops.current_scores(session, campaign.chamber_id, None) if rows else {}
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


def _endpoint(name: str) -> bool:
    return name in current_app.view_functions


@public_cache
def campaign_page(slug: str, key: str) -> Any:
    """Long: the public page gathers links that exist only when their feature is enabled, the QR code and the
    countdown."""
    chamber, campaign = load_public_campaign(slug, key)
    session = get_session()
    page_url = public_url("campaigns.public_campaign", slug=chamber.slug, key=campaign.slug)
    links = {
        "feed": url_for("announcements.campaign_feed", slug=chamber.slug, key=campaign.slug)
        if _endpoint("announcements.campaign_feed")
        else None,
        "calendar": url_for("announcements.campaign_calendar", slug=chamber.slug, key=campaign.slug)
        if _endpoint("announcements.campaign_calendar")
        else None,
        "ledger": url_for("campaigns.public_ledger", slug=chamber.slug, key=campaign.slug)
        if chamber.public_ledger != "off" and _endpoint("campaigns.public_ledger")
        else None,
        "flyer": url_for("campaigns.flyer", slug=chamber.slug, key=campaign.slug)
        if _endpoint("campaigns.flyer")
        else None,
    }
    now = utcnow()
    finished = finished_note(campaign, ended=now >= campaign.ends_at)
    countdown_to, countdown_label = (
        (None, "")
        if finished or campaign.cancelled
        else (campaign.starts_at, _("Starts in"))
        if now < campaign.starts_at
        else ((campaign.ends_at, _("Ends in")) if now < campaign.ends_at else (None, ""))
    )
    return render_template(
        "campaigns/public.html",
        chamber=chamber,
        campaign_id=campaign.id,  # for the slots' features to find their data by; never shown
        data=presenters.public_campaign_data(session, campaign),
        merchants=_participants(session, campaign),
        qr=qr_svg(page_url),
        page_url=page_url,
        links=links,
        countdown_to=countdown_to,
        countdown_label=countdown_label,
        finished=finished,
        public_page=True,
        share_image=public_url("campaigns.share_image", slug=chamber.slug, key=campaign.slug),
    )


def finished_note(campaign: Campaign, *, ended: bool) -> str:
    """The banner's words for a campaign that is over (its end passed, or ended or settled early); "" while it
    is not. Reviews stay open: shoppers review after buying."""
    if campaign.status == "settled":
        return _("This campaign has ended and its accounts are settled.")
    if campaign.status == "ended" or (ended and not campaign.cancelled):
        return _("This campaign has ended.")
    return ""


@public_cache
def offer_image(slug: str, key: str, member_id: int) -> Any:
    """The picture on a merchant's offer card (public while the campaign is, like the offer itself)."""
    _chamber, campaign = load_public_campaign(slug, key)
    from . import queries

    picture = queries.offer_image(get_session(), campaign, member_id)
    if picture is None:
        fail(404, _("There is no such picture."))
    return current_app.response_class(picture.data, mimetype=picture.content_type)


def share_image_data(chamber: Chamber, campaign: Campaign, merchants: int) -> dict[str, Any]:
    """The share picture's plain data, in the visitor's language and the chamber's time zone."""
    return {
        "festival": campaign.festival,
        "festival_label": labels.festivals().get(campaign.festival, campaign.festival),
        "title": campaign.title,
        "dates": date_range(campaign.starts_at, campaign.ends_at, chamber.timezone),
        "chamber": chamber.name,
        "merchants": ngettext("%(num)d verified merchant", "%(num)d verified merchants", merchants),
    }


@public_cache
def share_image(slug: str, key: str) -> Any:
    """The picture a shared link of the campaign page shows (og:image)."""
    chamber, campaign = load_public_campaign(slug, key)
    merchants = get_session().scalar(
        select(func.count())
        .select_from(Participation)
        .join(Member, and_(Member.id == Participation.member_id, Member.chamber_id == Participation.chamber_id))
        .where(
            Participation.chamber_id == chamber.id,
            Participation.campaign_id == campaign.id,
            Member.status == "approved",
        )
    )
    fallback = Path(current_app.static_folder or "static") / "img" / "share.png"
    png = render_share_image(share_image_data(chamber, campaign, merchants or 0), fallback)
    return current_app.response_class(png, mimetype="image/png")


def flyer_data(
    chamber: Chamber,
    campaign: Campaign,
    merchants: list[dict[str, Any]],
    page_url: str,
    sections: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The flyer's plain data: festival, dates, merchants with their offers, the QR code of the page,
    and the sections other features add (the alliance prices)."""
    qr = segno.make(page_url, error="m").svg_data_uri(scale=4, dark="#111", light="#fff")
    return {
        "chamber": {"name": chamber.name, "timezone": chamber.timezone, "region": chamber.region},
        "campaign": presenters.public_campaign_data(get_session(), campaign),
        "merchants": merchants,
        "qr": qr,
        "page_url": page_url,
        "sections": sections or [],
    }


@public_cache
def flyer(slug: str, key: str) -> Any:
    chamber, campaign = load_public_campaign(slug, key)
    session = get_session()
    page_url = public_url("campaigns.public_campaign", slug=chamber.slug, key=campaign.slug)
    sections = features.flyer_sections(features.enabled(current_app), session, chamber, campaign)
    data = flyer_data(chamber, campaign, _participants(session, campaign), page_url, sections)
    end_transaction()  # reading is done: never render inside a transaction (chamber.pdf's rule)
    resp = current_app.response_class(render_pdf("pdf/campaigns/flyer.html", data), mimetype="application/pdf")
    resp.headers["Content-Disposition"] = f'inline; filename="flyer-{campaign.slug}.pdf"'
    return resp


def chamber_campaigns_hook(chamber: Chamber, **_context: Any) -> str:
    """The chamber page's running and upcoming campaigns first, then the past ones."""
    session = get_session()
    order = case((Campaign.status.in_(RUNNING), 0), (Campaign.status.in_(UPCOMING), 1), else_=2)
    campaigns = list(
        session.scalars(
            select(Campaign)
            .where(Campaign.chamber_id == chamber.id, Campaign.status != "draft")
            .order_by(order, Campaign.starts_at.desc(), Campaign.id.desc())
            .limit(20)
        )
    )
    return render_template(
        "campaigns/_public_chamber.html", chamber=chamber,
        campaigns=[presenters.public_campaign_data(session, c) for c in campaigns], running=RUNNING, upcoming=UPCOMING
    )


def member_campaigns_hook(chamber: Chamber, member: Member, **_context: Any) -> str:
    """The campaigns a merchant took part in, on their public page."""
    session = get_session()
    campaigns = list(
        session.scalars(
            select(Campaign)
            .join(
                Participation,
                and_(Participation.campaign_id == Campaign.id, Participation.chamber_id == Campaign.chamber_id),
            )
            .where(Campaign.chamber_id == chamber.id, Participation.member_id == member.id, Campaign.status != "draft")
            .order_by(Campaign.starts_at.desc())
            .limit(50)
        )
    )
    return render_template("campaigns/_public_member.html", chamber=chamber,
                           campaigns=[presenters.public_campaign_data(session, c) for c in campaigns])


def _live_entries(session: Session, campaign: Campaign) -> list[Any]:
    """The campaign's payments, expenses and refunds that no reversal cancelled, oldest first (one query)."""
    reversed_ids = select(LedgerEntry.reverses_id).where(
        LedgerEntry.chamber_id == campaign.chamber_id,
        LedgerEntry.campaign_id == campaign.id,
        LedgerEntry.reverses_id.is_not(None),
    )
    return list(
        session.execute(
            select(
                LedgerEntry.entry_type,
                LedgerEntry.amount_minor,
                LedgerEntry.paid_on,
                LedgerEntry.created_at,
                LedgerEntry.payee,
                LedgerEntry.category,
                LedgerEntry.description,
                LedgerEntry.receipt_id,
                Member.business_name,
            )
            .outerjoin(Member, and_(Member.id == LedgerEntry.member_id, Member.chamber_id == LedgerEntry.chamber_id))
            .where(
                LedgerEntry.chamber_id == campaign.chamber_id,
                LedgerEntry.campaign_id == campaign.id,
                LedgerEntry.entry_type.in_(list(rules.MONEY_DIRECTIONS)),
                LedgerEntry.id.not_in(reversed_ids),
            )
            .order_by(LedgerEntry.created_at, LedgerEntry.id)
        ).all()
    )


def open_books(chamber: Chamber, campaign: Campaign, balances: Any, entries: list[Any]) -> dict[str, Any]:
    """The public ledger: balances, expenses with payee, refunds, and payments by name or as totals."""
    payments = [e for e in entries if e.entry_type == "payment"]
    by_name = chamber.public_ledger == "names"
    return {
        "balances": presenters.public_balances_data(balances),
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


@public_cache
def public_ledger(slug: str, key: str) -> Any:
    chamber, campaign = load_public_campaign(slug, key)
    if chamber.public_ledger == "off":
        fail(404, _("This chamber does not publish its campaign ledgers."))
    session = get_session()
    books = open_books(chamber, campaign, queries.balances(session, campaign), _live_entries(session, campaign))
    return render_template(
        "campaigns/public_ledger.html", chamber=chamber, campaign=presenters.public_campaign_data(session, campaign),
        books=books, public_page=True,
    )
