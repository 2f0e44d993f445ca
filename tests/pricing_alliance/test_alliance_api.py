"""The pricing alliance through the API: catalogue, listed prices, proposals and votes, compliance, joint purchase."""
from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select

from chamber.errors import Invalid
from pricing_alliance import operations as ops
from pricing_alliance import presenters, queries
from pricing_alliance.models import (
    MAX_QUANTITY,
    Demand,
    JointPurchaseEntry,
    PriceListing,
    PriceProposal,
    PriceVote,
    Product,
)
from tests.conftest import count_rows
from tests.helpers import told
from tests.pricing_alliance.alliance_world import AllianceWorld, alliance  # noqa: F401  (a fixture)


def iso(t: dt.datetime) -> str:
    return t.isoformat()


def propose(client: Any, w: AllianceWorld, headers: dict[str, str] | None = None, **body: Any) -> Any:
    data = {"product_id": w.tea.id, "price": "268.00", "floor": "258.00", "ceiling": "278.00",
            "closes_at": iso(w.now + dt.timedelta(days=2))}
    data.update(body)
    return client.post(f"{w.k}/price-proposals", json=data, headers=headers or w.h[0])


# --------------------------------------------------------------------------- catalogue


def test_organizer_adds_a_product_and_members_see_the_catalogue(client, alliance):
    w = alliance
    resp = client.post(f"{w.base}/products", headers=w.org_h,
                       json={"name": "安吉白茶", "unit": "100g", "category": "茶叶", "reference_price": "158.00"})
    assert resp.status_code == 201, resp.json
    assert resp.json["product_id"] > 0 and resp.json["reference_price"] == "158.00"
    items = client.get(f"{w.base}/products", headers=w.h[0]).json["items"]
    assert [i["name"] for i in items if i["unit"] == "100g"] == ["安吉白茶"]
    assert client.post(f"{w.base}/products", headers=w.h[0], json={"name": "x", "unit": "y"}).status_code == 404
    again = client.post(f"{w.base}/products", headers=w.org_h, json={"name": "安吉白茶", "unit": "100g"})
    assert again.status_code == 409


@pytest.mark.parametrize("price", ["0.00", "-5.00", 12])
def test_a_product_with_a_bad_reference_price_is_refused(client, alliance, db, price):
    w = alliance
    before = count_rows(db, Product)
    resp = client.post(f"{w.base}/products", headers=w.org_h, json={"name": "n", "unit": "u", "reference_price": price})
    assert resp.status_code == 400 and "reference_price" in resp.json["error"]["fields"]
    assert count_rows(db, Product) == before


# --------------------------------------------------------------------------- listed prices


def test_listing_prices_keeps_a_history_and_refuses_a_dishonest_original(client, alliance, db):
    w = alliance
    url = f"{w.k}/prices/{w.tea.id}"
    first = client.put(url, headers=w.h[0], json={"price": "280.00"})
    assert first.status_code == 200 and first.json == {**first.json, "compliant": True, "problems": []}
    assert client.put(url, headers=w.h[0], json={"price": "300.00"}).status_code == 200
    # was 300 now 260: but 280 was listed within the last 7 days
    resp = client.put(url, headers=w.h[0], json={"price": "260.00", "original_price": "300.00"})
    assert resp.status_code == 400
    message = resp.json["error"]["fields"]["original_price"]
    assert message == "原价不得高于您在此前 7 天内标出的最低价：¥280.00。"
    assert count_rows(db, PriceListing, PriceListing.member_id == w.members[0].id) == 2
    ok = client.put(url, headers=w.h[0], json={"price": "260.00", "original_price": "280.00"})
    assert ok.status_code == 200 and ok.json["original_price"] == "280.00"
    assert count_rows(db, PriceListing, PriceListing.member_id == w.members[0].id) == 3


def test_the_lookback_window_is_a_chamber_setting(client, alliance, db):
    w = alliance
    member, tea = w.members[0], w.tea
    db.add_all([PriceListing(chamber_id=w.chamber.id, campaign_id=w.campaign.id, member_id=member.id,
                             product_id=tea.id, price_minor=p, listed_at=w.now - dt.timedelta(days=d))
                for d, p in ((20, 250_00), (3, 300_00))])
    db.commit()
    url = f"{w.k}/prices/{tea.id}"
    body = {"price": "270.00", "original_price": "300.00"}
    assert client.put(url, headers=w.h[0], json=body).status_code == 400  # 250 was on the shelf 7 days ago
    settings = {"weighting": "member", "quorum": 50, "threshold": "2/3", "lookback_days": 2, "max_markup_pct": None}
    assert client.put(f"{w.base}/alliance-settings", headers=w.org_h, json=settings).status_code == 200
    assert client.put(url, headers=w.h[0], json=body).status_code == 200
    settings["lookback_days"] = 30  # the EU rule: 250.00 twenty days ago
    client.put(f"{w.base}/alliance-settings", headers=w.org_h, json=settings)
    resp = client.put(url, headers=w.h[0], json={"price": "260.00", "original_price": "270.00"})
    assert resp.status_code == 400 and "250.00" in resp.json["error"]["fields"]["original_price"]


@pytest.mark.parametrize("body, field", [
    ({"price": "0.00"}, "price"),
    ({"price": "-1.00"}, "price"),
    ({"price": 12.5}, "price"),
    ({"price": "100.00", "original_price": "90.00"}, "original_price"),
    ({"price": "100.00", "original_price": "120.00"}, "original_price"),  # no earlier price at all
])
def test_bad_listed_prices_change_nothing(client, alliance, db, body, field):
    w = alliance
    resp = client.put(f"{w.k}/prices/{w.tea.id}", headers=w.h[0], json=body)
    assert resp.status_code == 400 and field in resp.json["error"]["fields"], resp.json
    assert count_rows(db, PriceListing) == 0


def test_only_participants_list_prices(client, alliance, db):
    w = alliance
    assert client.put(f"{w.k}/prices/{w.tea.id}", headers=w.outsider_h, json={"price": "1.00"}).status_code == 404
    # an organizer with no business of its own is refused as in campaigns
    assert client.put(f"{w.k}/prices/{w.tea.id}", headers=w.org_h, json={"price": "1.00"}).status_code == 403
    assert client.put(f"{w.k}/prices/999999", headers=w.h[0], json={"price": "1.00"}).status_code == 404
    assert count_rows(db, PriceListing) == 0


def test_price_history_is_append_only_in_the_database(alliance, db):
    from sqlalchemy import delete, update
    from sqlalchemy.exc import DBAPIError

    w = alliance
    ops.list_price(db, w.campaign, w.members[0], w.tea, price_minor=100_00)
    db.commit()
    for statement in (update(PriceListing).values(price_minor=1), delete(PriceListing)):
        with pytest.raises(DBAPIError):
            with db.begin_nested():
                db.execute(statement)


# --------------------------------------------------------------------------- proposals and votes


def test_a_proposal_from_creation_to_adoption(client, alliance, db):
    w = alliance
    resp = propose(client, w)
    assert resp.status_code == 201, resp.json
    pid = resp.json["proposal_id"]
    url = f"{w.base}/price-proposals/{pid}"
    assert client.put(url + "/vote", headers=w.h[0], json={"choice": "reject"}).status_code == 200
    assert client.put(url + "/vote", headers=w.h[0], json={"choice": "approve"}).status_code == 200  # changed
    assert client.put(url + "/vote", headers=w.h[1], json={"choice": "approve"}).status_code == 200
    shown = client.get(url, headers=w.h[2]).json
    assert shown["status"] == "open"
    # only the turnout while open: not who voted how, not the running result
    assert shown["tally"] == {"eligible": 3, "voters": 2, "turnout_pct": pytest.approx(66.6667)}
    assert shown["my_votes"] == []
    assert client.get(url, headers=w.h[0]).json["my_votes"] == [{"member_id": w.members[0].id, "choice": "approve"}]
    # not everyone has voted: an organizer cannot close it early
    early = client.post(url + "/close", headers=w.org_h)
    assert early.status_code == 409
    assert early.json["error"]["message"] == "截止时间之前，只有所有参与商户都投票后才能结束提案（已投 2 / 3）。"
    assert client.put(url + "/vote", headers=w.h[2], json={"choice": "abstain"}).status_code == 200
    closed = client.post(url + "/close", headers=w.org_h)
    assert closed.status_code == 200
    assert closed.json["status"] == "adopted"
    assert closed.json["tally"] | {} == {**closed.json["tally"], "voters": 3, "approve": "2", "reject": "0",
                                         "abstain": "1", "approval_pct": 100}
    assert count_rows(db, PriceVote, PriceVote.proposal_id == pid) == 3
    prices = client.get(f"{w.k}/alliance-prices").json["items"]  # public
    assert prices == [{**prices[0], "product_id": w.tea.id, "name": "明前龙井", "price": "268.00", "floor": "258.00",
                       "ceiling": "278.00"}]
    # everyone involved is told
    assert told(db, "pricing_alliance.proposal_result", pid) == sorted(m.user_id for m in w.members)
    notices = client.get(f"{w.base}/alliance-notices", headers=w.h[1]).json["items"]
    assert any("268.00" in n["message"] and n["kind"] == "proposal_result"
               and n["link"].endswith(f"/alliance/proposals/{pid}") for n in notices)


def test_tier_weighting_and_the_threshold(client, alliance):
    w = alliance
    client.put(f"{w.base}/alliance-settings", headers=w.org_h,
               json={"weighting": "tier", "quorum": 50, "threshold": "2/3", "lookback_days": 7})
    pid = propose(client, w).json["proposal_id"]
    url = f"{w.base}/price-proposals/{pid}"
    client.put(url + "/vote", headers=w.h[0], json={"choice": "reject"})
    client.put(url + "/vote", headers=w.h[1], json={"choice": "reject"})
    client.put(url + "/vote", headers=w.h[2], json={"choice": "approve"})  # core tier: weight 4 of 6
    result = client.post(url + "/close", headers=w.org_h).json
    assert result["status"] == "adopted" and result["tally"]["approve"] == "4" and result["weighting"] == "tier"


def test_a_proposal_closes_without_quorum_at_its_time(alliance, db, client):
    w = alliance
    pid = propose(client, w).json["proposal_id"]
    client.put(f"{w.base}/price-proposals/{pid}/vote", headers=w.h[0], json={"choice": "approve"})
    proposal = db.get(PriceProposal, pid)
    ops.close_proposal(db, proposal, now=proposal.closes_at)
    db.commit()
    shown = client.get(f"{w.base}/price-proposals/{pid}", headers=w.h[0]).json
    assert shown["status"] == "no_quorum" and shown["tally"]["voters"] == 1
    assert client.get(f"{w.k}/alliance-prices").json["items"] == []


def test_a_later_adopted_proposal_supersedes_and_history_is_kept(alliance, db, client):
    w = alliance
    for price in ("268.00", "258.00"):
        pid = propose(client, w, price=price, floor=None, ceiling=None).json["proposal_id"]
        for h in w.h:
            client.put(f"{w.base}/price-proposals/{pid}/vote", headers=h, json={"choice": "approve"})
        assert client.post(f"{w.base}/price-proposals/{pid}/close", headers=w.org_h).json["status"] == "adopted"
    items = client.get(f"{w.k}/alliance-prices").json["items"]
    assert [(i["price"], i["floor"], i["ceiling"]) for i in items] == [("258.00", None, None)]
    listed = client.get(f"{w.k}/price-proposals", headers=w.h[0]).json["items"]
    assert [p["price"] for p in listed] == ["258.00", "268.00"] and {p["status"] for p in listed} == {"adopted"}


@pytest.mark.parametrize("body, field", [
    ({"price": "0.00", "floor": None, "ceiling": None}, "price"),
    ({"price": "-3.00", "floor": None, "ceiling": None}, "price"),
    ({"floor": "290.00", "ceiling": "278.00"}, "floor"),
    ({"price": "250.00"}, "price"),   # below its own floor
    ({"price": "280.00"}, "price"),   # above its own ceiling
    ({"closes_at": "2020-01-01T00:00"}, "closes_at"),
    ({"product_id": 999999}, "product_id"),
])
def test_bad_proposals_are_refused_and_change_nothing(client, alliance, db, body, field):
    w = alliance
    resp = propose(client, w, **body)
    assert resp.status_code == 400 and field in resp.json["error"]["fields"], resp.json
    assert count_rows(db, PriceProposal) == 0


def test_a_proposal_above_the_markup_cap_is_refused_with_the_figure(client, alliance, db):
    w = alliance
    client.put(f"{w.base}/alliance-settings", headers=w.org_h,
               json={"weighting": "member", "quorum": 50, "threshold": 50, "lookback_days": 7, "max_markup_pct": 40})
    assert client.put(f"{w.k}/supplier-prices/{w.tea.id}", headers=w.org_h,
                      json={"supplier": "梅家坞茶厂", "unit_price": "190.00"}).status_code == 200
    resp = propose(client, w, price="268.00", floor=None, ceiling="270.00")
    assert resp.status_code == 400 and "266.00" in resp.json["error"]["fields"]["price"]
    resp = propose(client, w, price="260.00", floor=None, ceiling="270.00")
    assert resp.status_code == 400 and "266.00" in resp.json["error"]["fields"]["ceiling"]
    assert propose(client, w, price="260.00", floor=None, ceiling="266.00").status_code == 201
    assert count_rows(db, PriceProposal) == 1


def test_the_markup_cap_is_over_what_the_chamber_pays_at_the_volume_reached(client, alliance, db):
    w = alliance
    client.put(f"{w.base}/alliance-settings", headers=w.org_h,
               json={"weighting": "member", "quorum": 50, "threshold": 50, "lookback_days": 7, "max_markup_pct": 40})
    assert client.put(f"{w.k}/supplier-prices/{w.tea.id}", headers=w.org_h, json={
        "supplier": "梅家坞茶厂", "unit_price": "195.00",
        "tiers": [{"min_quantity": 100, "unit_price": "178.00"}]}).status_code == 200
    # 60 units: the base price; cap 195.00 × 1.4 = 273.00
    client.put(f"{w.k}/demand/{w.tea.id}", headers=w.h[0], json={"quantity": 60})
    assert propose(client, w, price="268.00", floor=None, ceiling=None).status_code == 201
    # 135 units reach the tier: the chamber pays 178.00, so the cap is 178.00 × 1.4 = 249.20
    client.put(f"{w.k}/demand/{w.tea.id}", headers=w.h[1], json={"quantity": 75})
    resp = propose(client, w, price="268.00", floor=None, ceiling=None)
    assert resp.status_code == 400 and "249.20" in resp.json["error"]["fields"]["price"]
    assert propose(client, w, price="249.00", floor=None, ceiling=None).status_code == 201
    # listed prices are flagged against the same cap
    ops.list_price(db, w.campaign, w.members[2], w.tea, price_minor=260_00)
    db.commit()
    report = client.get(f"{w.k}/compliance", headers=w.org_h).json
    row = next(r for r in report["items"] if r["member_id"] == w.members[2].id)
    assert "above_markup_cap" in row["problems"]


def test_voting_rules(client, alliance, db):
    w = alliance
    pid = propose(client, w).json["proposal_id"]
    url = f"{w.base}/price-proposals/{pid}/vote"
    assert client.put(url, headers=w.outsider_h, json={"choice": "approve"}).status_code == 404  # not a participant
    assert client.put(url, headers=w.org_h, json={"choice": "approve"}).status_code == 403  # no business at all
    bad = client.put(url, headers=w.h[0], json={"choice": "maybe"})
    assert bad.status_code == 400 and "choice" in bad.json["error"]["fields"]
    assert count_rows(db, PriceVote) == 0
    proposal = db.get(PriceProposal, pid)
    ops.close_proposal(db, proposal, now=proposal.closes_at)
    db.commit()
    late = client.put(url, headers=w.h[0], json={"choice": "approve"})
    assert late.status_code == 409 and count_rows(db, PriceVote) == 0
    assert client.post(f"{w.base}/price-proposals/{pid}/close", headers=w.org_h).status_code == 409


def test_proposals_are_the_chambers_own(client, alliance, create_chamber, token_for):
    w = alliance
    pid = propose(client, w).json["proposal_id"]
    other = create_chamber()
    h = token_for(other.organizer)
    assert client.get(f"/api/v1/chambers/{other.slug}/price-proposals/{pid}", headers=h).status_code == 404
    seen = client.get(f"{w.base}/price-proposals/{pid}", headers=w.outsider_h)  # a chamber member
    assert seen.status_code == 200 and seen.json["proposal_id"] == pid
    assert client.get(f"{w.base}/price-proposals/{pid}", headers=h).status_code == 404


# --------------------------------------------------------------------------- compliance


def test_compliance_report_and_own_problems(client, alliance, db):
    w = alliance
    client.put(f"{w.base}/alliance-settings", headers=w.org_h,
               json={"weighting": "member", "quorum": 50, "threshold": 50, "lookback_days": 7, "max_markup_pct": 40})
    client.put(f"{w.k}/supplier-prices/{w.cup.id}", headers=w.org_h, json={"unit_price": "50.00"})
    pid = propose(client, w).json["proposal_id"]
    for h in w.h:
        client.put(f"{w.base}/price-proposals/{pid}/vote", headers=h, json={"choice": "approve"})
    client.post(f"{w.base}/price-proposals/{pid}/close", headers=w.org_h)
    ok = client.put(f"{w.k}/prices/{w.tea.id}", headers=w.h[0], json={"price": "268.00"})
    assert ok.json["compliant"] is True
    low = client.put(f"{w.k}/prices/{w.tea.id}", headers=w.h[1], json={"price": "199.00"})
    assert low.json == {**low.json, "compliant": False, "problems": ["below_floor"]}
    pyramid = client.put(f"{w.k}/prices/{w.cup.id}", headers=w.h[2], json={"price": "88.00"})
    assert pyramid.json["problems"] == ["above_markup_cap"]
    report = client.get(f"{w.k}/compliance", headers=w.org_h).json
    assert report["violations"] == 2
    bad = {(r["member_id"], r["product_id"]): r for r in report["items"] if not r["compliant"]}
    row = bad[(w.members[1].id, w.tea.id)]
    assert row["price"] == "199.00" and row["band"] == {"floor": "258.00", "ceiling": "278.00"} and row["since"]
    assert bad[(w.members[2].id, w.cup.id)]["markup_cap"] == "70.00"
    assert client.get(f"{w.k}/compliance", headers=w.h[0]).status_code == 404
    mine = client.get(f"{w.k}/prices", headers=w.h[1]).json["items"]
    assert [(r["product_id"], r["problems"]) for r in mine] == [(w.tea.id, ["below_floor"])]
    assert queries.violation_counts(db, w.chamber.id, [m.id for m in w.members]) == \
        {w.members[0].id: 0, w.members[1].id: 1, w.members[2].id: 1}
    public = presenters.public_alliance_view(db, w.campaign)
    assert public["compliant"] == {w.members[0].id: [w.tea.id]}
    assert "50.00" not in str(client.get(f"{w.k}/alliance-prices").json)  # supplier prices never public


# --------------------------------------------------------------------------- joint purchasing


def test_joint_purchase_demand_volume_tiers_and_dues(client, alliance, db):
    w = alliance
    for h, q in zip(w.h, (10, 25, 5), strict=False):
        resp = client.put(f"{w.k}/demand/{w.tea.id}", headers=h, json={"quantity": q})
        assert resp.status_code == 200 and resp.json["quantity"] == q
    client.put(f"{w.k}/demand/{w.tea.id}", headers=w.h[0], json={"quantity": 15})  # changed
    resp = client.put(f"{w.k}/supplier-prices/{w.tea.id}", headers=w.org_h, json={
        "supplier": "梅家坞茶厂", "unit_price": "190.00", "delivery_notes": "11月5日前送到商会仓库",
        "tiers": [{"min_quantity": 40, "unit_price": "180.00"}, {"min_quantity": 100, "unit_price": "170.00"}]})
    assert resp.status_code == 200, resp.json
    item = resp.json["items"][0]
    assert item["total_quantity"] == 45 and item["unit_price"] == "180.00" and item["total"] == "8100.00"
    assert sorted(m["amount_due"] for m in item["members"]) == ["2700.00", "4500.00", "900.00"]
    dues = client.post(f"{w.k}/joint-purchase/dues", headers=w.org_h)
    assert dues.status_code == 201 and dues.json["entries_written"] == 3 and dues.json["recorded_total"] == "8100.00"
    # demand falls below the tier: the account gets a credit for the member who dropped and dues for the rest
    client.put(f"{w.k}/demand/{w.tea.id}", headers=w.h[1], json={"quantity": 5})
    again = client.post(f"{w.k}/joint-purchase/dues", headers=w.org_h).json
    assert again["recorded_total"] == again["total"] == "4750.00"
    kinds = db.scalars(select(JointPurchaseEntry.kind).order_by(JointPurchaseEntry.id)).all()
    assert kinds.count("credit") == 1 and kinds.count("due") == 5
    assert client.post(f"{w.k}/joint-purchase/dues", headers=w.org_h).json["entries_written"] == 0
    # the campaign's own ledger is untouched: its balances stay conserved
    ledger = client.get(f"{w.k}/ledger", headers=w.org_h).json
    assert ledger["items"] == [] and ledger["balances"]["paid"] == "0.00"


@pytest.mark.parametrize("quantity", [0, -3, 1.5, "7", None, True])
def test_a_quantity_must_be_a_positive_whole_number(client, alliance, db, quantity):
    w = alliance
    resp = client.put(f"{w.k}/demand/{w.tea.id}", headers=w.h[0], json={"quantity": quantity})
    assert resp.status_code == 400 and "quantity" in resp.json["error"]["fields"], resp.json
    assert count_rows(db, Demand) == 0


def test_the_largest_quantity_is_the_models_own(client, alliance, db):
    """models.MAX_QUANTITY bounds a demand everywhere: the CHECK, the form and the operation (no copy of it)."""
    w = alliance
    assert ops.set_demand(db, w.campaign, w.members[0], w.tea, MAX_QUANTITY).quantity == MAX_QUANTITY
    with pytest.raises(Invalid) as refused:
        ops.set_demand(db, w.campaign, w.members[0], w.tea, MAX_QUANTITY + 1)
    assert refused.value.field == "quantity"
    resp = client.put(f"{w.k}/demand/{w.tea.id}", headers=w.h[1], json={"quantity": MAX_QUANTITY + 1})
    assert resp.status_code == 400 and "quantity" in resp.json["error"]["fields"], resp.json


def test_dues_need_a_supplier_price(client, alliance, db):
    w = alliance
    client.put(f"{w.k}/demand/{w.cup.id}", headers=w.h[0], json={"quantity": 3})
    assert client.post(f"{w.k}/joint-purchase/dues", headers=w.org_h).status_code == 409
    assert count_rows(db, JointPurchaseEntry) == 0
    assert client.put(f"{w.k}/demand/{w.cup.id}", headers=w.outsider_h, json={"quantity": 3}).status_code == 404


def test_purchase_request_pdf_prints_the_numbers(client, alliance):
    import pypdf as pdftext  # a test dependency: never skipped
    w = alliance
    for h, q in zip(w.h, (12, 30, 8), strict=False):
        client.put(f"{w.k}/demand/{w.tea.id}", headers=h, json={"quantity": q})
    client.put(f"{w.k}/supplier-prices/{w.tea.id}", headers=w.org_h, json={
        "supplier": "梅家坞茶厂", "unit_price": "190.00", "delivery_notes": "送到商会仓库",
        "tiers": [{"min_quantity": 50, "unit_price": "180.00"}]})
    resp = client.get(f"{w.k}/joint-purchase.pdf", headers=w.org_h)
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    import io

    text = " ".join(page.extract_text() for page in pdftext.PdfReader(io.BytesIO(resp.data)).pages)
    text = " ".join(text.split())
    names = {m.id: m.business_name for m in w.members}
    for member, quantity, due in zip(w.members, (12, 30, 8), ("2,160.00", "5,400.00", "1,440.00"), strict=False):
        assert f"{names[member.id]} {quantity} ¥{due}" in text, text
    assert "Total 50 ¥9,000.00" in text or "合计 50 ¥9,000.00" in text, text
    assert "梅家坞茶厂" in text and "送到商会仓库" in text
    assert client.get(f"{w.k}/joint-purchase.pdf", headers=w.h[0]).status_code == 404


def test_tally_and_compliance_report_take_a_constant_number_of_queries(alliance, db, create_member, count_queries):
    from campaigns import operations as campaign_ops

    w = alliance
    proposal = ops.propose_price(db, w.campaign, w.organizer, w.tea, price_minor=268_00, floor_minor=None,
                                 ceiling_minor=None, closes_at=w.now + dt.timedelta(days=1))
    for m in w.members:
        ops.cast_vote(db, proposal, m, "approve")
        ops.list_price(db, w.campaign, m, w.tea, price_minor=268_00)
    db.commit()
    with count_queries() as few:
        assert queries.tally_proposal(db, proposal).voters == 3
        assert len(queries.compliance_report(db, w.campaign)["rows"]) == 3
    for _ in range(12):
        m = create_member(chamber=w.chamber)
        campaign_ops.opt_in(db, w.campaign, m, offer_headline="九折")
        ops.cast_vote(db, proposal, m, "reject")
        ops.list_price(db, w.campaign, m, w.tea, price_minor=300_00)
        ops.list_price(db, w.campaign, m, w.cup, price_minor=30_00)
    db.commit()
    with count_queries() as many:
        assert queries.tally_proposal(db, proposal).voters == 15
        assert len(queries.compliance_report(db, w.campaign)["rows"]) == 27
    assert many() == few()
