"""The one loader of "this chamber's campaign, with this access", for pages, the API and documents, and the one
way a page renders a campaign (as its presenter's plain data)."""
from __future__ import annotations

from typing import Any

from flask import render_template
from flask_babel import gettext as _

from chamber.db import get_session
from chamber.models import Chamber
from chamber.web import chamber_role, fail, load_chamber

from . import presenters, queries
from .models import Campaign


def load_campaign(slug: str, key: str, role: str | None = None) -> tuple[Chamber, Campaign]:
    """The chamber (with ``role``: 'member' admits organizers, 'organizer' only them; see
    chamber.web.load_chamber) and its campaign ``key``. 404 if either is missing or the caller lacks
    the role, and a draft is 404 for everyone but organizers; answered as a page or as the API's
    error body (chamber.web.fail)."""
    chamber = load_chamber(slug, role=role)
    campaign = queries.get_campaign(get_session(), chamber, key)
    if campaign is None or (campaign.status == "draft" and chamber_role(chamber) != "organizer"):
        fail(404, _("There is no such campaign."))
    return chamber, campaign


def load_public_campaign(slug: str, key: str) -> tuple[Chamber, Campaign]:
    """The chamber and its campaign ``key`` as shoppers may see it (public pages, feeds, the flyer): 404 for a
    draft, as for a campaign that does not exist."""
    chamber = load_chamber(slug)
    campaign = queries.get_campaign(get_session(), chamber, key, public=True)
    if campaign is None:
        fail(404, _("There is no such campaign."))
    return chamber, campaign


def render_campaign(template: str, chamber: Chamber, campaign: Campaign, **context: Any) -> str:
    """Render a campaign page: the template gets the campaign as presenters.campaign_data, never the row."""
    return render_template(template, chamber=chamber, campaign=presenters.campaign_data(get_session(), campaign),
                           **context)
