"""The pricing alliance pages: what members and organizers see and do, bad input shown by the field."""
from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session

from pricing_alliance import operations as ops
from pricing_alliance import queries
from pricing_alliance.models import Demand, PriceListing, PriceProposal, PriceVote, Product
from tests.conftest import PNG_BYTES, count_rows
from tests.helpers import field_errors, text
from tests.pricing_alliance.alliance_world import AllianceWorld, alliance  # noqa: F401  (a fixture)


@pytest.fixture(autouse=True)
def english(client):
    """These tests read the English messages (test_translations checks the Chinese ones exist)."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


def local(w: AllianceWorld, delta: dt.timedelta) -> str:
    return (w.now + delta).astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%dT%H:%M")


def test_organizer_adds_a_product_with_an_image_and_members_see_it(client, login, alliance, db):
    import io

    w = alliance
    login(w.organizer)
    page = client.get(f"/chambers/{w.chamber.slug}/manage/alliance/products/new")
    assert page.status_code == 200 and 'name="unit"' in page.text
    resp = client.post(f"/chambers/{w.chamber.slug}/manage/alliance/products/new", data={
        "name": "安吉白茶", "unit": "100g", "category": "茶叶", "reference_price": "158.00",
        "image": (io.BytesIO(PNG_BYTES), "tea.png")}, content_type="multipart/form-data")
    assert resp.status_code == 302
    product = db.query(Product).filter_by(name="安吉白茶").one()
    home = client.get(f"/chambers/{w.chamber.slug}/alliance")
    assert "安吉白茶" in text(home) and "¥158.00" in text(home)
    image = client.get(f"/chambers/{w.chamber.slug}/alliance/products/{product.id}/image")
    assert image.status_code == 200 and image.data == PNG_BYTES


def test_a_product_image_that_is_not_an_image_is_refused(client, login, alliance, db):
    import io

    w = alliance
    login(w.organizer)
    before = count_rows(db, Product)
    resp = client.post(f"/chambers/{w.chamber.slug}/manage/alliance/products/new", data={
        "name": "x", "unit": "y", "image": (io.BytesIO(b"%PDF-1.4 not an image"), "x.png")},
        content_type="multipart/form-data")
    assert resp.status_code == 400 and "JPEG" in " ".join(field_errors(resp, "image"))
    # a PNG signature in front of anything else is not a PNG: the picture must decode
    resp = client.post(f"/chambers/{w.chamber.slug}/manage/alliance/products/new", data={
        "name": "x", "unit": "y", "image": (io.BytesIO(PNG_BYTES[:16] + b"<script>" * 8), "x.png")},
        content_type="multipart/form-data")
    assert resp.status_code == 400 and "JPEG" in " ".join(field_errors(resp, "image"))
    assert count_rows(db, Product) == before


def test_member_lists_a_price_and_states_demand_on_the_campaign_page(client, login, alliance, db):
    w = alliance
    login(w.members[0].user)
    url = f"/chambers/{w.chamber.slug}/campaigns/{w.campaign.slug}/alliance"
    page = client.get(url)
    assert page.status_code == 200 and "明前龙井" in page.text
    resp = client.post(f"{url}/prices/{w.tea.id}", data={"price": "268.00", "member_id": w.members[0].id})
    assert resp.status_code == 302
    resp = client.post(f"{url}/demand/{w.tea.id}", data={"quantity": "12", "member_id": w.members[0].id})
    assert resp.status_code == 302
    page = client.get(url)
    assert "¥268.00" in text(page) and 'value="12"' in page.text
    # a dishonest original price: the reason and the price found, by the field; nothing written
    resp = client.post(f"{url}/prices/{w.tea.id}", data={"price": "200.00", "original_price": "300.00",
                                                         "member_id": w.members[0].id})
    assert resp.status_code == 400
    (message,) = field_errors(resp, "original_price")
    assert "¥268.00" in message
    assert count_rows(db, PriceListing) == 1
    bad = client.post(f"{url}/demand/{w.tea.id}", data={"quantity": "2.5", "member_id": w.members[0].id})
    assert bad.status_code == 400 and field_errors(bad, "quantity")
    assert db.query(Demand).one().quantity == 12


def test_a_non_participant_cannot_list_prices_from_the_page(client, login, alliance, db):
    w = alliance
    login(w.outsider.user)
    url = f"/chambers/{w.chamber.slug}/campaigns/{w.campaign.slug}/alliance"
    assert client.post(f"{url}/prices/{w.tea.id}", data={"price": "1.00"}).status_code == 404
    assert count_rows(db, PriceListing) == 0


def test_proposal_pages_from_proposal_to_adoption(client, login, alliance, db):
    w = alliance
    login(w.members[0].user)
    url = f"/chambers/{w.chamber.slug}/campaigns/{w.campaign.slug}/alliance/proposals/new"
    form = client.get(url + f"?product_id={w.tea.id}")
    assert form.status_code == 200 and f'value="{w.tea.id}" selected' in form.text
    bad = client.post(url, data={"product_id": w.tea.id, "price": "300.00", "floor": "290.00", "ceiling": "280.00",
                                 "closes_at": local(w, dt.timedelta(days=2))})
    assert bad.status_code == 400 and field_errors(bad, "floor") == ["The floor must not be above the ceiling."]
    past = client.post(url, data={"product_id": w.tea.id, "price": "300.00", "closes_at": local(w, -dt.timedelta(hours=1))})
    assert past.status_code == 400 and field_errors(past, "closes_at") == ["The closing time must be in the future."]
    assert count_rows(db, PriceProposal) == 0
    resp = client.post(url, data={"product_id": w.tea.id, "price": "268.00", "floor": "258.00", "ceiling": "278.00",
                                  "closes_at": local(w, dt.timedelta(days=2))})
    assert resp.status_code == 302
    proposal_url = resp.headers["Location"]
    page = client.get(proposal_url)
    assert "¥268.00" in text(page) and "0 of 3 participants have voted" in text(page)
    assert client.post(proposal_url + "/vote", data={"choice": "approve", "member_id": w.members[0].id}).status_code == 302
    page = client.get(proposal_url)
    assert "1 of 3 participants have voted" in text(page) and 'data-choice="approve"' in page.text
    for m in w.members[1:]:
        client.post("/logout")
        login(m.user)
        client.post(proposal_url + "/vote", data={"choice": "approve", "member_id": m.id})
    assert count_rows(db, PriceVote) == 3
    client.post("/logout")
    login(w.organizer)
    page = client.get(proposal_url)
    assert 'data-testid="close-proposal"' in page.text
    assert client.post(proposal_url + "/close").status_code == 302
    page = client.get(proposal_url)
    assert 'data-status="adopted"' in page.text and re.search(r'data-testid="approve">\s*3\s*<', page.text)
    campaign_page = client.get(f"/chambers/{w.chamber.slug}/campaigns/{w.campaign.slug}/alliance")
    assert 'data-testid="alliance-price"' in campaign_page.text


def test_the_proposal_form_says_in_chinese_that_its_times_are_beijing_time(client, login, alliance):
    """The zone as people say it (北京时间), never its IANA name; the closing time it offers is in that zone."""
    w = alliance
    login(w.members[0].user)

    def in_three_days() -> str:  # as the clock reads in Hangzhou
        three_days = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=3)
        return three_days.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%dT%H:%M")

    before = in_three_days()
    page = client.get(f"/chambers/{w.chamber.slug}/campaigns/{w.campaign.slug}/alliance/proposals/new",
                      headers={"Accept-Language": "zh-CN"})
    offered = {before, in_three_days()}  # a minute may turn during the request
    assert page.status_code == 200
    assert "时间按 北京时间 计。会员可投票至截止时间" in text(page)
    assert "Asia/Shanghai" not in page.text
    (closes_at,) = re.findall(r'<input data-testid="proposal-closes"[^>]* value="([^"]*)"', page.text)
    assert closes_at in offered  # not UTC, eight hours behind


def test_votes_are_hidden_while_open(client, login, alliance, db):
    w = alliance
    proposal = ops.propose_price(db, w.campaign, w.organizer, w.tea, price_minor=268_00, floor_minor=None,
                                 ceiling_minor=None, closes_at=w.now + dt.timedelta(days=1))
    ops.cast_vote(db, proposal, w.members[0], "reject")
    db.commit()
    login(w.members[1].user)
    page = client.get(f"/chambers/{w.chamber.slug}/alliance/proposals/{proposal.id}")
    assert "1 of 3 participants have voted" in text(page)
    assert 'data-testid="result"' not in page.text
    assert 'data-testid="reject"' not in page.text and "data-choice" not in page.text


def test_organizer_compliance_and_joint_purchase_pages(client, login, alliance, db):
    w = alliance
    login(w.organizer)
    settings = client.post(f"/chambers/{w.chamber.slug}/manage/alliance/settings", data={
        "weighting": "member", "quorum": "50", "threshold": "2/3", "lookback_days": "30", "max_markup_pct": "40"})
    assert settings.status_code == 302
    base = f"/chambers/{w.chamber.slug}/manage/campaigns/{w.campaign.slug}/alliance"
    sp = client.post(f"{base}/joint-purchase/{w.cup.id}/supplier", data={
        "supplier": "龙泉窑", "unit_price": "50.00", "tiers-0-min_quantity": "20", "tiers-0-unit_price": "45.00",
        "delivery_notes": "包装完好"})
    assert sp.status_code == 302
    bad = client.post(f"{base}/joint-purchase/{w.cup.id}/supplier", data={"unit_price": "-1"})
    assert bad.status_code == 400 and field_errors(bad, "unit_price")
    ops.list_price(db, w.campaign, w.members[2], w.cup, price_minor=88_00)
    ops.set_demand(db, w.campaign, w.members[0], w.cup, 15)
    ops.set_demand(db, w.campaign, w.members[1], w.cup, 10)
    db.commit()
    report = client.get(f"{base}/compliance")
    assert report.status_code == 200
    # 25 cups reach the 20-cup tier: the chamber pays 45.00, so the cap is 45.00 × 1.4 = 63.00 (not 50.00 × 1.4)
    assert f'data-member="{w.members[2].id}"' in report.text and "cap ¥63.00" in text(report)
    jp = client.get(f"{base}/joint-purchase")
    assert re.search(r'data-testid="total-quantity">\s*25\s*<', jp.text) and "¥45.00" in text(jp)
    assert client.post(f"{base}/joint-purchase/dues").status_code == 302
    jp = client.get(f"{base}/joint-purchase")
    assert re.search(r'data-testid="jp-recorded">\s*¥1,125.00\s*<', jp.text)
    client.post("/logout")
    login(w.members[0].user)
    assert client.get(f"{base}/compliance").status_code == 404
    assert client.get(f"{base}/joint-purchase").status_code == 404


def test_bad_settings_are_shown_by_the_field(client, login, alliance, db):
    w = alliance
    login(w.organizer)
    resp = client.post(f"/chambers/{w.chamber.slug}/manage/alliance/settings", data={
        "weighting": "member", "quorum": "150", "threshold": "0", "lookback_days": "0"})
    assert resp.status_code == 400
    assert field_errors(resp, "quorum") and field_errors(resp, "threshold") and field_errors(resp, "lookback_days")
    assert queries.get_settings(db, w.chamber).lookback_days == 7


def test_dashboards_show_the_alliance(client, login, alliance, db, app):
    w = alliance
    proposal = ops.propose_price(db, w.campaign, w.organizer, w.tea, price_minor=268_00, floor_minor=None,
                                 ceiling_minor=None, closes_at=w.now + dt.timedelta(hours=3))
    with app.test_request_context():  # the reminder goes through the delivery service (the user's inbox)
        ops.remind_non_voters(db, proposal)
    db.commit()
    login(w.members[0].user)
    page = client.get(f"/chambers/{w.chamber.slug}/dashboard")
    assert 'data-testid="alliance-section"' in page.text and 'data-kind="vote_reminder"' in page.text
    client.post("/logout")
    login(w.organizer)
    page = client.get(f"/chambers/{w.chamber.slug}/manage")
    assert 'data-testid="alliance-manage-section"' in page.text


def test_the_alliance_home_lists_the_active_campaigns_as_the_campaign_presenter_gives_them(client, login, alliance,
                                                                                           db, app):
    from flask import template_rendered

    from campaigns import operations as campaign_ops
    from campaigns.presenters import campaign_data

    w = alliance
    draft = campaign_ops.create_campaign(
        db, w.chamber, w.organizer, slug="draft", title="草稿", festival="double11", description="",
        starts_at=w.now + dt.timedelta(days=40), ends_at=w.now + dt.timedelta(days=50),
        optin_deadline=w.now + dt.timedelta(days=30), budget_minor=1000_00, method="equal", min_share_minor=None,
        max_share_pct=None, min_participants=None, min_pooled_minor=None)
    db.commit()
    login(w.organizer)
    seen = []
    with template_rendered.connected_to(lambda _app, template, context, **_: seen.append((template.name, context)),
                                        app):
        page = client.get(f"/chambers/{w.chamber.slug}/alliance")
    assert page.status_code == 200
    (context,) = [ctx for name, ctx in seen if name == "pricing_alliance/home.html"]
    assert context["campaigns"] == [campaign_data(db, w.campaign)]  # plain data, never the row; not the draft
    shown = re.findall(r'data-campaign="([^"]+)"', page.text)
    assert shown == [w.campaign.slug] and draft.slug not in shown


def test_the_public_partial_shows_alliance_prices_and_no_supplier_data(app, alliance, db):
    from flask import render_template

    w = alliance
    ops.set_supplier_price(db, w.campaign, w.tea, unit_price_minor=190_00, tiers=[])
    proposal = ops.propose_price(db, w.campaign, w.organizer, w.tea, price_minor=268_00, floor_minor=None,
                                 ceiling_minor=None, closes_at=w.now + dt.timedelta(days=1))
    for m in w.members:
        ops.cast_vote(db, proposal, m, "approve")
    ops.close_proposal(db, proposal, w.organizer)
    db.commit()
    with app.test_request_context(headers={"Accept-Language": "en"}):
        html = render_template("pricing_alliance/_public_prices.html", chamber=w.chamber, campaign_id=w.campaign.id)
    assert "¥268.00" in html and "明前龙井" in html
    assert "190.00" not in html


def _adopt_tea(w: AllianceWorld, db: Session, price_minor: int = 268_00) -> None:
    proposal = ops.propose_price(db, w.campaign, w.organizer, w.tea, price_minor=price_minor, floor_minor=None,
                                 ceiling_minor=None, closes_at=w.now + dt.timedelta(days=1))
    for m in w.members:
        ops.cast_vote(db, proposal, m, "approve")
    ops.close_proposal(db, proposal, w.organizer)


def test_shoppers_see_alliance_prices_honest_was_now_and_the_label_only_on_compliant_offers(client, alliance, db):
    w = alliance
    ops.set_supplier_price(db, w.campaign, w.tea, unit_price_minor=190_00, tiers=[])
    earlier = w.now - dt.timedelta(days=3)
    keeps, breaks, _silent = w.members
    ops.list_price(db, w.campaign, keeps, w.tea, price_minor=298_00, now=earlier)
    ops.list_price(db, w.campaign, keeps, w.tea, price_minor=268_00, original_price_minor=298_00)
    ops.list_price(db, w.campaign, breaks, w.tea, price_minor=259_00)
    _adopt_tea(w, db)
    db.commit()
    page = client.get(f"/c/{w.chamber.slug}/double11")
    assert page.status_code == 200
    html = page.text
    prices = html[html.index('data-testid="public-alliance-prices"'):]
    assert "明前龙井" in prices and "¥268.00" in prices
    cards = {name: html[html.index(name):] for name in (keeps.business_name, breaks.business_name)}
    keeps_card = cards[keeps.business_name].split('data-testid="offer"')[0]
    breaks_card = cards[breaks.business_name].split('data-testid="offer"')[0]
    assert 'data-testid="alliance-label"' in keeps_card and "¥298.00" in keeps_card and "¥268.00" in keeps_card
    assert 'data-testid="was-price"' in keeps_card
    assert "¥259.00" in breaks_card and 'data-testid="alliance-label"' not in breaks_card  # below the band
    assert "190.00" not in html and "mark-up" not in html.lower()  # supplier data stays inside


def test_flyer_lists_the_alliance_prices(client, alliance, db):
    import io

    import pypdf  # a test dependency: never skipped
    w = alliance
    _adopt_tea(w, db)
    db.commit()
    resp = client.get(f"/c/{w.chamber.slug}/double11/flyer.pdf")
    assert resp.status_code == 200
    text = "".join("".join(p.extract_text().split()) for p in pypdf.PdfReader(io.BytesIO(resp.data)).pages)
    assert "Allianceprices" in text and "明前龙井250g¥268.00".replace("¥", "") in text.replace("¥", "")
