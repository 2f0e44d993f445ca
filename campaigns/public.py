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

from chamber import features
from chamber.caching import public_cache
from chamber.db import get_session, utcnow
from chamber.i18n import date_range
from chamber.models import Chamber, Member
from chamber.pdf import render_pdf
from chamber.urls import public_url as site_url
from chamber.web import end_transaction, fail

from . import labels, presenters, queries
from .loading import load_public_campaign
from .models import Campaign
from .rules import RUNNING, UPCOMING
from .share_image import render_share_image


def qr_svg(url: str) -> Markup:
    """The page's address as an inline SVG QR code (no scripts, no styles)."""
    svg = segno.make(url, error="m").svg_inline(scale=4, dark="#111", light="#fff", omitsize=False)
    return Markup(svg)  # nosec B704 - segno's own SVG of our URL (escaped by segno), no user markup


def public_url(endpoint: str, **values: Any) -> str:
    """An absolute URL: CHAMBER_PUBLIC_URL if set, else the request's own host (chamber/urls.py)."""
    return site_url(endpoint, **values)


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
        merchants=presenters.public_merchants_data(session, campaign),
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
    merchants = queries.approved_participant_count(get_session(), campaign)
    fallback = Path(current_app.static_folder or "static") / "img" / "share.png"
    png = render_share_image(share_image_data(chamber, campaign, merchants), fallback)
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
    data = flyer_data(chamber, campaign, presenters.public_merchants_data(session, campaign), page_url, sections)
    end_transaction()  # reading is done: never render inside a transaction (chamber.pdf's rule)
    resp = current_app.response_class(render_pdf("pdf/campaigns/flyer.html", data), mimetype="application/pdf")
    resp.headers["Content-Disposition"] = f'inline; filename="flyer-{campaign.slug}.pdf"'
    return resp


def chamber_campaigns_hook(chamber: Chamber, **_context: Any) -> str:
    """The chamber page's running and upcoming campaigns first, then the past ones."""
    session = get_session()
    campaigns = queries.public_campaigns(session, chamber)
    return render_template(
        "campaigns/_public_chamber.html", chamber=chamber,
        campaigns=[presenters.public_campaign_data(session, c) for c in campaigns], running=RUNNING, upcoming=UPCOMING
    )


def member_campaigns_hook(chamber: Chamber, member: Member, **_context: Any) -> str:
    """The campaigns a merchant took part in, on their public page."""
    session = get_session()
    campaigns = queries.member_campaigns(session, chamber.id, member.id)
    return render_template("campaigns/_public_member.html", chamber=chamber,
                           campaigns=[presenters.public_campaign_data(session, c) for c in campaigns])


@public_cache
def public_ledger(slug: str, key: str) -> Any:
    chamber, campaign = load_public_campaign(slug, key)
    if chamber.public_ledger == "off":
        fail(404, _("This chamber does not publish its campaign ledgers."))
    session = get_session()
    books = presenters.open_books_data(chamber, queries.balances(session, campaign),
                                       queries.public_ledger_entries(session, campaign))
    return render_template(
        "campaigns/public_ledger.html", chamber=chamber, campaign=presenters.public_campaign_data(session, campaign),
        books=books, public_page=True,
    )
