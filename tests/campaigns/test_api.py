"""The campaigns API: routes, shapes, decimal strings, statuses, permissions, query counts."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from campaigns import errors
from campaigns import operations as ops

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def future(days: float) -> str:
    """A local time (no offset) days from now, as a form or API client would send it."""
    return (dt.datetime.now() + dt.timedelta(days=days)).replace(microsecond=0, second=0).isoformat()


def body(**overrides):
    data = {
        "slug": "d11", "title": "双十一", "festival": "double11", "description": "全城联动",
        "starts_at": future(20), "ends_at": future(30), "optin_deadline": future(10),
        "budget": "1000.00", "apportionment": {"method": "equal", "min_share": None, "max_share_pct": None},
    }
    data.update(overrides)
    return data


@pytest.fixture
def setup(client, create_chamber, create_member, token_for):
    chamber = create_chamber()
    org = token_for(chamber.organizer)
    members = [create_member(chamber) for _ in range(3)]
    tokens = [token_for(m.user) for m in members]
    return chamber, org, members, tokens


def create(client, chamber, org, **overrides):
    resp = client.post(f"/api/v1/chambers/{chamber.slug}/campaigns", json=body(**overrides), headers=org)
    assert resp.status_code == 201, resp.text
    return resp.json


def url(chamber, tail=""):
    return f"/api/v1/chambers/{chamber.slug}/campaigns/d11{tail}"


def open_and_join(client, chamber, org, tokens, **overrides):
    create(client, chamber, org, **overrides)
    assert client.post(url(chamber, "/transitions"), json={"to": "open"}, headers=org).status_code == 200
    for t in tokens:
        r = client.put(url(chamber, "/participation"), json={"offer_headline": "九折"}, headers=t)
        assert r.status_code == 200, r.text


def lock(client, chamber, org, tokens, **overrides):
    open_and_join(client, chamber, org, tokens, **overrides)
    r = client.post(url(chamber, "/transitions"), json={"to": "locked"}, headers=org)
    assert r.status_code == 200, r.text


def test_create_and_read_campaign(client, setup):
    chamber, org, _members, _tokens = setup
    data = create(client, chamber, org, apportionment={"method": "tier", "min_share": "50.00", "max_share_pct": 40},
                  min_participants=2, min_pooled="500.00", starts_at="2031-11-11T00:00", ends_at="2031-11-12T00:00",
                  optin_deadline="2031-11-01T12:00:00+00:00")
    assert data["status"] == "draft" and data["participant_count"] == 0
    assert data["budget"] == "1000.00"
    assert data["apportionment"] == {"method": "tier", "min_share": "50.00", "max_share_pct": 40}
    assert data["min_pooled"] == "500.00" and data["min_participants"] == 2
    assert data["starts_at"] == "2031-11-11T00:00:00+08:00"  # read in the chamber's zone
    assert data["optin_deadline"] == "2031-11-01T20:00:00+08:00"
    # drafts are the organizer's only
    assert client.get(url(chamber)).status_code == 404
    assert client.get(url(chamber), headers=org).json["slug"] == "d11"
    assert client.get(f"/api/v1/chambers/{chamber.slug}/campaigns").json == {"items": []}
    assert len(client.get(f"/api/v1/chambers/{chamber.slug}/campaigns", headers=org).json["items"]) == 1
    client.post(url(chamber, "/transitions"), json={"to": "open"}, headers=org)
    public = client.get(url(chamber)).json
    assert public["status"] == "open"
    assert [c["slug"] for c in client.get(f"/api/v1/chambers/{chamber.slug}/campaigns").json["items"]] == ["d11"]


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"budget": 1000}, "budget"),
        ({"budget": "-1.00"}, "budget"),
        ({"budget": "10.001"}, "budget"),
        ({"budget": "ten"}, "budget"),
        ({"apportionment": {"method": "equal", "min_share": "1.234"}}, "apportionment.min_share"),
        ({"apportionment": {"method": "random"}}, "apportionment.method"),
        ({"apportionment": {"method": "equal", "max_share_pct": 120}}, "apportionment.max_share_pct"),
        ({"apportionment": {"method": "equal", "max_share_pct": "30"}}, "apportionment.max_share_pct"),
        ({"ends_at": future(15)}, "ends_at"),
        ({"optin_deadline": future(25)}, "optin_deadline"),
        ({"starts_at": "next tuesday"}, "starts_at"),
        ({"festival": "christmas"}, "festival"),
        ({"slug": "Bad Slug"}, "slug"),
        ({"apportionment": {"method": "equal", "min_share": "400.00", "max_share_pct": 30}}, "apportionment.max_share_pct"),
    ],
)
def test_create_validation(client, setup, overrides, field):
    chamber, org, _m, _t = setup
    resp = client.post(f"/api/v1/chambers/{chamber.slug}/campaigns", json=body(**overrides), headers=org)
    assert resp.status_code == 400, resp.text
    assert resp.json["error"]["code"] == "validation_error"
    assert field in resp.json["error"]["fields"], resp.json
    assert client.get(f"/api/v1/chambers/{chamber.slug}/campaigns", headers=org).json["items"] == []


def test_only_organizers_create_and_duplicate_slug_conflicts(client, setup):
    chamber, org, _m, tokens = setup
    assert client.post(f"/api/v1/chambers/{chamber.slug}/campaigns", json=body(), headers=tokens[0]).status_code == 404
    assert client.post(f"/api/v1/chambers/{chamber.slug}/campaigns", json=body()).status_code == 401
    create(client, chamber, org)
    r = client.post(f"/api/v1/chambers/{chamber.slug}/campaigns", json=body(), headers=org)
    assert r.status_code == 409 and "slug" in r.json["error"]["fields"]


def test_edit_while_draft_or_open_only(client, setup):
    chamber, org, _m, tokens = setup
    create(client, chamber, org)
    r = client.put(url(chamber), json=body(title="新标题", budget="2000.00"), headers=org)
    assert r.status_code == 200 and r.json["title"] == "新标题" and r.json["budget"] == "2000.00"
    client.post(url(chamber, "/transitions"), json={"to": "open"}, headers=org)
    client.put(url(chamber, "/participation"), json={"offer_headline": "x"}, headers=tokens[0])
    client.post(url(chamber, "/transitions"), json={"to": "locked"}, headers=org)
    r = client.put(url(chamber), json=body(title="太晚"), headers=org)
    assert r.status_code == 409


def test_transitions_and_wrong_moves(client, setup):
    chamber, org, _m, tokens = setup
    create(client, chamber, org)
    r = client.post(url(chamber, "/transitions"), json={"to": "live"}, headers=org)
    assert r.status_code == 409 and r.json["error"]["code"] == "conflict"
    assert client.post(url(chamber, "/transitions"), json={"to": "nonsense"}, headers=org).status_code == 400
    assert client.post(url(chamber, "/transitions"), json={"to": "open"}, headers=tokens[0]).status_code == 404
    assert client.post(url(chamber, "/transitions"), json={"to": "cancelled", "reason": "改期"}, headers=org).json["status"] == "cancelled"


def test_participation_put_delete_and_after_lock(client, setup):
    chamber, org, members, tokens = setup
    open_and_join(client, chamber, org, tokens)
    r = client.put(url(chamber, "/participation"), json={"offer_headline": "八折", "offer_details": "满百"}, headers=tokens[0])
    assert r.status_code == 200 and r.json["offer_headline"] == "八折" and r.json["member_id"] == members[0].id
    assert client.get(url(chamber)).json["participant_count"] == 3
    assert client.delete(url(chamber, "/participation"), headers=tokens[2]).status_code == 204
    assert client.get(url(chamber)).json["participant_count"] == 2
    assert client.delete(url(chamber, "/participation"), headers=tokens[2]).status_code == 409  # not in
    client.post(url(chamber, "/transitions"), json={"to": "locked"}, headers=org)
    r = client.delete(url(chamber, "/participation"), headers=tokens[0])
    assert r.status_code == 409
    assert client.put(url(chamber, "/participation"), json={"offer_headline": "x"}, headers=tokens[2]).status_code == 409
    # an organizer without a business cannot opt in
    assert client.put(url(chamber, "/participation"), json={"offer_headline": "x"}, headers=org).status_code == 403


def test_shares_preview_and_frozen(client, setup):
    chamber, org, _m, tokens = setup
    open_and_join(client, chamber, org, tokens)
    shares = client.get(url(chamber, "/shares"), headers=tokens[0]).json
    assert shares["total"] == "1000.00"
    assert sorted(i["share"] for i in shares["items"]) == ["333.33", "333.33", "333.34"]
    assert client.get(url(chamber, "/shares")).status_code == 401
    client.post(url(chamber, "/transitions"), json={"to": "locked"}, headers=org)
    frozen = client.get(url(chamber, "/shares"), headers=org).json
    assert frozen == shares


def test_shares_preview_explains_an_impossible_rule(client, setup):
    chamber, org, _m, tokens = setup
    open_and_join(client, chamber, org, tokens[:2], apportionment={"method": "equal", "max_share_pct": 30})
    r = client.get(url(chamber, "/shares"), headers=org)
    assert r.status_code == 409 and "600.00" in r.json["error"]["message"]
    r = client.post(url(chamber, "/transitions"), json={"to": "locked"}, headers=org)
    assert r.status_code == 409 and "300.00" in r.json["error"]["message"]


def test_payments_expenses_reversals_and_ledger(client, db, setup, create_member):
    chamber, org, members, tokens = setup
    lock(client, chamber, org, tokens)
    pay = {"member_id": members[0].id, "amount": "333.34", "method": "wechat_pay", "reference": "WX-1", "paid_on": "2026-10-02"}
    r = client.post(url(chamber, "/payments"), json=pay, headers=org)
    assert r.status_code == 201, r.text
    assert r.json["amount"] == "333.34" and r.json["type"] == "payment" and r.json["paid_on"] == "2026-10-02"
    assert r.json["created_by"]["id"] == chamber.organizer.id and r.json["created_at"].endswith("+08:00")
    payment_id = r.json["id"]
    # bad payments
    outsider = create_member(chamber)
    for bad, field in (
        ({**pay, "member_id": outsider.id}, "member_id"),
        ({**pay, "amount": "-5.00"}, "amount"),
        ({**pay, "amount": "0.00"}, "amount"),
        ({**pay, "amount": 5}, "amount"),
        ({**pay, "amount": "1.001"}, "amount"),
        ({**pay, "method": "paypal"}, "method"),
        ({**pay, "paid_on": "yesterday"}, "paid_on"),
    ):
        r = client.post(url(chamber, "/payments"), json=bad, headers=org)
        assert r.status_code == 400 and field in r.json["error"]["fields"], (bad, r.json)
    assert client.post(url(chamber, "/payments"), json=pay, headers=tokens[0]).status_code == 404
    # expenses
    r = client.post(url(chamber, "/expenses"), json={"payee": "印刷厂", "category": "print", "amount": "300.00"}, headers=org)
    assert r.status_code == 201
    r = client.post(url(chamber, "/expenses"), json={"payee": "x", "category": "ads", "amount": "33.35"}, headers=org)
    assert r.status_code == 409 and "33.34" in r.json["error"]["message"]
    # reversal
    r = client.post(url(chamber, f"/ledger/{payment_id}/reversal"), json={"reason": "typo"}, headers=org)
    assert r.status_code == 409  # the money is spent
    expense_id = client.get(url(chamber, "/ledger"), headers=org).json["items"][-1]["id"]
    r = client.post(url(chamber, f"/ledger/{expense_id}/reversal"), json={"reason": "wrong"}, headers=org)
    assert r.status_code == 201 and r.json["reverses"] == expense_id
    rev_id = r.json["id"]
    assert client.post(url(chamber, f"/ledger/{expense_id}/reversal"), json={"reason": "again"}, headers=org).status_code == 409
    assert client.post(url(chamber, f"/ledger/{rev_id}/reversal"), json={"reason": "undo"}, headers=org).status_code == 409
    assert client.post(url(chamber, f"/ledger/{expense_id}/reversal"), json={}, headers=org).status_code == 400
    assert client.post(url(chamber, "/ledger/999999/reversal"), json={"reason": "x"}, headers=org).status_code == 404
    # any approved member of the chamber reads the whole ledger
    ledger = client.get(url(chamber, "/ledger"), headers=tokens[2]).json
    assert ledger["balances"] == {"pledged": "1000.00", "paid": "333.34", "spent": "0.00", "refunded": "0.00",
                                  "written_off": "0.00", "carried": "0.00", "available": "333.34"}
    first = {m["member_id"]: m for m in ledger["members"]}[members[0].id]
    assert first == {"member_id": members[0].id, "business_name": members[0].business_name, "share": "333.34",
                     "paid": "333.34", "written_off": "0.00", "outstanding": "0.00", "refund": "0.00"}
    types = [i["type"] for i in ledger["items"]]
    assert types == ["pledge"] * 3 + ["payment", "expense", "reversal"]
    expense = next(i for i in ledger["items"] if i["id"] == expense_id)
    assert expense["reversed_by"] == rev_id
    stranger = client.get(url(chamber, "/ledger"), headers={"Authorization": "Bearer nope"})
    assert stranger.status_code == 401


def test_expense_receipts_multipart(client, setup):
    chamber, org, members, tokens = setup
    lock(client, chamber, org, tokens)
    client.post(url(chamber, "/payments"), json={"member_id": members[0].id, "amount": "300.00", "method": "cash",
                                                 "paid_on": "2026-10-02"}, headers=org)
    form = {"payee": "印刷厂", "category": "print", "amount": "10.00", "description": "海报"}
    r = client.post(url(chamber, "/expenses"), data={**form, "receipt": (io.BytesIO(PDF), "invoice.png")},
                    headers=org, content_type="multipart/form-data")
    assert r.status_code == 201, r.text
    receipt = r.json["receipt"]
    assert receipt["content_type"] == "application/pdf" and receipt["size"] == len(PDF)
    got = client.get(url(chamber, f"/receipts/{receipt['id']}"), headers=tokens[1])
    assert got.status_code == 200 and got.data == PDF and got.mimetype == "application/pdf"
    assert client.get(url(chamber, f"/receipts/{receipt['id']}")).status_code == 401
    before = len(client.get(url(chamber, "/ledger"), headers=org).json["items"])
    r = client.post(url(chamber, "/expenses"), data={**form, "receipt": (io.BytesIO(b"<html>hi</html>"), "receipt.pdf")},
                    headers=org, content_type="multipart/form-data")
    assert r.status_code == 400 and "receipt" in r.json["error"]["fields"]
    big = b"%PDF-" + b"0" * (5 * 1024 * 1024)
    # The expense route accepts a body a little above 5 MB (the file plus the form), so the
    # receipt check itself is what answers 413 here.
    # (encoded in memory: the test client would spool a big body to a file it never closes)
    boundary, data = encode_multipart({**form, "receipt": FileStorage(io.BytesIO(big), "big.pdf")})
    r = client.post(url(chamber, "/expenses"), data=data, headers=org,
                    content_type=f"multipart/form-data; boundary={boundary}")
    assert r.status_code == 413 and r.json["error"]["code"] == "too_large"
    assert "receipt" in r.json["error"]["fields"]
    r = client.post(url(chamber, "/expenses"), data={**form, "amount": "abc"}, headers=org, content_type="multipart/form-data")
    assert r.status_code == 400 and "amount" in r.json["error"]["fields"]
    assert len(client.get(url(chamber, "/ledger"), headers=org).json["items"]) == before


def test_receipt_size_checked_by_the_operation_too(db, setup, locked_campaign):
    campaign, (a, *_r) = locked_campaign()
    import datetime as _dt
    ops.record_payment(db, campaign, campaign.organizer, member_id=a.id, amount_minor=100, method="cash", paid_on=_dt.date(2030, 1, 1))
    with pytest.raises(errors.ReceiptTooLarge):
        ops.record_expense(db, campaign, campaign.organizer, payee="x", category="y", amount_minor=1,
                           receipt=b"\x89PNG\r\n\x1a\n" + b"0" * (5 * 1024 * 1024))


def test_settlement_refund(client, setup):
    chamber, org, members, tokens = setup
    lock(client, chamber, org, tokens)
    for m, amount in zip(members, ("300.00", "200.00", "100.00"), strict=False):
        client.post(url(chamber, "/payments"), json={"member_id": m.id, "amount": amount, "method": "alipay",
                                                     "paid_on": "2026-10-02"}, headers=org)
    client.post(url(chamber, "/expenses"), json={"payee": "x", "category": "ads", "amount": "540.00"}, headers=org)
    r = client.post(url(chamber, "/settlement"), json={"mode": "refund"}, headers=org)
    assert r.status_code == 409  # not ended yet
    for to in ("live", "ended"):
        assert client.post(url(chamber, "/transitions"), json={"to": to}, headers=org).status_code == 200
    assert client.post(url(chamber, "/settlement"), json={"mode": "keep"}, headers=org).status_code == 400
    r = client.post(url(chamber, "/settlement"), json={"mode": "refund"}, headers=org)
    assert r.status_code == 200 and r.json["status"] == "settled" and r.json["settlement_mode"] == "refund"
    ledger = client.get(url(chamber, "/ledger"), headers=tokens[0]).json
    assert [m["refund"] for m in sorted(ledger["members"], key=lambda m: m["member_id"])] == ["30.00", "20.00", "10.00"]
    assert ledger["balances"]["available"] == "0.00" and ledger["balances"]["refunded"] == "60.00"
    r = client.post(url(chamber, "/expenses"), json={"payee": "x", "category": "ads", "amount": "1.00"}, headers=org)
    assert r.status_code == 409


def test_settlement_via_transition_with_mode(client, setup):
    chamber, org, members, tokens = setup
    lock(client, chamber, org, tokens)
    client.post(url(chamber, "/payments"), json={"member_id": members[0].id, "amount": "100.00", "method": "alipay",
                                                 "paid_on": "2026-10-02"}, headers=org)
    for to in ("live", "ended"):
        client.post(url(chamber, "/transitions"), json={"to": to}, headers=org)
    r = client.post(url(chamber, "/transitions"), json={"to": "settled", "mode": "later"}, headers=org)
    assert r.status_code == 400 and "mode" in r.json["error"]["fields"]
    r = client.post(url(chamber, "/transitions"), json={"to": "settled", "mode": "carry"}, headers=org)
    assert r.status_code == 200
    assert client.get(url(chamber, "/ledger"), headers=org).json["balances"]["carried"] == "100.00"


def test_settling_by_transition_without_mode_refunds_in_proportion(client, setup):
    """The contract takes {to: settled} alone; refunding is the default, carrying an explicit choice."""
    chamber, org, members, tokens = setup
    lock(client, chamber, org, tokens)
    for m, amount in ((members[0], "30.00"), (members[1], "10.00")):
        r = client.post(url(chamber, "/payments"), json={"member_id": m.id, "amount": amount, "method": "alipay",
                                                         "paid_on": "2026-10-02"}, headers=org)
        assert r.status_code == 201, r.json
    assert client.post(url(chamber, "/expenses"), json={"payee": "x", "category": "ads", "amount": "20.00"},
                       headers=org).status_code == 201
    for to in ("live", "ended"):
        assert client.post(url(chamber, "/transitions"), json={"to": to}, headers=org).status_code == 200
    r = client.post(url(chamber, "/transitions"), json={"to": "settled"}, headers=org)
    assert r.status_code == 200, r.json
    assert (r.json["status"], r.json["settlement_mode"]) == ("settled", "refund")
    ledger = client.get(url(chamber, "/ledger"), headers=org).json
    refunds = {m["member_id"]: m["refund"] for m in ledger["members"]}
    assert (refunds[members[0].id], refunds[members[1].id]) == ("15.00", "5.00")
    assert ledger["balances"]["carried"] == "0.00" and ledger["balances"]["available"] == "0.00"


def test_settlement_route_without_mode_refunds(client, setup):
    chamber, org, members, tokens = setup
    lock(client, chamber, org, tokens)
    client.post(url(chamber, "/payments"), json={"member_id": members[0].id, "amount": "40.00", "method": "cash",
                                                 "paid_on": "2026-10-02"}, headers=org)
    for to in ("live", "ended"):
        client.post(url(chamber, "/transitions"), json={"to": to}, headers=org)
    r = client.post(url(chamber, "/settlement"), json={}, headers=org)
    assert r.status_code == 200 and r.json["settlement_mode"] == "refund"


def test_member_of_another_chamber_sees_nothing(client, setup, create_member, token_for):
    chamber, org, _m, tokens = setup
    lock(client, chamber, org, tokens)
    other = create_member()  # approved elsewhere
    headers = token_for(other.user)
    assert client.get(url(chamber, "/ledger"), headers=headers).status_code == 404
    assert client.get(url(chamber, "/shares"), headers=headers).status_code == 404
    assert client.put(url(chamber, "/participation"), json={"offer_headline": "x"}, headers=headers).status_code == 404


def test_cancelled_campaign_notices(client, setup):
    chamber, org, _m, tokens = setup
    open_and_join(client, chamber, org, tokens)
    client.post(url(chamber, "/transitions"), json={"to": "cancelled", "reason": "场地取消"}, headers=org)
    notices = client.get(f"/api/v1/chambers/{chamber.slug}/campaign-notices", headers=tokens[0]).json["items"]
    assert [(n["campaign"], n["message"]) for n in notices] == [("d11", "场地取消")]
    assert client.get(url(chamber)).json["cancel_reason"] == "场地取消"


def test_ledger_uses_a_constant_number_of_queries(client, db, create_chamber, create_member, token_for,
                                                  make_campaign, count_queries):
    from tests.campaigns.conftest import NOW

    counts = {}
    for n in (10, 50):
        chamber = create_chamber()
        campaign = make_campaign(chamber, status="open", slug="d11")
        members = [create_member(chamber) for _ in range(n)]
        for m in members:
            ops.opt_in(db, campaign, m, offer_headline="x", now=NOW)
        ops.transition_campaign(db, campaign, "locked", chamber.organizer, now=NOW)
        for m in members:
            ops.record_payment(db, campaign, chamber.organizer, member_id=m.id, amount_minor=10_00, method="cash",
                               paid_on=dt.date(2030, 10, 2))
        ops.record_expense(db, campaign, chamber.organizer, payee="x", category="ads", amount_minor=5_00, receipt=PDF)
        db.commit()
        headers = token_for(members[0].user)
        with count_queries() as counted:
            r = client.get(url(chamber, "/ledger"), headers=headers)
        assert r.status_code == 200 and len(r.json["items"]) == 2 * n + 1 and len(r.json["members"]) == n
        counts[n] = counted()
    assert counts[10] == counts[50], counts
    assert counts[50] <= 10, counts


def test_openapi_lists_campaign_routes(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    for path in ("/chambers/{slug}/campaigns", "/chambers/{slug}/campaigns/{key}",
                 "/chambers/{slug}/campaigns/{key}/ledger/{entry_id}/reversal", "/chambers/{slug}/campaigns/{key}/settlement"):
        assert path in paths
    assert set(paths["/chambers/{slug}/campaigns/{key}/participation"]) == {"put", "delete"}


def test_going_live_early_moves_the_start_and_ending_early_the_end(client, setup):
    chamber, org, _members, tokens = setup
    lock(client, chamber, org, tokens)
    before = dt.datetime.now(dt.timezone.utc)
    live = client.post(url(chamber, "/transitions"), json={"to": "live"}, headers=org).json
    starts = dt.datetime.fromisoformat(live["starts_at"])
    assert before - dt.timedelta(seconds=1) <= starts <= dt.datetime.now(dt.timezone.utc)
    assert dt.datetime.fromisoformat(live["optin_deadline"]) <= starts
    ended = client.post(url(chamber, "/transitions"), json={"to": "ended"}, headers=org).json
    assert dt.datetime.fromisoformat(ended["ends_at"]) <= dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=1)
