"""Chinese text reads as Chinese: Chinese punctuation ，。：；！？（） next to Chinese characters, not , . : ; ! ? ( );
lists and labels joined the Chinese way (、 and no space after ：); the reader is 您 throughout, never 你."""
from __future__ import annotations

import re

import pytest
from babel.messages.pofile import read_po

from chamber.catalogs import catalogs

#: every package's Chinese catalog (the core's and each feature's)
POS = {catalog.name: catalog.po() for catalog in catalogs() if catalog.po().exists()}
CJK = r"[\u4e00-\u9fff]"
#: ASCII punctuation touching a Chinese character (placeholders, links and numbers taken out first)
WRONG = re.compile(rf"{CJK}\s?[,.:;!?()]|[,:;!?()]\s?{CJK}")


@pytest.mark.parametrize("name", POS)
def test_zh_cn_messages_use_chinese_punctuation(name):
    with POS[name].open("rb") as f:
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


def test_chinese_lists_and_labels_are_joined_the_chinese_way(app):
    from markupsafe import Markup

    from chamber.i18n import glue, list_words

    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        assert list_words(["全部会员", "公开的邮件订阅者"]) == "全部会员、公开的邮件订阅者"
        assert glue("回复：", "抱歉") == "回复：抱歉"
        assert glue(Markup("<strong>您需支付 ¥1.00。</strong>"), "<b>") == "<strong>您需支付 ¥1.00。</strong>&lt;b&gt;"
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert list_words(["All members", "email"]) == "All members, email"
        assert glue("Reply:", "sorry") == "Reply: sorry"


@pytest.mark.parametrize("name", POS)
def test_the_catalog_says_nin_throughout(name):
    with POS[name].open("rb") as f:
        catalog = read_po(f)
    informal = [m.string for m in catalog if m.id and "你" in str(m.string)]
    assert not informal, informal
