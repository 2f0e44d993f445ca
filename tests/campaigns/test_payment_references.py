"""Payment references (transaction numbers) are for organizers and the paying member only;
every participant still sees the amounts and methods of every payment."""
from __future__ import annotations

from typing import Any

import pytest

from campaigns import presenters
from tests.campaigns.test_documents import funded, url  # noqa: F401  (funded is a fixture)
from tests.helpers import text

# A paid 200.00 by WeChat Pay (WX-1) and 50.00 by Alipay (ZFB-2, reversed); B paid 10.00 cash; C paid nothing


def _reader(f: dict[str, Any], who: str) -> Any:
    return f["org"] if who == "organizer" else f["a"].user if who == "payer" else f["c"].user


@pytest.mark.parametrize("who, sees", [("organizer", True), ("payer", True), ("other", False)])
def test_ledger_api(client, funded, token_for, who, sees):
    body = client.get(url(funded, "/ledger"), headers=token_for(_reader(funded, who))).json
    payments = {i["amount"]: i for i in body["items"] if i["type"] == "payment"}
    assert payments["200.00"]["method"] == "wechat_pay" and payments["50.00"]["method"] == "alipay"
    assert (payments["200.00"]["reference"], payments["50.00"]["reference"]) == (("WX-1", "ZFB-2") if sees else ("", ""))
    assert ("WX-1" in str(body)) is sees


@pytest.mark.parametrize("who, sees", [("organizer", True), ("payer", True), ("other", False)])
def test_ledger_page(client, funded, login, who, sees):
    login(_reader(funded, who))
    page = client.get(url(funded, "/ledger", api=False), headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert "¥200.00" in text(page) and "WeChat Pay" in text(page)
    assert ("WX-1" in page.text) is sees and ("ZFB-2" in page.text) is sees


@pytest.mark.parametrize("api", [True, False])
@pytest.mark.parametrize("who, sees", [("organizer", True), ("payer", True), ("other", False)])
def test_ledger_csv(client, funded, token_for, login, who, sees, api):
    if api:
        resp = client.get(url(funded, "/ledger.csv"), headers=token_for(_reader(funded, who)))
    else:
        login(_reader(funded, who))
        resp = client.get(url(funded, "/ledger.csv", api=False))
    assert resp.status_code == 200
    csv_text = resp.data.decode("utf-8-sig")
    assert "200.00" in csv_text and "50.00" in csv_text
    assert ("WX-1" in csv_text) is sees and ("ZFB-2" in csv_text) is sees


def test_only_the_payer_and_organizers_get_a_statement_with_references(client, db, funded, token_for):
    path = url(funded, f"/statements/{funded['a'].id}.pdf")
    assert client.get(path, headers=token_for(funded["c"].user)).status_code == 404
    data = presenters.statement_data(db, funded["chamber"], funded["campaign"], funded["a"])
    assert {p["reference"] for p in data["payments"]} == {"WX-1", "ZFB-2"}


def test_the_report_carries_no_reference(db, funded):
    # every participant may download the report: it has amounts by member and by category only
    data = presenters.report_data(db, funded["chamber"], funded["campaign"])
    assert "WX-1" not in repr(data) and "ZFB-2" not in repr(data)


@pytest.mark.parametrize("who", ["payer", "other"])
def test_campaign_page_shows_no_other_members_reference(client, funded, login, who):
    login(_reader(funded, who))
    page = client.get(url(funded, "", api=False))
    assert page.status_code == 200
    assert "WX-1" not in page.text
