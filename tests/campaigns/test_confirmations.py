"""Irreversible moves ask first: a confirmation page says what will happen; nothing changes until confirmed."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from campaigns import operations as ops
from campaigns.models import Campaign, LedgerEntry, Participation
from tests.conftest import count_rows
from tests.helpers import text, text_of


def M(chamber, campaign, tail=""):
    return f"/chambers/{chamber.slug}/manage/campaigns/{campaign.slug}{tail}"


def K(chamber, campaign, tail=""):
    return f"/chambers/{chamber.slug}/campaigns/{campaign.slug}{tail}"


def test_locking_shows_the_shares_and_asks(client, db, login, make_campaign, create_chamber, create_member):
    chamber = create_chamber()
    campaign = make_campaign(chamber, status="open")
    a, b = create_member(chamber), create_member(chamber)
    for m in (a, b):
        ops.opt_in(db, campaign, m, offer_headline="九折")
    db.commit()
    login(chamber.organizer)
    asked = client.post(M(chamber, campaign, "/transition"), data={"to": "locked"})
    assert asked.status_code == 200 and 'data-testid="confirm"' in asked.text
    rows = text_of(asked.text, "confirm-rows")
    assert a.business_name in rows and b.business_name in rows
    assert count_rows(db, LedgerEntry, LedgerEntry.campaign_id == campaign.id) == 0
    assert 'name="confirmed" value="yes"' in asked.text and 'name="to" value="locked"' in asked.text
    done = client.post(M(chamber, campaign, "/transition"), data={"to": "locked", "confirmed": "yes"})
    assert done.status_code == 302
    assert count_rows(db, LedgerEntry, LedgerEntry.campaign_id == campaign.id, LedgerEntry.entry_type == "pledge") == 2


def test_going_live_early_says_the_start_moves_and_then_moves_it(client, db, login, locked_campaign):
    campaign, _members = locked_campaign(2)
    chamber = campaign.chamber
    login(campaign.organizer)
    future_start = campaign.starts_at
    asked = client.post(M(chamber, campaign, "/transition"), data={"to": "live"}, headers={"Accept-Language": "en"})
    assert "moves the start to now" in text(asked)
    db.refresh(campaign)
    assert campaign.status == "locked" and campaign.starts_at == future_start
    client.post(M(chamber, campaign, "/transition"), data={"to": "live", "confirmed": "yes"})
    db.refresh(campaign)
    now = dt.datetime.now(dt.timezone.utc)
    assert campaign.status == "live" and campaign.starts_at <= now < future_start


def test_cancelling_and_ending_ask_first(client, db, login, locked_campaign):
    campaign, _members = locked_campaign(2)
    chamber = campaign.chamber
    login(campaign.organizer)
    asked = client.post(M(chamber, campaign, "/transition"), data={"to": "cancelled", "reason": "下雨"},
                        headers={"Accept-Language": "en"})
    assert asked.status_code == 200 and "下雨" in text(asked) and "cannot be undone" in text(asked)
    assert db.scalar(select(Campaign.status).where(Campaign.id == campaign.id)) == "locked"


def test_withdrawing_asks_and_keeps_the_offer_for_rejoining(client, db, login, make_campaign, create_chamber,
                                                           create_member):
    chamber = create_chamber()
    campaign = make_campaign(chamber, status="open")
    me = create_member(chamber)
    ops.opt_in(db, campaign, me, offer_headline="满200减30", offer_details="全店通用，限双十一当天")
    db.commit()
    login(me.user)
    asked = client.post(K(chamber, campaign, "/withdrawal"), data={"member_id": me.id})
    assert asked.status_code == 200 and 'data-testid="confirm"' in asked.text
    assert count_rows(db, Participation, Participation.member_id == me.id) == 1
    assert client.post(K(chamber, campaign, "/withdrawal"), data={"member_id": me.id, "confirmed": "yes"}).status_code == 302
    assert count_rows(db, Participation, Participation.member_id == me.id) == 0
    page = client.get(K(chamber, campaign)).text
    assert 'value="满200减30"' in page and "全店通用，限双十一当天</textarea>" in page
