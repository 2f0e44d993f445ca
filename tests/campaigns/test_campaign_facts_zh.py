"""The campaign page in Chinese joins its conditions with Chinese punctuation."""
from __future__ import annotations


def test_campaign_conditions_are_separated_the_chinese_way(client, db, login, make_campaign, create_member):
    from decimal import Decimal

    campaign = make_campaign(status="open", min_share_minor=100_00, max_share_pct=Decimal(30))
    member = create_member(chamber=campaign.chamber)
    login(member.user)
    page = client.get(f"/chambers/{campaign.chamber.slug}/campaigns/{campaign.slug}",
                      headers={"Accept-Language": "zh-CN"}).text
    assert "；每家最少承担 ¥100.00；每家最多承担预算的 30%" in page and "; 每家" not in page
