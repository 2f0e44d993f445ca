"""Chinese text uses Chinese punctuation: ，。：；！？（） next to Chinese characters, not , . : ; ! ? ( )."""
from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po

PO = Path(__file__).resolve().parent.parent / "chamber/translations/zh_Hans_CN/LC_MESSAGES/messages.po"
CJK = r"[\u4e00-\u9fff]"
#: ASCII punctuation touching a Chinese character (placeholders, links and numbers taken out first)
WRONG = re.compile(rf"{CJK}\s?[,.:;!?()]|[,:;!?()]\s?{CJK}")


def test_zh_cn_messages_use_chinese_punctuation():
    with PO.open("rb") as f:
        catalog = read_po(f)
    wrong = []
    for message in catalog:
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        for text in strings:
            plain = re.sub(r"%\(\w+\)[sd]|%%", "X", text or "")
            plain = re.sub(r"https?://\S*|[0-9][0-9,.:]*[0-9]", "0", plain)
            if WRONG.search(plain):
                wrong.append(text)
    assert not wrong, "\n".join(wrong)


def test_labels_and_values_are_joined_the_chinese_way(client, create_chamber, create_user, login):
    chamber = create_chamber()
    login(create_user())
    resp = client.post(f"/c/{chamber.slug}/apply", headers={"Accept-Language": "zh-CN"}, data={
        "business_name": "", "uscc": "x", "contact_name": "林", "phone": "138 0000 1111", "annual_revenue": "1"})
    assert resp.status_code == 400
    assert "商户名称：" in resp.text and "商户名称: " not in resp.text

