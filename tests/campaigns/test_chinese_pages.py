"""Campaign pages read right in Chinese: a campaign's conditions joined with Chinese punctuation, and the demo
as a phone reviewer reads it: offers that fit their shops, no space after 。：，, no ASCII brackets in Chinese
titles, words rather than codes (one demo load for the whole module: it takes a few seconds)."""
from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from campaigns import demo
from campaigns.models import Campaign, Participation
from chamber import create_app
from chamber.demo import DEMO_PASSWORD, MEMBER_EMAIL, MERCHANTS, ORGANIZER_EMAIL
from chamber.models import Member
from pricing_alliance.demo import DEMO_CAMPAIGN_SLUG as ALLIANCE_SLUG
from tests.helpers import spaces_after_cjk_punctuation

ZH = {"Accept-Language": "zh-CN"}

#: a product word in an offer → words of the shops that may offer it
FITS = {
    "女装": ("女装",), "鲜花": ("花艺",), "杭白菊": ("茶",), "龙井": ("茶", "龙井"), "美妆": ("美妆",),
    "海鲜": ("生鲜",), "卤": ("卤",), "围巾": ("围巾", "毛衣"), "月饼": ("烘焙", "糕团"), "茶具": ("茶具",),
    "蜂蜜": ("蜂蜜",), "竹编": ("竹编",), "旗袍": ("旗袍",), "米酒": ("米酒",), "绘本": ("绘本",),
}


def test_campaign_conditions_are_separated_the_chinese_way(client, db, login, make_campaign, create_member):
    campaign = make_campaign(status="open", min_share_minor=100_00, max_share_pct=Decimal(30))
    member = create_member(chamber=campaign.chamber)
    login(member.user)
    page = client.get(f"/chambers/{campaign.chamber.slug}/campaigns/{campaign.slug}",
                      headers={"Accept-Language": "zh-CN"}).text
    assert "；每家最少承担 ¥100.00；每家最多承担预算的 30%" in page and "; 每家" not in page


# --------------------------------------------------------------------------- the demo, in Chinese


def test_every_demo_merchant_has_an_offer_that_fits_its_shop():
    assert set(demo.SHOP_OFFERS) == {name for name, *_rest in MERCHANTS}
    for shop, (headline, details) in demo.SHOP_OFFERS.items():
        for word, shops in FITS.items():
            if word in headline + details:
                assert any(s in shop for s in shops), (shop, headline, details)


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory: Any) -> Any:
    path = tmp_path_factory.mktemp("demo")
    app = create_app({"INSTANCE_PATH": str(path), "DATABASE_URL": f"sqlite:///{path / 'demo.sqlite'}",
                      "SECRET_KEY": "x", "WTF_CSRF_ENABLED": False})
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    result = runner.invoke(args=["demo-data"])
    assert result.exit_code == 0, result.output
    yield app
    app.extensions["chamber.db"].engine.dispose()


def test_every_demo_participation_offers_what_its_shop_sells(demo_app):
    with demo_app.extensions["chamber.db"].sessionmaker() as s:
        rows = s.execute(select(Member.business_name, Participation.offer_headline, Campaign.slug)
                         .join(Participation, Participation.member_id == Member.id)
                         .join(Campaign, Campaign.id == Participation.campaign_id)).all()
        titles = s.scalars(select(Campaign.title)).all()
    assert len(rows) > 20
    for shop, headline, slug in rows:
        assert headline == demo.SHOP_OFFERS[shop][0], (slug, shop, headline)
    assert not [t for t in titles if re.search(r"[()]", t)], titles  # （示例）, not (示例)


def _pages(client: Any) -> list[str]:
    x = "/chambers/xihu"
    pages = [f"{x}/dashboard", f"{x}/campaigns", "/c/xihu"]
    for slug in ("double11-live", demo.SETTLED_SLUG, demo.CANCELLED_SLUG, demo.OPEN_SLUG):
        pages += [f"{x}/campaigns/{slug}", f"/c/xihu/{slug}", f"{x}/campaigns/{slug}/ledger"]
    pages += [f"/c/xihu/{demo.SETTLED_SLUG}/ledger", f"{x}/campaigns/{ALLIANCE_SLUG}/alliance",
              f"{x}/manage", f"{x}/manage/campaigns/{ALLIANCE_SLUG}/alliance/joint-purchase",
              f"{x}/manage/campaigns/{ALLIANCE_SLUG}/alliance/compliance"]
    return pages


@pytest.mark.parametrize("email", [ORGANIZER_EMAIL, MEMBER_EMAIL])
def test_demo_pages_in_chinese_have_no_space_after_chinese_punctuation(demo_app, email):
    client = demo_app.test_client()
    assert client.post("/login", data={"email": email, "password": DEMO_PASSWORD}).status_code == 302
    found = {}
    for url in _pages(client):
        resp = client.get(url, headers=ZH)
        if email == MEMBER_EMAIL and "/manage" in url:
            assert resp.status_code == 404, url  # a member does not see the organizer's pages
            continue
        assert resp.status_code == 200, url  # every other page is read, not skipped
        spaces = spaces_after_cjk_punctuation(resp)
        if spaces:
            found[url] = spaces
    assert not found, "\n".join(f"{url}: {s!r}" for url, spaces in found.items() for s in spaces)


def test_expense_categories_show_as_words_not_codes(demo_app):
    client = demo_app.test_client()
    assert client.post("/login", data={"email": ORGANIZER_EMAIL, "password": DEMO_PASSWORD}).status_code == 302
    for url in (f"/c/xihu/{demo.SETTLED_SLUG}/ledger", f"/chambers/xihu/campaigns/{demo.SETTLED_SLUG}/ledger"):
        html = client.get(url, headers=ZH).get_data(as_text=True)
        assert "印刷" in html and "广告投放" in html, url
        assert not re.search(r"\b(printing|ads)\b", html), url
    english = client.get(f"/c/xihu/{demo.SETTLED_SLUG}/ledger", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Printing" in english and "Advertising" in english


def test_volume_tiers_tier_names_and_status_badges_read_right(demo_app):
    client = demo_app.test_client()
    assert client.post("/login", data={"email": ORGANIZER_EMAIL, "password": DEMO_PASSWORD}).status_code == 302
    joint = client.get(f"/chambers/xihu/manage/campaigns/{ALLIANCE_SLUG}/alliance/joint-purchase", headers=ZH).text
    assert "满 50：¥185.00；满 100：¥178.00" in joint  # a Chinese semicolon between the volume tiers
    manage = client.get("/chambers/xihu/manage", headers=ZH).text
    assert "micro" not in manage and "<code>" not in manage.split("档位")[-1][:2000]  # tier names, not their keys
    english = client.get("/c/xihu", headers={"Accept-Language": "en"}).text
    badges = re.findall(r'data-testid="campaign-status" data-status="(\w+)">([^<]+)<', english)
    assert ("settled", "Settled") in badges and ("cancelled", "Cancelled") in badges, badges
