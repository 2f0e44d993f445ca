"""Campaign documents: statement and report PDFs, shares and ledger CSVs (builders, content, who may fetch)."""
from __future__ import annotations

import contextlib
import datetime as dt
import re
import zlib
from typing import Any

import pytest

from campaigns import operations as ops
from campaigns import presenters, queries
from tests.campaigns.conftest import NOW

BASE = "/api/v1/chambers/{slug}/campaigns/{key}"
BOM = "\ufeff".encode()


def pdf_fonts(data: bytes) -> bytes:
    """The PDF's objects with Flate streams inflated (font names sit in compressed object streams)."""
    parts = [data]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        with contextlib.suppress(zlib.error):
            parts.append(zlib.decompress(match.group(1)))
    return b"".join(parts)


@pytest.fixture
def funded(db: Any, locked_campaign: Any) -> dict[str, Any]:
    """1000.00 shared equally by A, B, C; A paid 200.00 + 50.00 (the 50.00 reversed), B paid 10.00;
    expenses 100.00 ads, 30.00 + 20.00 print, 5.00 ads reversed."""
    campaign, (a, b, c) = locked_campaign(3)
    org = campaign.organizer
    later = NOW + dt.timedelta(hours=1)
    ops.record_payment(db, campaign, org, member_id=a.id, amount_minor=200_00, method="wechat_pay",
                       reference="WX-1", paid_on=dt.date(2030, 10, 1), now=later)
    p2 = ops.record_payment(db, campaign, org, member_id=a.id, amount_minor=50_00, method="alipay",
                            reference="ZFB-2", paid_on=dt.date(2030, 10, 2), now=later)
    ops.record_payment(db, campaign, org, member_id=b.id, amount_minor=10_00, method="cash",
                       paid_on=dt.date(2030, 10, 2), now=later)
    ops.reverse_entry(db, campaign, p2, org, reason="重复录入", now=later)
    ops.record_expense(db, campaign, org, payee="=HYPERLINK(\"x\")", category="ads", amount_minor=100_00, now=later)
    ops.record_expense(db, campaign, org, payee="印刷厂", category="print", amount_minor=30_00, now=later)
    ops.record_expense(db, campaign, org, payee="印刷厂", category="print", amount_minor=20_00, now=later)
    wrong = ops.record_expense(db, campaign, org, payee="x", category="ads", amount_minor=5_00, now=later)
    ops.reverse_entry(db, campaign, wrong, org, reason="wrong", now=later)
    db.commit()
    shares = {i["member_id"]: i["share_minor"] for i in queries.compute_shares(db, campaign)}
    # the frozen pledges, checked here so that the tests reading them do not take them on trust: a third
    # of 1000.00 each, the leftover fen to A (the smallest id among equal weights)
    assert shares == {a.id: 333_34, b.id: 333_33, c.id: 333_33}
    chamber = campaign.chamber
    chamber.organizer = org  # as create_chamber sets it
    return {"campaign": campaign, "chamber": chamber, "a": a, "b": b, "c": c, "org": org, "shares": shares}


def url(f: dict[str, Any], tail: str, api: bool = True) -> str:
    base = BASE.format(slug=f["chamber"].slug, key=f["campaign"].slug)
    return (base if api else base.removeprefix("/api/v1")) + tail


# --------------------------------------------------------------------------- builders


def test_statement_data_has_the_members_numbers(db, funded):
    a, campaign = funded["a"], funded["campaign"]
    data = presenters.statement_data(db, funded["chamber"], campaign, a)
    documents_check_plain(data)
    share = 333_34  # a third of 1000.00; the leftover fen goes to A, the smallest id among equal weights
    assert data["share_minor"] == share
    assert data["weight"] == "1"
    assert data["preview"] is False
    assert data["paid_minor"] == 200_00  # the reversed 50.00 does not count
    assert data["outstanding_minor"] == share - 200_00
    assert data["refund_minor"] == 0
    assert [(p["amount_minor"], p["method"], p["reversed"]) for p in data["payments"]] == [
        (200_00, "wechat_pay", False), (50_00, "alipay", True)]
    assert data["member"]["business_name"] == a.business_name
    assert data["chamber"]["timezone"] == "Asia/Shanghai"
    assert data["campaign"]["title"] == "双十一联合促销"


def test_statement_after_refund_settlement(db, funded):
    campaign, org, a, b = funded["campaign"], funded["org"], funded["a"], funded["b"]
    for to in ("live", "ended"):
        ops.transition_campaign(db, campaign, to, org, now=NOW)
    ops.settle_campaign(db, campaign, "refund", org, now=NOW)
    db.commit()
    # available = 210.00 paid − 150.00 spent = 60.00, refunded pro rata to 200.00 : 10.00
    a_data = presenters.statement_data(db, funded["chamber"], campaign, a)
    b_data = presenters.statement_data(db, funded["chamber"], campaign, b)
    assert (a_data["refund_minor"], b_data["refund_minor"]) == (57_14, 2_86)
    assert [r["amount_minor"] for r in a_data["refunds"]] == [57_14]


def test_report_data_apportionment_expenses_balances(db, funded):
    data = presenters.report_data(db, funded["chamber"], funded["campaign"])
    documents_check_plain(data)
    rows = {r["member_id"]: r for r in data["apportionment"]}
    assert set(rows) == {funded["a"].id, funded["b"].id, funded["c"].id}
    assert sum(r["share_minor"] for r in rows.values()) == 1000_00 == data["apportionment_total"]["share_minor"]
    assert {m: r["share_minor"] for m, r in rows.items()} == {
        funded["a"].id: 333_34, funded["b"].id: 333_33, funded["c"].id: 333_33}
    assert rows[funded["a"].id]["paid_minor"] == 200_00
    assert rows[funded["b"].id]["outstanding_minor"] == 333_33 - 10_00
    assert data["apportionment_total"]["paid_minor"] == 210_00
    assert data["expenses"] == [
        {"category": "ads", "count": 1, "amount_minor": 100_00},
        {"category": "print", "count": 2, "amount_minor": 50_00},
    ]
    assert data["expenses_total_minor"] == 150_00
    assert data["balances"] == {"pledged": 1000_00, "paid": 210_00, "spent": 150_00, "refunded": 0,
                                "written_off": 0, "carried": 0, "available": 60_00}


def documents_check_plain(data: dict[str, Any]) -> None:
    from chamber.pdf import check_plain_context

    check_plain_context(data)  # raises TypeError on ORM objects


# --------------------------------------------------------------------------- PDFs (few renders: they are slow)


def test_statement_pdf_owner_and_organizer_only(client, funded, token_for, create_user):
    a, b = funded["a"], funded["b"]
    path = url(funded, f"/statements/{a.id}.pdf")
    resp = client.get(path, headers=token_for(a.user))
    assert resp.status_code == 200
    assert resp.mimetype == "application/pdf"
    assert resp.data.startswith(b"%PDF-") and len(resp.data) > 10_000
    assert b"NotoSansCJK" in pdf_fonts(resp.data)  # Chinese text got a CJK font embedded
    assert client.get(path, headers=token_for(b.user)).status_code == 404
    assert client.get(path, headers=token_for(create_user())).status_code == 404
    assert client.get(path).status_code == 401
    assert client.get(path, headers=token_for(funded["org"])).data.startswith(b"%PDF-")
    # a member of the chamber that takes no part, and a member id of nobody
    assert client.get(url(funded, "/statements/999999.pdf"), headers=token_for(funded["org"])).status_code == 404


def test_statement_page_needs_login_and_ownership(client, funded, login):
    a, b = funded["a"], funded["b"]
    path = url(funded, f"/statements/{a.id}.pdf", api=False)
    resp = client.get(path)
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
    login(b.user)
    assert client.get(path).status_code == 404


def test_report_pdf_members_and_organizers(client, funded, token_for, create_member, create_chamber):
    path = url(funded, "/report.pdf")
    resp = client.get(path, headers=token_for(funded["c"].user))
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    assert resp.data.startswith(b"%PDF-") and len(resp.data) > 10_000
    outsider = create_member(create_chamber())  # a member of another chamber
    assert client.get(path, headers=token_for(outsider.user)).status_code == 404
    assert client.get(path).status_code == 401


# --------------------------------------------------------------------------- CSV


def test_shares_csv_exact_and_sums_to_budget(client, funded, token_for):
    resp = client.get(url(funded, "/shares.csv"), headers=token_for(funded["b"].user))
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert resp.data.startswith(BOM)
    members = sorted((funded["a"], funded["b"], funded["c"]), key=lambda m: (m.business_name, m.id))
    expected = "member_id,business_name,weight,share\r\n" + "".join(
        f"{m.id},{m.business_name},1,{funded['shares'][m.id] // 100}.{funded['shares'][m.id] % 100:02d}\r\n"
        for m in members
    )
    text = resp.data.decode("utf-8-sig")
    assert text == expected
    assert sorted(line.rsplit(",", 1)[1] for line in text.splitlines()[1:]) == ["333.33", "333.33", "333.34"]


def test_ledger_csv_exact(client, funded, token_for):
    a, b, org = funded["a"], funded["b"], funded["org"]
    resp = client.get(url(funded, "/ledger.csv"), headers=token_for(org))
    assert resp.status_code == 200 and resp.data.startswith(BOM)
    lines = resp.data.decode("utf-8-sig").split("\r\n")
    assert lines[0] == ("id,created_at,type,member_id,business_name,amount,method,reference,paid_on,payee,"
                        "category,description,reverses,reversed_by,reason,created_by")
    assert lines[-1] == ""
    rows = [line.split(",") for line in lines[1:-1]]
    assert [r[2] for r in rows] == ["pledge"] * 3 + ["payment"] * 3 + ["reversal"] + ["expense"] * 4 + ["reversal"]
    first_id = int(rows[0][0])
    assert [int(r[0]) for r in rows] == list(range(first_id, first_id + 12))
    name = org.display_name
    pay2, exp4 = first_id + 4, first_id + 10
    assert lines[1 + 3] == f"{first_id + 3},2030-10-01 11:00,payment,{a.id},{a.business_name},200.00,wechat_pay,WX-1,2030-10-01,,,,,,,{name}"
    assert lines[1 + 5] == f"{first_id + 5},2030-10-01 11:00,payment,{b.id},{b.business_name},10.00,cash,,2030-10-02,,,,,,,{name}"
    assert lines[1 + 6] == f"{first_id + 6},2030-10-01 11:00,reversal,{a.id},{a.business_name},50.00,,,,,,,{pay2},,重复录入,{name}"
    # a formula in a payee is neutralised for spreadsheets
    assert lines[1 + 7] == f'{first_id + 7},2030-10-01 11:00,expense,,,100.00,,,,"\'=HYPERLINK(""x"")",ads,,,,,{name}'
    assert rows[10][13] == str(first_id + 11) and rows[11][12] == str(exp4)
    assert rows[0][1] == "2030-10-01 10:00"  # the pledges: locked at NOW, in the chamber's zone


def test_csv_permissions_and_drafts(client, funded, token_for, create_member, create_chamber, make_campaign, db):
    outsider = create_member(create_chamber())
    for tail in ("/shares.csv", "/ledger.csv"):
        assert client.get(url(funded, tail)).status_code == 401
        assert client.get(url(funded, tail), headers=token_for(outsider.user)).status_code == 404
        assert client.get(url(funded, tail), headers=token_for(funded["a"].user)).status_code == 200
    draft = make_campaign(funded["chamber"])
    draft_url = BASE.format(slug=funded["chamber"].slug, key=draft.slug) + "/shares.csv"
    assert client.get(draft_url, headers=token_for(funded["a"].user)).status_code == 404
    # organizers see drafts; nobody takes part yet, so the rule cannot share the budget: 409 as for GET .../shares
    resp = client.get(draft_url, headers=token_for(funded["org"]))
    assert resp.status_code == 409 and resp.json["error"]["code"] == "conflict"
    assert client.get(draft_url.removesuffix(".csv"), headers=token_for(funded["org"])).status_code == 409


def test_csv_pages_for_logged_in_members(client, funded, login, create_user):
    path = url(funded, "/ledger.csv", api=False)
    assert client.get(path).status_code == 302
    login(create_user())
    assert client.get(path).status_code == 404
    client.post("/logout")
    login(funded["c"].user)
    resp = client.get(path, headers={"Accept-Language": "en"})
    assert resp.status_code == 200 and resp.data.startswith(BOM)
    assert resp.headers["Content-Disposition"] == f'attachment; filename="ledger-{funded["campaign"].slug}.csv"'
    assert len(resp.data.decode("utf-8-sig").split("\r\n")) == 1 + 12 + 1
    # the page's download speaks the reader's language, the API's keeps the codes
    rows = resp.data.decode("utf-8-sig").split("\r\n")
    assert rows[1].split(",")[2] == "Pledge" and ",pledge," not in resp.data.decode("utf-8-sig")
    zh = client.get(path, headers={"Accept-Language": "zh-CN"}).data.decode("utf-8-sig")
    assert ",认缴," in zh


def test_pages_link_every_document_and_the_links_work(client, db, locked_campaign, login):
    import re

    campaign, members = locked_campaign()
    chamber = campaign.chamber
    base = f"/chambers/{chamber.slug}/campaigns/{campaign.slug}"

    def document_links(path):
        html = client.get(path).get_data(as_text=True)
        return set(re.findall(r'href="([^"]+\.(?:pdf|csv))"', html))

    login(members[0].user)
    mine = document_links(base)
    assert f"{base}/statements/{members[0].id}.pdf" in mine
    assert {f"{base}/report.pdf", f"{base}/shares.csv", f"{base}/ledger.csv"} <= mine
    assert not any(f"/statements/{m.id}.pdf" in link for m in members[1:] for link in mine)
    client.post("/logout")

    login(campaign.organizer)
    seen = document_links(f"{base}/ledger") | document_links(f"/chambers/{chamber.slug}/manage/campaigns/{campaign.slug}")
    assert {f"{base}/statements/{m.id}.pdf" for m in members} <= seen
    for link in sorted(seen):
        if link.endswith((".csv", f"/{members[0].id}.pdf", "report.pdf")):
            resp = client.get(link)
            assert resp.status_code == 200, link
