"""Announcement pages for organizers: the list with delivery counts, write/preview/schedule, edit,
cancel (asks first), retry the failed deliveries, and one announcement's page.

Thin views, the same forms and operations as the JSON API (api.py).
"""
from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from chamber.db import get_session
from chamber.errors import Conflict, Invalid
from chamber.models import Chamber
from chamber.web import load_chamber, operation_failed

from .. import presenters
from ..queries import get_campaign
from . import markup, queries, rules
from . import operations as ops
from .forms import AnnouncementPageForm, announcement_prefill, draft_of
from .models import Announcement
from .presenters import announcement_data


def _load(slug: str, announcement_id: int) -> tuple[Chamber, Announcement]:
    chamber = load_chamber(slug, role="organizer")
    announcement = queries.get_announcement(get_session(), chamber, announcement_id)
    if announcement is None:
        abort(404)
    return chamber, announcement


def _renames(form: Any) -> dict[str, str]:
    """The operation's field names as the page's (at_clock is at_time; a relative offset given in days)."""
    rename = {"at_clock": "at_time"}
    if form.schedule.data == "relative" and not form.offset.data:
        rename["offset"] = "days"
    return rename


def _form(chamber: Chamber, announcement: Announcement | None = None) -> AnnouncementPageForm:
    data = None
    if request.method != "POST":
        data = {"channels": ["inbox", "email", "feed"], "audience": ["members"], "schedule": "at",
                "days": 3, "direction": "before", "at_time": "10:00"}
        if request.args.get("campaign"):
            data["campaign"] = request.args["campaign"]
        if announcement is not None:
            data.update(announcement_prefill(announcement_data(get_session(), chamber, announcement),
                                             chamber.timezone))
    return AnnouncementPageForm(data=data, timezone=chamber.timezone)


def _write(chamber: Chamber, announcement: Announcement | None) -> Any:
    """Long: the announcement form posts three ways: preview, save as draft, schedule."""
    session = get_session()
    form = _form(chamber, announcement)
    campaigns = queries.choosable_campaigns(session, chamber)
    status, shown = 200, None
    if form.validate_on_submit():
        campaign = get_campaign(session, chamber, form.campaign.data) if form.campaign.data else None
        if form.campaign.data and campaign is None:
            form.campaign.errors = [_("There is no such campaign.")]
            status = 400
        else:
            d = draft_of(form, campaign)
            try:
                if "preview" in request.form:
                    shown = ops.preview(chamber, d, ops.check_draft(session, chamber, d))
                elif announcement is None:
                    announcement = ops.create_announcement(session, chamber, current_user, d)
                else:
                    ops.update_announcement(session, chamber, announcement, d)
            except (Conflict, Invalid) as err:
                status = operation_failed(err, form, rename=_renames(form))
            else:
                if shown is None:
                    assert announcement is not None
                    flash(_("Saved as a draft.") if announcement.status == "draft" else
                          _("Scheduled: it goes out at the time shown."), "success")
                    return redirect(url_for("announcements.detail", slug=chamber.slug,
                                            announcement_id=announcement.id))
    elif form.errors:
        status = 400
    return render_template("campaigns/announcements/form.html", chamber=chamber, form=form,
                           campaigns=presenters.campaigns_data(session, campaigns), announcement=announcement,
                           shown=shown), status


@login_required
def index(slug: str) -> Any:
    chamber = load_chamber(slug, role="organizer")
    session = get_session()
    items = queries.list_announcements(session, chamber)
    return render_template(
        "campaigns/announcements/index.html", chamber=chamber, items=items,
        campaigns={c["id"]: c for c in presenters.campaigns_data(
            session, list(queries.campaigns_of(session, chamber, [a.campaign_id for a in items]).values()))},
        counts=ops.delivery_counts(session, chamber, [a.id for a in items]),
    )


@login_required
def create(slug: str) -> Any:
    chamber = load_chamber(slug, role="organizer")
    return _write(chamber, None)


@login_required
def edit(slug: str, announcement_id: int) -> Any:
    chamber, announcement = _load(slug, announcement_id)
    if announcement.status not in rules.EDITABLE:
        flash(_("This announcement is %(status)s: it can no longer be changed.",
                status=ops.status_name(announcement.status)), "error")
        return redirect(url_for("announcements.detail", slug=chamber.slug, announcement_id=announcement.id))
    return _write(chamber, announcement)


@login_required
def detail(slug: str, announcement_id: int) -> Any:
    chamber, announcement = _load(slug, announcement_id)
    session = get_session()
    return render_template(
        "campaigns/announcements/detail.html", chamber=chamber, a=announcement,
        campaign=next(iter(presenters.campaigns_data(
            session, list(queries.campaigns_of(session, chamber, [announcement.campaign_id]).values()))), None),
        counts=ops.delivery_counts(session, chamber, [announcement.id])[announcement.id],
        posts=queries.posts_of(session, announcement), html=markup.render_html(announcement.body),
        editable=announcement.status in rules.EDITABLE,
    )


@login_required
def cancel(slug: str, announcement_id: int) -> Any:
    """GET asks first; POST cancels."""
    chamber, announcement = _load(slug, announcement_id)
    back = url_for("announcements.detail", slug=chamber.slug, announcement_id=announcement.id)
    if request.method != "POST":
        return render_template("campaigns/announcements/cancel.html", chamber=chamber, a=announcement, back=back)
    session = get_session()
    try:
        ops.cancel_announcement(session, announcement)
    except (Conflict, Invalid) as err:
        operation_failed(err, flash_it=True)
    else:
        flash(_("The announcement is cancelled: it will not go out."), "success")
    return redirect(back)


@login_required
def retry(slug: str, announcement_id: int) -> Any:
    chamber, announcement = _load(slug, announcement_id)
    session = get_session()
    n = ops.retry_failed(session, announcement)
    flash(_("%(n)d failed deliveries are queued again.", n=n) if n else _("There were no failed deliveries."),
          "success")
    return redirect(url_for("announcements.detail", slug=chamber.slug, announcement_id=announcement.id))
