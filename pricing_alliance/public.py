"""What the pricing alliance shows shoppers on the public campaign page and the flyer (core slots).

The campaign page is cached (chamber/caching.py) and lists hundreds of merchants: the alliance's
view of the campaign is loaded once per page (flask.g) and each offer card reads from it, so the
page's queries stay constant.
"""
from __future__ import annotations

from typing import Any

from flask import g, render_template
from flask_babel import gettext as _

from campaigns.models import Campaign
from chamber.db import get_session
from chamber.models import Chamber
from chamber.rules import format_money

from . import presenters, queries


def alliance_view(campaign_id: int) -> dict[str, Any]:
    """presenters.public_alliance_view, once per request and campaign (the `alliance_public` template global).

    Takes the id the public page gives its slots (the page itself has the campaign's public data only);
    the campaign row is already in the session's identity map, so the lookup costs no query."""
    cache: dict[int, dict[str, Any]] = g.setdefault("pricing_alliance.public", {})
    if campaign_id not in cache:
        session = get_session()
        campaign = queries.campaign_of(session, campaign_id)
        cache[campaign_id] = presenters.public_alliance_view(session, campaign)
    return cache[campaign_id]


def prices_hook(chamber: Chamber, campaign_id: int, **_context: Any) -> str:
    """The campaign's alliance prices, under the merchants' offers."""
    return render_template("pricing_alliance/_public_prices.html", chamber=chamber, campaign_id=campaign_id)


def offer_hook(chamber: Chamber, campaign_id: int, member_id: int, **_context: Any) -> str:
    """One merchant's listed prices on their offer card: was/now, and the alliance label where they keep to it."""
    offers = alliance_view(campaign_id)["offers"].get(member_id)
    if not offers:
        return ""
    return render_template("pricing_alliance/_public_offer.html", chamber=chamber, offers=offers)


def flyer_section(session: Any, chamber: Chamber, campaign: Campaign) -> dict[str, Any] | None:
    """The flyer's table of alliance prices (plain data, like everything a PDF gets)."""
    prices = presenters.alliance_price_items(session, campaign)
    if not prices:
        return None
    return {
        "title": _("Alliance prices"),
        "note": _("The price the chamber's merchants agreed for this campaign; look for the alliance label."),
        "columns": [_("Product"), _("Alliance price")],
        "rows": [[f"{p['name']} {p['unit']}", format_money(p["price_minor"], chamber.currency)] for p in prices],
    }
