"""Forms accept what people type: amounts in 万/亿 and with separators, links without https://, and a
refused form says at the top what to correct, with the cursor in the first field."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from campaigns.models import Campaign
from chamber.models import Member
from chamber.rules import CURRENCY_DIGITS, RuleError, parse_amount_words, parse_money, with_web_scheme
from tests.conftest import count_rows
from tests.helpers import field_errors, text_of

EN = {"Accept-Language": "en"}
minor_units = st.integers(min_value=0, max_value=10**15 - 1)


@given(minor_units)
def test_plain_decimals_read_as_parse_money(n):
    text = f"{Decimal(n).scaleb(-2):.2f}"
    assert parse_amount_words(text, "CNY") == parse_money(text, "CNY") == n


@given(st.integers(min_value=0, max_value=10**13 - 1))
def test_thousands_separators(yuan):
    assert parse_amount_words(f"{yuan:,}", "CNY") == yuan * 100
    assert parse_amount_words(f"¥{yuan:,}元", "CNY") == yuan * 100
    assert parse_amount_words(f"{yuan:,}".replace(",", "，"), "CNY") == yuan * 100


@given(st.integers(min_value=0, max_value=10**10), st.sampled_from([("千", 3), ("万", 4), ("亿", 8)]),
       st.integers(min_value=0, max_value=6))
def test_units(n, unit, places):
    name, power = unit
    number = Decimal(n).scaleb(-places)
    text = f"{number:f}{name}"
    value = number.scaleb(power)
    try:
        minor = parse_amount_words(text, "CNY")
    except RuleError as err:
        # refused only for more than two decimal places of yuan, or more than 15 digits of them
        assert err.code in ("money_digits", "amount_too_large")
        assert value != value.quantize(Decimal("0.01")) or value >= 10**15
    else:
        assert Decimal(minor).scaleb(-CURRENCY_DIGITS["CNY"]) == value


@pytest.mark.parametrize(("text", "minor"), [("36万", 36_000_000), ("120,000", 12_000_000), ("1.2亿", 12_000_000_000),
                                             ("3.5万元", 3_500_000), ("¥8千", 800_000), (" 360000.00 ", 36_000_000)])
def test_examples(text, minor):
    assert parse_amount_words(text, "CNY") == minor


@pytest.mark.parametrize("text", ["３４", "1e3", "1,20", "-5", "36万万", "万", "1.234万5", "", "12,3456"])
def test_not_amounts(text):
    with pytest.raises(RuleError):
        parse_amount_words(text, "CNY")


@given(st.from_regex(r"[a-z0-9]{1,12}(\.[a-z]{2,5}){1,2}(/[a-z0-9]{0,8})?", fullmatch=True))
def test_links_get_https_unless_they_name_a_scheme(host):
    assert with_web_scheme(host) == "https://" + host
    assert with_web_scheme("http://" + host) == "http://" + host
    assert with_web_scheme("https://" + host) == "https://" + host


def test_application_takes_wan_and_a_bare_link(client, create_chamber, create_user, login, db):
    from chamber.rules import make_uscc

    chamber = create_chamber()
    login(create_user())
    resp = client.post(f"/c/{chamber.slug}/apply", data={
        "business_name": "小满烘焙", "uscc": make_uscc("91330106MA2H3K4L5"), "contact_name": "林小满",
        "phone": "138 0000 1111", "shop_url": "shop.example.cn/xiaoman", "annual_revenue": "36万"})
    assert resp.status_code == 302, resp.text
    member = db.scalar(select(Member).where(Member.chamber_id == chamber.id))
    assert member.annual_revenue_minor == 36_000_000 and member.shop_url == "https://shop.example.cn/xiaoman"


def test_refused_form_has_a_summary_and_focuses_the_first_field(client, create_chamber, create_user, login):
    chamber = create_chamber()
    login(create_user())
    resp = client.post(f"/c/{chamber.slug}/apply", headers=EN, data={
        "business_name": "", "uscc": "123", "contact_name": "林", "phone": "138 0000 1111", "shop_url": "",
        "annual_revenue": "很多"})
    assert resp.status_code == 400
    summary = text_of(resp, "error-summary")
    assert summary.startswith("Please correct 3 fields:")
    links = re.findall(r'<a href="#([a-z_]+)">', resp.text.split('data-testid="error-summary"')[1].split("</ul>")[0])
    assert links == ["business_name", "uscc", "annual_revenue"]
    autofocused = re.findall(r'<input[^>]*autofocus[^>]*>', resp.text)
    assert len(autofocused) == 1 and 'name="business_name"' in autofocused[0]
    assert "“很多” is not an amount" in summary


def test_campaign_slug_is_made_from_the_title(client, db, create_chamber, login):
    chamber = create_chamber()
    login(chamber.organizer)
    data = {"slug": "", "title": "中秋联合促销", "festival": "mid_autumn", "description": "",
            "starts_at": "2031-09-20T00:00", "ends_at": "2031-09-25T00:00", "optin_deadline": "2031-09-10T20:00",
            "budget": "1000.00", "method": "equal"}
    for expected in ("zhong-qiu-lian-he-cu-xiao", "zhong-qiu-lian-he-cu-xiao-2"):
        resp = client.post(f"/chambers/{chamber.slug}/manage/campaigns/new", data=data)
        assert resp.status_code == 302, resp.text
        assert resp.location.endswith(f"/{expected}")
    assert db.scalar(select(Campaign.title).where(Campaign.slug == "zhong-qiu-lian-he-cu-xiao-2")) == "中秋联合促销"


def test_a_hand_written_select_gets_the_focus_too(client, db, create_chamber, create_member, login):
    import datetime as dt

    from campaigns import operations as ops

    chamber = create_chamber()
    member = create_member(chamber=chamber)
    now = dt.datetime.now(dt.timezone.utc)
    campaign = ops.create_campaign(
        db, chamber, chamber.organizer, slug="k", title="双十一", festival="double11", description="",
        optin_deadline=now + dt.timedelta(days=1), starts_at=now + dt.timedelta(days=2),
        ends_at=now + dt.timedelta(days=3), opens_at=None, budget_minor=100_00, method="equal", min_share_minor=None,
        max_share_pct=None, min_participants=None, min_pooled_minor=None)
    ops.transition_campaign(db, campaign, "open", chamber.organizer)
    ops.opt_in(db, campaign, member, offer_headline="九折")
    ops.transition_campaign(db, campaign, "locked", chamber.organizer)
    db.commit()
    login(chamber.organizer)
    resp = client.post(f"/chambers/{chamber.slug}/manage/campaigns/k/payments", headers=EN,
                       data={"member_id": "", "amount": "10.00", "method": "cash", "paid_on": "2026-01-01"})
    assert resp.status_code == 400
    assert '<select name="member_id" id="member_id" autofocus>' in resp.text
    assert resp.text.count("autofocus") == 1


@pytest.mark.parametrize("budget", ["12,000", "¥12,000.00", "12000"])
def test_a_budget_may_be_typed_as_the_app_shows_money(client, db, create_chamber, login, budget):
    chamber = create_chamber()
    login(chamber.organizer)
    data = {"slug": "d12", "title": "双十二", "festival": "double12", "description": "",
            "starts_at": "2031-12-10T00:00", "ends_at": "2031-12-13T00:00", "optin_deadline": "2031-12-01T20:00",
            "budget": budget, "method": "equal"}
    resp = client.post(f"/chambers/{chamber.slug}/manage/campaigns/new", data=data)
    assert resp.status_code == 302, resp.text
    assert db.scalar(select(Campaign.budget_minor).where(Campaign.slug == "d12")) == 12000_00


@pytest.mark.parametrize("budget", ["12,00", "1,2345"])
def test_an_ambiguous_budget_is_refused_on_the_page_and_in_the_api(client, db, create_chamber, login, token_for,
                                                                    budget):
    chamber = create_chamber()
    login(chamber.organizer)
    data = {"slug": "d12", "title": "双十二", "festival": "double12", "description": "",
            "starts_at": "2031-12-10T00:00", "ends_at": "2031-12-13T00:00", "optin_deadline": "2031-12-01T20:00",
            "budget": budget, "method": "equal"}
    resp = client.post(f"/chambers/{chamber.slug}/manage/campaigns/new", data=data, headers=EN)
    assert resp.status_code == 400 and "is not an amount" in " ".join(field_errors(resp, "budget"))
    body = {**{k: v for k, v in data.items() if k != "method"}, "apportionment": {"method": "equal"}}
    api = f"/api/v1/chambers/{chamber.slug}/campaigns"
    r = client.post(api, json=body, headers={**token_for(chamber.organizer), **EN})
    assert r.status_code == 400 and "budget" in r.json["error"]["fields"]
    r = client.post(api, json={**body, "budget": "¥12,000"}, headers=token_for(chamber.organizer))
    assert r.status_code == 201 and r.json["budget"] == "12000.00"
    assert count_rows(db, Campaign, Campaign.chamber_id == chamber.id) == 1  # only the unambiguous one
