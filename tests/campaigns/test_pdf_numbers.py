"""The numbers printed in the statement and budget report PDFs, read back from the PDF's text (pypdf):
each row carries its own amount (a statement printing what was paid in the "still to pay" row fails),
the totals add up, and a cancelled campaign owes nothing. The documents speak the reader's language
(here Chinese: 分摊额 share, 已缴 paid, 待缴 still to pay, 已退款 refunded, 合计 total)."""
from __future__ import annotations

import io
import re
from typing import Any

# pypdf is a test dependency (pyproject's "test" extra): imported, never skipped, so CI cannot pass without it
import pypdf

from campaigns import operations as ops
from chamber.rules import display_money
from tests.campaigns.conftest import NOW
from tests.campaigns.test_documents import funded, url  # noqa: F401  # funded is a fixture

AMOUNT = r"-?¥[\d,]+\.\d\d"


def pdf_lines(data: bytes) -> list[str]:
    """The PDF's text, line by line, spaces squeezed."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    return [" ".join(line.split()) for page in reader.pages for line in page.extract_text().splitlines()
            if line.strip()]


def row(lines: list[str], label: str) -> list[str]:
    """The amounts on the one line that starts with label."""
    found = [line for line in lines if line.startswith((label + " ", label + " ·"))]
    assert len(found) == 1, (label, lines)
    return re.findall(AMOUNT, found[0])


def yuan(minor: int) -> str:
    return display_money(minor, "CNY")


def statement(client, f: dict[str, Any], member: Any, token_for) -> list[str]:
    resp = client.get(url(f, f"/statements/{member.id}.pdf"), headers=token_for(f["org"]))
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    return pdf_lines(resp.data)


def report(client, f: dict[str, Any], token_for) -> list[str]:
    resp = client.get(url(f, "/report.pdf"), headers=token_for(f["org"]))
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    return pdf_lines(resp.data)


def test_statement_prints_share_paid_still_to_pay_and_refund_each_in_its_row(client, funded, token_for):
    a = funded["a"]
    share = funded["shares"][a.id]
    lines = statement(client, funded, a, token_for)
    assert row(lines, "分摊额") == [yuan(share)]
    assert row(lines, "已缴") == [yuan(200_00)]  # the reversed 50.00 does not count
    assert row(lines, "待缴") == [yuan(share - 200_00)]
    assert row(lines, "已退款") == [yuan(0)]
    assert row(lines, "缴费合计") == [yuan(200_00)]
    assert any("ZFB-2 (已冲正) ¥50.00" in line for line in lines)


def test_report_prints_each_members_numbers_and_totals_that_add_up(client, funded, token_for):
    lines = report(client, funded, token_for)
    shares = funded["shares"]
    paid = {funded["a"].id: 200_00, funded["b"].id: 10_00, funded["c"].id: 0}
    for member in (funded["a"], funded["b"], funded["c"]):
        m = member.id
        assert row(lines, member.business_name) == [yuan(shares[m]), yuan(paid[m]), yuan(shares[m] - paid[m]),
                                                     yuan(0)]
    # total: share, paid, written off, still to pay, refunded (a member's row leaves an empty write-off blank)
    assert row(lines, "合计") == [yuan(1000_00), yuan(210_00), yuan(0), yuan(790_00), yuan(0)]
    assert row(lines, "认缴") == [yuan(1000_00)]
    assert row(lines, "已缴入") == [yuan(210_00)]
    assert row(lines, "已支出") == [yuan(150_00)]
    assert row(lines, "可用余额") == [yuan(60_00)]
    # categories in words where the code is known (ads → 广告投放), as typed otherwise
    assert row(lines, "广告投放 1") == [yuan(100_00)] and row(lines, "print 2") == [yuan(50_00)]
    assert row(lines, "支出合计") == [yuan(150_00)]


def test_settled_statement_and_report_print_the_refunds(client, db, funded, token_for):
    campaign, org = funded["campaign"], funded["org"]
    for to in ("live", "ended"):
        ops.transition_campaign(db, campaign, to, org, now=NOW)
    ops.settle_campaign(db, campaign, "refund", org, now=NOW)
    db.commit()
    # 60.00 unspent, refunded in proportion to 200.00 : 10.00 paid
    a, b = funded["a"], funded["b"]
    lines = statement(client, funded, a, token_for)
    assert row(lines, "已退款") == [yuan(57_14)]
    assert row(lines, "待缴") == [yuan(funded["shares"][a.id] - 200_00)]  # settling forgives nothing
    lines = report(client, funded, token_for)
    assert row(lines, b.business_name)[-1] == yuan(2_86)
    assert row(lines, "合计")[-1] == yuan(60_00)
    assert row(lines, "可用余额") == [yuan(0)]


def test_a_cancelled_campaign_owes_nothing_in_either_document(client, db, funded, token_for):
    campaign, org = funded["campaign"], funded["org"]
    ops.transition_campaign(db, campaign, "cancelled", org, reason="台风", now=NOW)
    db.commit()
    a = funded["a"]
    lines = statement(client, funded, a, token_for)
    assert row(lines, "分摊额") == [yuan(funded["shares"][a.id])]
    assert row(lines, "已缴") == [yuan(200_00)]
    assert row(lines, "待缴") == [yuan(0)]
    assert row(lines, "已退款") == [yuan(57_14)]
    lines = report(client, funded, token_for)
    for member in (funded["a"], funded["b"], funded["c"]):
        assert row(lines, member.business_name)[2] == yuan(0)
    assert row(lines, "合计")[3] == yuan(0)
