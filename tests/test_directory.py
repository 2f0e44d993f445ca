"""The public member directory: constant queries, pages and search, nothing internal for visitors."""
from __future__ import annotations

from sqlalchemy import select

from chamber.models import Member, Tier
from chamber.rules import make_uscc
from tests.helpers import text

EN = {"Accept-Language": "en"}


def add_members(db, chamber, user, n, *, start=0, name="商户"):
    tiers = list(db.scalars(select(Tier).where(Tier.chamber_id == chamber.id).order_by(Tier.weight)))
    db.add_all([
        Member(chamber_id=chamber.id, user_id=user.id, business_name=f"{name} {i:04d}",
               uscc=make_uscc(f"91330106MB{chamber.id % 100:02d}{i:05d}"), contact_name="联系人", phone="13800000000",
               annual_revenue_minor=100_000_00, status="approved", tier_id=tiers[i % len(tiers)].id)
        for i in range(start, start + n)
    ])
    db.commit()


def directory_queries(client, count_queries, url):
    with count_queries() as n:
        resp = client.get(url)
    assert resp.status_code == 200
    return n(), resp


def test_directory_queries_do_not_grow_with_members(client, create_chamber, create_user, count_queries, db):
    small, big = create_chamber(), create_chamber()
    user = create_user()
    add_members(db, small, user, 5)
    add_members(db, big, user, 500)
    for url in ("/c/{}/members", "/api/v1/chambers/{}/members"):
        q_small, _r = directory_queries(client, count_queries, url.format(small.slug))
        q_big, resp = directory_queries(client, count_queries, url.format(big.slug))
        assert q_small == q_big, url
    assert len(resp.json["items"]) == 500  # the API's list is whole (the contract), in constant queries


def test_directory_pages_and_search(client, create_chamber, create_user, db):
    chamber = create_chamber()
    user = create_user()
    add_members(db, chamber, user, 120)
    add_members(db, chamber, user, 1, start=500, name="西湖龙井茶庄")
    resp = client.get(f"/c/{chamber.slug}/members", headers=EN)
    page1 = resp.text
    assert page1.count('data-testid="directory-member"') == 50
    assert "121 members" in text(resp) and "Page 1 of 3" in text(resp)
    page3 = client.get(f"/c/{chamber.slug}/members?page=3", headers=EN).text
    assert page3.count('data-testid="directory-member"') == 21
    assert "西湖龙井茶庄" in page3  # by name: 商户… sort before 西湖…
    resp = client.get(f"/c/{chamber.slug}/members?q=龙井", headers=EN)
    found = resp.text
    assert found.count('data-testid="directory-member"') == 1 and "西湖龙井茶庄" in found
    assert "1 member " in text(resp)
    # the search is literal: % matches only a percent sign
    none = client.get(f"/c/{chamber.slug}/members?q=%25", headers=EN).text
    assert 'data-testid="directory-member"' not in none and "No member matches." in none
    # a page past the end shows the last one
    assert client.get(f"/c/{chamber.slug}/members?page=99", headers=EN).text.count('data-testid="directory-member"') == 21


def test_tiers_are_for_members_only(client, create_chamber, create_member, create_user, login, token_for, db):
    chamber = create_chamber()
    member = create_member(chamber=chamber, tier="core", business_name="湖滨烘焙")
    core = db.scalar(select(Tier).where(Tier.chamber_id == chamber.id, Tier.key == "core"))
    # visitors, and logged-in people who are not members: names, no tiers, no weights
    for who in (None, create_user()):
        if who is not None:
            login(who)
        directory = client.get(f"/c/{chamber.slug}/members").text
        assert "湖滨烘焙" in directory and core.name not in directory and 'name="tier"' not in directory
        public = client.get(f"/c/{chamber.slug}").text
        assert "权重" not in public and "规模档位" not in public and core.name not in public
        headers = token_for(who) if who is not None else {}
        assert "tier" not in client.get(f"/api/v1/chambers/{chamber.slug}/members", headers=headers).json["items"][0]
    login(member.user)
    directory = client.get(f"/c/{chamber.slug}/members").text
    assert core.name in directory and 'name="tier"' in directory
    assert "权重" in client.get(f"/c/{chamber.slug}").text
    filtered = client.get(f"/c/{chamber.slug}/members?tier=micro").text
    assert "湖滨烘焙" not in filtered
    api = client.get(f"/api/v1/chambers/{chamber.slug}/members", headers=token_for(member.user)).json
    assert api["items"][0]["tier"] == "core"
