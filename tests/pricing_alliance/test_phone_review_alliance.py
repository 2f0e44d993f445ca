"""What a reviewer found on the alliance pages on a phone in Chinese, each pinned by a test."""
from __future__ import annotations

from tests.helpers import text
from tests.pricing_alliance.alliance_world import alliance  # noqa: F401  (a fixture)

ZH = {"Accept-Language": "zh-CN"}


def test_the_proposal_form_names_the_zone_as_people_say_it(client, login, alliance):
    w = alliance
    login(w.members[0].user)
    page = client.get(f"/chambers/{w.chamber.slug}/campaigns/{w.campaign.slug}/alliance/proposals/new", headers=ZH)
    assert "时间按北京时间计" in text(page) or "北京时间" in text(page)
    assert "Asia/Shanghai" not in text(page)
