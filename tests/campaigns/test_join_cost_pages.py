"""Before opting in a merchant sees what joining would cost, and how many more merchants are needed."""
from __future__ import annotations

from decimal import Decimal

from campaigns import operations as ops
from tests.campaigns.conftest import NOW
from tests.helpers import text_of

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
