"""The README's campaign walkthrough, request for request, on the demo chamber."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from chamber.demo import DEMO_PASSWORD, load_demo
from chamber.models import Member
from tests.conftest import PNG_BYTES

C = "/api/v1/chambers/xihu/campaigns"


def test_readme_walkthrough(client, db):
    load_demo(db)
    db.commit()

    def token(email):
        return {"Authorization": "Bearer " + client.post("/api/v1/auth/tokens", json={"email": email, "password": DEMO_PASSWORD}).json["token"]}

    org, member = token("organizer@xihu.example"), token("member@xihu.example")
    year = dt.date.today().year + 1  # the README's 2027, kept in the future
    body = {"slug": "618-2027", "title": "618 联合促销", "festival": "618", "description": "西湖商圈一起做 618",
            "optin_deadline": f"{year}-06-01T20:00", "starts_at": f"{year}-06-10T00:00", "ends_at": f"{year}-06-20T00:00",
            "budget": "12000.00", "apportionment": {"method": "tier", "min_share": "100.00", "max_share_pct": 30}}
    created = client.post(C, json=body, headers=org)
    assert created.status_code == 201, created.json
    assert created.json["optin_deadline"] == f"{year}-06-01T20:00:00+08:00"
    assert client.post(f"{C}/618-2027/transitions", json={"to": "open"}, headers=org).status_code == 200
    joined = client.put(f"{C}/618-2027/participation", json={"offer_headline": "满200减30", "offer_details": "全店通用"}, headers=member)
    assert joined.status_code == 200
    for n in range(2, 6):  # four more merchants, so the 30 % cap can be met
        other = token(f"merchant{n:02d}@xihu.example")
        assert client.put(f"{C}/618-2027/participation", json={"offer_headline": "九折"}, headers=other).status_code == 200
    shares = client.get(f"{C}/618-2027/shares", headers=org).json
    assert shares["total"] == "12000.00"
    assert sum(int(i["share"].replace(".", "")) for i in shares["items"]) == 1_200_000
    assert client.post(f"{C}/618-2027/transitions", json={"to": "locked"}, headers=org).status_code == 200
    member_id = db.scalar(select(Member.id).where(Member.business_name == "杭州西溪龙井茶叶工作室"))
    # the README pays for member 1: the demo's first merchant on a fresh database (tests/test_app.py
    # checks that); here other tests may have used the ids before
    paid = client.post(f"{C}/618-2027/payments", headers=org, json={
        "member_id": member_id, "amount": "500.00", "method": "wechat_pay", "reference": "WX1", "paid_on": dt.date.today().isoformat()})
    assert paid.status_code == 201, paid.json
    spent = client.post(f"{C}/618-2027/expenses", headers=org, data={
        "payee": "印刷厂", "category": "printing", "amount": "300.00", "description": "海报",
        "receipt": (__import__("io").BytesIO(PNG_BYTES), "invoice.png")}, content_type="multipart/form-data")
    assert spent.status_code == 201, spent.json
    ledger = client.get(f"{C}/618-2027/ledger", headers=org).json
    assert ledger["balances"]["paid"] == "500.00" and ledger["balances"]["available"] == "200.00"
    for to in ("live", "ended"):
        assert client.post(f"{C}/618-2027/transitions", json={"to": to}, headers=org).status_code == 200
    settled = client.post(f"{C}/618-2027/settlement", json={"mode": "refund"}, headers=org)
    assert settled.status_code == 200 and settled.json["status"] == "settled"
    ledger = client.get(f"{C}/618-2027/ledger", headers=org).json
    b = ledger["balances"]
    assert (b["paid"], b["spent"], b["refunded"], b["available"]) == ("500.00", "300.00", "200.00", "0.00")
