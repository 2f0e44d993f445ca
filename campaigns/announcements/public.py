"""Public Atom feeds of the published announcements (feedgen) and iCalendar files of the campaigns
(icalendar) that feed readers and calendar apps subscribe to.

Public and cached like the public pages (chamber.caching.public_cache: ETag, 304, one render per
content version; publishing a post raises the chamber's version). A constant number of queries
each, and nothing internal: titles, texts and dates that the public pages show anyway.
"""
from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlsplit

from feedgen.feed import FeedGenerator
from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from icalendar import Calendar, Event

from chamber.caching import public_cache
from chamber.db import get_session
from chamber.models import Chamber
from chamber.urls import public_root, public_url
from chamber.web import load_chamber

from ..loading import load_public_campaign
from ..models import Campaign
from . import queries
from .models import AnnouncementPost


def _public(endpoint: str, **values: Any) -> str:
    return public_url(endpoint, **values)  # CHAMBER_PUBLIC_URL if set, else the request's own host


def _host() -> str:
    return urlsplit(public_root()).hostname or "localhost"


def _campaign_url(chamber: Chamber, campaign: Campaign) -> str:
    return _public("campaigns.public_campaign", slug=chamber.slug, key=campaign.slug)


def atom_feed(chamber: Chamber, posts: list[AnnouncementPost], campaigns: dict[int, Campaign], *, title: str,
              page_url: str, self_url: str) -> bytes:
    """The Atom document of these posts (newest first).

    Long: one line per field of the Atom feed and its entries."""
    fg = FeedGenerator()
    fg.id(self_url)
    fg.title(title)
    fg.subtitle(chamber.description or chamber.name)
    fg.author({"name": chamber.name})
    fg.link(href=page_url, rel="alternate", type="text/html")
    fg.link(href=self_url, rel="self", type="application/atom+xml")
    fg.language(str(get_locale() or "zh_CN").replace("_", "-"))
    fg.updated(posts[0].published_at if posts else chamber.created_at)
    host = _host()
    for post in reversed(posts):  # feedgen lists the last added first
        entry = fg.add_entry()
        entry.id(f"tag:{host},{post.published_at:%Y-%m-%d}:chamber-{chamber.slug}-post-{post.id}")
        entry.title(post.title)
        entry.content(post.body_html, type="html")
        entry.published(post.published_at)
        entry.updated(post.published_at)
        campaign = campaigns.get(post.campaign_id) if post.campaign_id is not None else None
        link = _campaign_url(chamber, campaign) if campaign is not None and campaign.status != "draft" else page_url
        entry.link(href=link, rel="alternate", type="text/html")
    body: bytes = fg.atom_str(pretty=True)
    return body


def _atom_response(body: bytes) -> Any:
    return current_app.response_class(body, mimetype="application/atom+xml")


@public_cache
def chamber_feed(slug: str) -> Any:
    chamber = load_chamber(slug)
    session = get_session()
    posts = queries.feed_posts(session, chamber)
    campaigns = queries.campaigns_of(session, chamber, sorted({p.campaign_id for p in posts if p.campaign_id}))
    return _atom_response(atom_feed(
        chamber, posts, campaigns, title=_("%(chamber)s · announcements", chamber=chamber.name),
        page_url=_public("chambers.public_page", slug=chamber.slug),
        self_url=_public("announcements.chamber_feed", slug=chamber.slug)))


@public_cache
def campaign_feed(slug: str, key: str) -> Any:
    chamber, campaign = load_public_campaign(slug, key)
    posts = queries.feed_posts(get_session(), chamber, campaign)
    return _atom_response(atom_feed(
        chamber, posts, {campaign.id: campaign}, title=f"{campaign.title} · {chamber.name}",
        page_url=_campaign_url(chamber, campaign),
        self_url=_public("announcements.campaign_feed", slug=chamber.slug, key=campaign.slug)))


def _events(chamber: Chamber, campaign: Campaign) -> list[Event]:
    """A campaign's opt-in deadline (a moment) and its run from start to end.

    Long: one line per field of the iCalendar events."""
    host, url = _host(), _campaign_url(chamber, campaign)
    cancelled = campaign.cancelled
    deadline = Event()
    deadline.add("uid", f"chamber-{chamber.slug}-campaign-{campaign.id}-deadline@{host}")
    deadline.add("dtstamp", campaign.updated_at)
    deadline.add("dtstart", campaign.optin_deadline)
    deadline.add("dtend", campaign.optin_deadline)
    deadline.add("summary", _("Opt-in deadline: %(title)s", title=campaign.title))
    deadline.add("description", _("Last moment for the chamber's merchants to join %(title)s.", title=campaign.title))
    run = Event()
    run.add("uid", f"chamber-{chamber.slug}-campaign-{campaign.id}@{host}")
    run.add("dtstamp", campaign.updated_at)
    run.add("dtstart", campaign.starts_at)
    run.add("dtend", campaign.ends_at)
    run.add("summary", campaign.title)
    run.add("description", campaign.description or campaign.title)
    for event in (deadline, run):
        event.add("url", url)
        event.add("location", chamber.region or chamber.name)
        event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
        event.add("transp", "TRANSPARENT")
    return [deadline, run]


def ical(chamber: Chamber, campaigns: list[Campaign], name: str) -> bytes:
    cal = Calendar()
    cal.add("prodid", "-//Chamber//campaign calendar//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", chamber.timezone)
    cal.add("refresh-interval", dt.timedelta(hours=6), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT6H")
    for campaign in campaigns:
        for event in _events(chamber, campaign):
            cal.add_component(event)
    body: bytes = cal.to_ical()
    return body


def _ics_response(body: bytes, filename: str) -> Any:
    resp = current_app.response_class(body, mimetype="text/calendar")
    resp.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return resp


@public_cache
def campaign_calendar(slug: str, key: str) -> Any:
    chamber, campaign = load_public_campaign(slug, key)
    return _ics_response(ical(chamber, [campaign], f"{campaign.title} · {chamber.name}"), f"{campaign.slug}.ics")


@public_cache
def chamber_calendar(slug: str) -> Any:
    chamber = load_chamber(slug)
    campaigns = queries.calendar_campaigns(get_session(), chamber)
    return _ics_response(ical(chamber, campaigns, _("%(chamber)s · campaigns", chamber=chamber.name)),
                         f"{chamber.slug}.ics")

