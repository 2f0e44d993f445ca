"""What a reviewer found walking the app on a phone in Chinese (390×844, zh-CN), each pinned by a test."""
from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from campaigns import operations as ops
from chamber.db import utcnow
from tests.helpers import text_of

ZH = {"Accept-Language": "zh-CN"}
EN = {"Accept-Language": "en"}


def public(client: Any, chamber: Any, campaign: Any, headers: dict[str, str] = ZH) -> Any:
    r = client.get(f"/c/{chamber.slug}/{campaign.slug}", headers=headers)
    assert r.status_code == 200
    return r


def past_campaign(db: Any, make_campaign: Any, chamber: Any, status: str, member: Any = None) -> Any:
    """A campaign that ran from 30 to 20 days ago (with `member` in it), now in `status`."""
    then = utcnow() - dt.timedelta(days=50)
    campaign = make_campaign(chamber, status="open", now=then)
    if member is not None:
        ops.opt_in(db, campaign, member, offer_headline="全场九折", now=then)
    campaign.status = status
    db.commit()
    return campaign


# --------------------------------------------------------------------------- 1. finished campaigns


@pytest.mark.parametrize(("status", "zh", "en"), [
    ("ended", "活动已结束", "This campaign has ended."),
    ("settled", "活动已结束", "This campaign has ended and its accounts are settled."),
])
def test_a_finished_campaign_says_so_and_has_no_countdown(client, db, create_chamber, create_member, make_campaign,
                                                          status, zh, en):
    chamber = create_chamber()
    member = create_member(chamber)
    campaign = past_campaign(db, make_campaign, chamber, status, member)
    r = public(client, chamber, campaign)
    assert zh in text_of(r.get_data(as_text=True), "campaign-state")
    assert 'data-testid="countdown"' not in r.get_data(as_text=True)
    assert f"/m/{member.id}/review" in r.get_data(as_text=True)  # shoppers review after buying
    assert en in text_of(public(client, chamber, campaign, EN).get_data(as_text=True), "campaign-state")


def test_a_campaign_past_its_end_reads_as_ended_before_the_job_moves_it(client, db, create_chamber, make_campaign):
    chamber = create_chamber()
    campaign = past_campaign(db, make_campaign, chamber, "live")
    r = public(client, chamber, campaign)
    assert "活动已结束" in text_of(r.get_data(as_text=True), "campaign-state")


def test_a_running_campaign_counts_down_with_the_day_unit_in_the_page_language(client, db, create_chamber,
                                                                              make_campaign):
    chamber = create_chamber()
    campaign = make_campaign(chamber, status="open", now=utcnow())
    html = public(client, chamber, campaign).get_data(as_text=True)
    assert 'data-testid="campaign-state"' not in html
    assert 'data-days="{days} 天"' in html
    assert 'data-days="{days} d"' in public(client, chamber, campaign, EN).get_data(as_text=True)


# --------------------------------------------------------------------------- 2c. the zone on the public page


def test_the_public_page_names_the_time_zone_and_the_last_day(client, db, create_chamber, make_campaign):
    chamber = create_chamber()
    now = utcnow()
    year = now.year + 1  # a year ahead: the dates show the year, the zone words stay
    start = dt.datetime(year, 12, 18, 16, 0, tzinfo=dt.timezone.utc)  # 12-19 00:00 北京时间
    campaign = make_campaign(chamber, status="open", now=now, optin_deadline=start - dt.timedelta(days=1),
                             starts_at=start, ends_at=start + dt.timedelta(days=10))
    dates = text_of(public(client, chamber, campaign).get_data(as_text=True), "campaign-dates")
    assert dates == f"{year}年12月19日–28日 北京时间"
