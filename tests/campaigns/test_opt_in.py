"""Who may opt in: an opt-in the campaign's rule could never take is refused (a member without revenue in a
revenue-shared campaign, one more minimum share than the budget holds), one the rule may take once more
merchants join is accepted. What joining would cost is shown in test_join_cost_pages.py."""
from __future__ import annotations

from decimal import Decimal

import pytest

from campaigns import operations as ops
from campaigns import queries
from campaigns.models import Participation
from chamber.errors import Conflict
from tests.campaigns.conftest import NOW, api, real_campaign
from tests.conftest import count_rows

EN = {"Accept-Language": "en"}


def test_member_with_zero_revenue_cannot_join_a_revenue_campaign(client, db, create_chamber, create_member,
                                                                 make_campaign, token_for):
    chamber = create_chamber()
    campaign = real_campaign(db, make_campaign, chamber, method="revenue")
    zero = create_member(chamber, annual_revenue_minor=0)
    with pytest.raises(Conflict, match="declared annual revenue is 0"):
        ops.opt_in(db, campaign, zero, offer_headline="九折")
    db.rollback()
    r = client.put(api(chamber, campaign, "/participation"), json={"offer_headline": "九折"},
                   headers={**token_for(zero.user), **EN})
    assert r.status_code == 409
    assert "revenue-shared budget cannot include you" in r.json["error"]["message"]
    assert count_rows(db, Participation, Participation.campaign_id == campaign.id) == 0
    # a member with revenue joins, and the preview still works: it pays the whole budget, alone
    ok = create_member(chamber)
    assert client.put(api(chamber, campaign, "/participation"), json={"offer_headline": "九折"},
                      headers=token_for(ok.user)).status_code == 200
    shares = client.get(api(chamber, campaign, "/shares"), headers=token_for(ok.user))
    assert shares.status_code == 200 and [(i["member_id"], i["share"]) for i in shares.json["items"]] == [
        (ok.id, "1000.00")]
    # an equal-shares campaign does not care about revenue
    equal = real_campaign(db, make_campaign, chamber)
    ops.opt_in(db, equal, zero, offer_headline="九折")


def test_opt_in_that_would_make_the_minimum_shares_exceed_the_budget_is_refused(
        client, db, create_chamber, create_member, make_campaign, token_for):
    chamber = create_chamber()
    campaign = real_campaign(db, make_campaign, chamber, budget_minor=100_00, min_share_minor=40_00)
    members = [create_member(chamber) for _ in range(3)]
    for m in members[:2]:
        ops.opt_in(db, campaign, m, offer_headline="x")
    db.commit()
    r = client.put(api(chamber, campaign, "/participation"), json={"offer_headline": "九折"},
                   headers={**token_for(members[2].user), **EN})
    assert r.status_code == 409, r.text
    message = r.json["error"]["message"]
    assert "3 members paying at least ¥40.00 each would need ¥120.00" in message
    assert count_rows(db, Participation, Participation.campaign_id == campaign.id) == 2
    # the two who joined still get a preview, and the campaign can lock
    shares = client.get(api(chamber, campaign, "/shares"), headers=token_for(members[0].user))
    assert shares.status_code == 200
    assert sorted((i["member_id"], i["share"]) for i in shares.json["items"]) == [
        (members[0].id, "50.00"), (members[1].id, "50.00")]
    # updating the offer of someone already in is not a new participant
    ops.opt_in(db, campaign, members[0], offer_headline="八折")
    ops.transition_campaign(db, campaign, "locked", campaign.organizer)
    assert queries.balances(db, campaign).pledged == 100_00


def test_opt_in_below_the_cap_coverage_is_still_accepted(db, create_chamber, create_member, make_campaign):
    # 40% cap: one or two merchants cannot cover the budget yet, but more may still join
    chamber = create_chamber()
    campaign = make_campaign(chamber, status="open", max_share_pct=Decimal(40))
    for _ in range(3):
        ops.opt_in(db, campaign, create_member(chamber), offer_headline="x", now=NOW)
    # three merchants at 40 % can cover it: a third each (the leftover fen to the first by the tie-break)
    assert sorted(s["share_minor"] for s in queries.compute_shares(db, campaign)) == [333_33, 333_33, 333_34]
