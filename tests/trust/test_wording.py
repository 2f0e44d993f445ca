"""Words shoppers see on the trust pages: every credit part named in their language, percentages
that do not break across lines, a shopper's review called 评价 (审核 is vetting), one word for a
correction (冲正)."""
from __future__ import annotations

import re
from typing import Any

EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-CN"}


def table_of(page: str) -> str:
    return page.split('data-testid="score-breakdown"', 1)[1].split("</table>", 1)[0]


def test_every_credit_part_has_a_name_and_percentages_stay_whole(client: Any, live_campaign: Any, app: Any,
                                                                 db: Any) -> None:
    from chamber.trust import operations as trust_ops

    world = live_campaign()
    chamber, member = world["chamber"], world["members"][0]
    with app.app_context():
        trust_ops.recompute_credit(db, chamber.id)
    db.commit()
    url = f"/c/{chamber.slug}/m/{member.id}"
    en = client.get(url, headers=EN).text
    table = table_of(en)
    assert "Keeping to the alliance prices" in table and "price_compliance" not in table
    assert "100%" in table and "50%" in table
    assert not re.search(r"\d[ \t\n]%", table)  # "100 %" wraps on a phone
    zh = client.get(url, headers=ZH).text
    assert "遵守联盟价" in table_of(zh) and "price_compliance" not in zh
    assert not re.search(r"\d[ \t\n]%", zh)  # nor in the formula below it


def test_a_shopper_s_review_is_评价_never_审核(client: Any, live_campaign: Any) -> None:
    world = live_campaign()
    chamber, member = world["chamber"], world["members"][0]
    page = client.get(f"/c/{chamber.slug}/m/{member.id}/review", headers=ZH).text
    title = page.split("<title>", 1)[1].split("</title>", 1)[0]
    assert "评价" in title and "审核" not in title
    assert "审核" not in page


def test_a_correction_is_冲正_on_the_ledger_and_the_open_books() -> None:
    from babel.messages.pofile import read_po

    from chamber.catalogs import catalogs

    messages = []
    for catalog in catalogs():  # the core's and every feature's
        with catalog.po().open("rb") as fh:
            messages += list(read_po(fh))
    texts = [m.string if isinstance(m.string, str) else " ".join(m.string or ()) for m in messages if m.id]
    assert not [t for t in texts if "冲销" in t]
    assert any("冲正" in t for t in texts)
