"""Weights people can read: revenue-shared campaigns weigh by revenue in yuan, not in fen."""
from __future__ import annotations

from campaigns import operations as ops
from tests.campaigns.conftest import NOW


def test_revenue_weights_are_in_currency_units(client, db, create_chamber, create_member, make_campaign, token_for):
    chamber = create_chamber()
    campaign = make_campaign(chamber, status="open", method="revenue", budget_minor=1000_00)
    big = create_member(chamber=chamber, annual_revenue_minor=3_400_000_00)
    small = create_member(chamber=chamber, annual_revenue_minor=600_000_00)
    for member in (big, small):
        ops.opt_in(db, campaign, member, offer_headline="九折", now=NOW)
    db.commit()
    shares = client.get(f"/api/v1/chambers/{chamber.slug}/campaigns/{campaign.slug}/shares",
                        headers=token_for(chamber.organizer)).json
    by_member = {i["member_id"]: (i["weight"], i["share"]) for i in shares["items"]}
    assert by_member == {big.id: ("3400000", "850.00"), small.id: ("600000", "150.00")}
