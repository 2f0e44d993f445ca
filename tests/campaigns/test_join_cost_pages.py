"""Before opting in a merchant sees what joining would cost, and how many more merchants are needed; its
dashboard lists the open campaigns, with the share it would pay now or a link to join."""
from __future__ import annotations

import re
from decimal import Decimal

from campaigns import operations as ops
from tests.campaigns.conftest import NOW, real_campaign
from tests.helpers import text, text_of

EN = {"Accept-Language": "en"}


def test_cost_and_merchants_needed_before_opting_in(client, db, create_chamber, create_member, make_campaign, login):
    chamber = create_chamber()
    # ¥1,000 shared equally, nobody pays more than 30 %: four merchants are needed
    campaign = make_campaign(chamber, status="open", max_share_pct=Decimal(30))
    a, b, c, d = (create_member(chamber) for _ in range(4))
    for m in (a, b):
        ops.opt_in(db, campaign, m, offer_headline="满100减20", now=NOW)
    db.commit()
    page = f"/chambers/{chamber.slug}/campaigns/{campaign.slug}"
    dashboard = f"/chambers/{chamber.slug}/dashboard"

    login(c.user)
    resp = client.get(page, headers=EN)
    assert text_of(resp, "more-needed") == (
        "Besides you, 1 more merchant must join before the campaign can go ahead; you would pay at most ¥300.00.")
    assert "can cover only" not in resp.text  # not the rule's arithmetic
    assert text_of(client.get(dashboard, headers=EN), "more-needed").startswith("Besides you, 1 more merchant must")
    zh = client.get(page, headers={"Accept-Language": "zh-CN"})
    assert text_of(zh, "more-needed") == "除您之外，还需 1 家商户加入活动才能进行；您最多需支付 ¥300.00。"

    login(a.user)  # already in: two more are needed, said in the plural
    resp = client.get(page, headers=EN)
    assert text_of(resp, "more-needed") == (
        "2 more merchants must join before the campaign can go ahead; you would pay at most ¥300.00.")
    assert "can cover only" not in resp.text
    dash = client.get(dashboard, headers=EN)
    assert text_of(dash, "more-needed").startswith("2 more merchants must join")
    assert not text_of(dash, "dashboard-share-error")

    ops.opt_in(db, campaign, c, offer_headline="赠品", now=NOW)
    db.commit()
    login(d.user)  # with d the budget can be covered: ¥250 each now, never more than ¥300
    resp = client.get(page, headers=EN)
    assert text_of(resp, "join-cost") == (
        "Taking part now would cost about ¥250.00, at most ¥300.00; it changes as others join or leave.")
    assert not text_of(resp, "more-needed")
    assert text_of(client.get(dashboard, headers=EN), "join-cost").startswith("Taking part now would cost about ¥250.00")
    zh = client.get(page, headers={"Accept-Language": "zh-CN"})
    assert text_of(zh, "join-cost") == "现在参加约需 ¥250.00，最多 ¥300.00；金额随其他商户加入或退出而变化。"


def test_organizers_see_how_many_more_merchants_are_needed(client, db, create_chamber, create_member, make_campaign,
                                                           login):
    chamber = create_chamber()
    campaign = make_campaign(chamber, status="open", max_share_pct=Decimal(30), min_participants=5)
    manage = f"/chambers/{chamber.slug}/manage/campaigns/{campaign.slug}"
    login(campaign.organizer)
    assert text_of(client.get(manage, headers=EN), "more-needed") == (
        "5 more merchants must join before the campaign can go ahead.")
    for _ in range(4):
        ops.opt_in(db, campaign, create_member(chamber), offer_headline="赠品", now=NOW)
    db.commit()
    assert text_of(client.get(manage, headers=EN), "more-needed") == (
        "1 more merchant must join before the campaign can go ahead.")
    ops.opt_in(db, campaign, create_member(chamber), offer_headline="赠品", now=NOW)
    db.commit()
    assert not text_of(client.get(manage, headers=EN), "more-needed")


# --------------------------------------------------------------------------- the member dashboard


def test_dashboard_shows_my_share_now_and_links_to_join(client, db, login, create_chamber, create_member,
                                                        make_campaign, count_queries):
    chamber = create_chamber()
    me = create_member(chamber)
    others = [create_member(chamber) for _ in range(3)]
    joined = real_campaign(db, make_campaign, chamber, title="双十一 joined")
    not_joined = real_campaign(db, make_campaign, chamber, title="双十二 not joined")
    stuck = real_campaign(db, make_campaign, chamber, title="stuck", max_share_pct=Decimal(40))
    make_campaign(chamber, title="a draft")
    for m in (me, *others):
        ops.opt_in(db, joined, m, offer_headline="x")
    ops.opt_in(db, stuck, me, offer_headline="x")  # one merchant cannot cover the budget under a 40% cap
    db.commit()
    login(me.user)
    resp = client.get(f"/chambers/{chamber.slug}/dashboard", headers=EN)
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    cards = dict(re.findall(r'data-testid="open-campaign" data-campaign="([^"]+)">(.*?)</div>', html, re.S))
    assert set(cards) == {joined.slug, not_joined.slug, stuck.slug}
    assert "The share you would pay now:" in cards[joined.slug] and "¥250.00" in cards[joined.slug]
    assert 'data-testid="join-link"' not in cards[joined.slug]
    assert 'data-testid="join-link"' in cards[not_joined.slug]
    assert f"/chambers/{chamber.slug}/campaigns/{not_joined.slug}" in cards[not_joined.slug]
    # the rule's arithmetic is not for people: they read how many more merchants must join
    assert "must join before the campaign can go ahead" in cards[stuck.slug]
    assert "can cover only" not in cards[stuck.slug]
    # queries do not grow with the participants
    with count_queries() as few:
        client.get(f"/chambers/{chamber.slug}/dashboard")
    for _ in range(5):
        ops.opt_in(db, joined, create_member(chamber), offer_headline="x")
    db.commit()
    with count_queries() as more:
        client.get(f"/chambers/{chamber.slug}/dashboard")
    assert more() == few()


def test_dashboard_of_a_member_without_open_campaigns(client, login, create_chamber, create_member):
    chamber = create_chamber()
    me = create_member(chamber)
    login(me.user)
    resp = client.get(f"/chambers/{chamber.slug}/dashboard", headers=EN)
    assert resp.status_code == 200 and 'data-testid="open-campaign"' not in resp.text
    assert "Join the chamber's festival campaigns" in text(resp)
