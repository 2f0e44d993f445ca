"""The one loader of "this chamber's campaign, with this access", for pages, the API and documents, and the one
way a page renders a campaign (as its presenter's plain data)."""
from __future__ import annotations

from typing import Any

from flask import render_template
from flask_babel import gettext as _

from chamber.chambers import operations as chamber_ops
from chamber.db import get_session
from chamber.models import Chamber, Member
from chamber.web import acting_user, chamber_role, fail, load_chamber

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


def load_statement_member(chamber: Chamber, campaign: Campaign, member_id: int) -> Member:
    """The member whose contribution statement is asked for: 404 unless the caller is an organizer or the member's
    owner, and unless the business takes part in the campaign."""
    session = get_session()
    member = chamber_ops.get_member(session, chamber, member_id)
    user = acting_user()
    if member is None or (chamber_role(chamber) != "organizer" and (user is None or member.user_id != user.id)):
        fail(404, _("There is no such statement."))
    if not queries.takes_part(session, campaign, member):
        fail(404, _("This business does not take part in the campaign."))
    return member


def render_campaign(template: str, chamber: Chamber, campaign: Campaign, **context: Any) -> str:
    """Render a campaign page: the template gets the campaign as presenters.campaign_data, never the row."""
    return render_template(template, chamber=chamber, campaign=presenters.campaign_data(get_session(), campaign),
                           **context)
