"""What a reviewer found walking the app on a phone in Chinese (390×844, zh-CN), each pinned by a test."""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from markupsafe import Markup

from campaigns import operations as ops
from chamber.db import utcnow
from tests.helpers import text_of

ZH = {"Accept-Language": "zh-CN"}
EN = {"Accept-Language": "en"}


def public(client: Any, chamber: Any, campaign: Any, headers: dict[str, str] = ZH) -> Any:
    r = client.get(f"/c/{chamber.slug}/{campaign.slug}", headers=headers)
    assert r.status_code == 200
    return r


def past_campaign(db: Any, make_campaign: Any, chamber: Any, status: str, member: Any = None) -> Any:
    """A campaign that ran from 30 to 20 days ago (with `member` in it), now in `status`."""
    then = utcnow() - dt.timedelta(days=50)
    campaign = make_campaign(chamber, status="open", now=then)
    if member is not None:
        ops.opt_in(db, campaign, member, offer_headline="全场九折", now=then)
    campaign.status = status
    db.commit()
    return campaign


# --------------------------------------------------------------------------- 1. finished campaigns


@pytest.mark.parametrize(("status", "zh", "en"), [
    ("ended", "活动已结束", "This campaign has ended."),
    ("settled", "活动已结束", "This campaign has ended and its accounts are settled."),
])
def test_a_finished_campaign_says_so_and_has_no_countdown(client, db, create_chamber, create_member, make_campaign,
                                                          status, zh, en):
    chamber = create_chamber()
    member = create_member(chamber)
    campaign = past_campaign(db, make_campaign, chamber, status, member)
    r = public(client, chamber, campaign)
    assert zh in text_of(r.get_data(as_text=True), "campaign-state")
    assert 'data-testid="countdown"' not in r.get_data(as_text=True)
    assert f"/m/{member.id}/review" in r.get_data(as_text=True)  # shoppers review after buying
    assert en in text_of(public(client, chamber, campaign, EN).get_data(as_text=True), "campaign-state")


def test_a_campaign_past_its_end_reads_as_ended_before_the_job_moves_it(client, db, create_chamber, make_campaign):
    chamber = create_chamber()
    campaign = past_campaign(db, make_campaign, chamber, "live")
    r = public(client, chamber, campaign)
    assert "活动已结束" in text_of(r.get_data(as_text=True), "campaign-state")


def test_a_running_campaign_counts_down_with_the_day_unit_in_the_page_language(client, db, create_chamber,
                                                                              make_campaign):
    chamber = create_chamber()
    campaign = make_campaign(chamber, status="open", now=utcnow())
    html = public(client, chamber, campaign).get_data(as_text=True)
    assert 'data-testid="campaign-state"' not in html
    assert 'data-days="{days} 天"' in html
    assert 'data-days="{days} d"' in public(client, chamber, campaign, EN).get_data(as_text=True)


# --------------------------------------------------------------------------- 2c. the zone on the public page


def test_the_public_page_names_the_time_zone_and_the_last_day(client, db, create_chamber, make_campaign):
    chamber = create_chamber()
    now = utcnow()
    year = now.year + 1  # a year ahead: the dates show the year, the zone words stay
    start = dt.datetime(year, 12, 18, 16, 0, tzinfo=dt.timezone.utc)  # 12-19 00:00 北京时间
    campaign = make_campaign(chamber, status="open", now=now, optin_deadline=start - dt.timedelta(days=1),
                             starts_at=start, ends_at=start + dt.timedelta(days=10))
    dates = text_of(public(client, chamber, campaign).get_data(as_text=True), "campaign-dates")
    assert dates == f"{year}年12月19日–28日 北京时间"


# --------------------------------------------------------------------------- 3. overdue payments; 6. spacing


#: a visible space after Chinese punctuation in a page's HTML ("您需支付 ¥1.00。 请于…", "分摊： <strong>¥1"):
#: punctuation, closing inline tags, white space, then text or an inline tag (not a new block)
INLINE = r"(?:strong|a|span|code|b|em|time|small)"
#: (a bare line break before text is a line of someone's text shown with white-space: pre-line, not a space)
SPACE_AFTER_CJK_PUNCT = re.compile(rf"[。：，；！？](?:</{INLINE}>)*(?:[ \t]+\n?|\n[ \t]+|\n(?=<))[ \t]*(?=[^<\s]|<{INLINE}\b)")


def spaces_after_cjk_punctuation(resp: Any) -> list[str]:
    html = resp.get_data(as_text=True)
    return [html[max(0, m.start() - 30):m.end() + 20] for m in SPACE_AFTER_CJK_PUNCT.finditer(html)]


def started_locked_campaign(db: Any, make_campaign: Any, chamber: Any, member: Any) -> Any:
    """A campaign locked before its start, which was five days ago: its shares are overdue."""
    then = utcnow() - dt.timedelta(days=25)
    campaign = make_campaign(chamber, status="open", now=then)
    ops.opt_in(db, campaign, member, offer_headline="全场九折", now=then)
    ops.transition_campaign(db, campaign, "locked", chamber.organizer, now=then + dt.timedelta(days=11))
    db.commit()
    return campaign


def test_a_share_not_paid_by_the_start_is_overdue_on_the_campaign_page_and_the_dashboard(
        client, db, create_chamber, create_member, make_campaign, login):
    chamber = create_chamber()
    member = create_member(chamber)
    campaign = started_locked_campaign(db, make_campaign, chamber, member)
    login(member.user)
    page = client.get(f"/chambers/{chamber.slug}/campaigns/{campaign.slug}", headers=ZH)
    line = text_of(page.get_data(as_text=True), "owing-line")
    assert line.startswith("您需支付 ¥1,000.00。已逾期：应于 ") and line.endswith("前付款。"), line
    dashboard = client.get(f"/chambers/{chamber.slug}/dashboard", headers=ZH)
    line = text_of(dashboard.get_data(as_text=True), "dashboard-owing")
    assert "已逾期" in line and "。已逾期" in line, line
    english = client.get(f"/chambers/{chamber.slug}/dashboard", headers=EN)
    assert "Overdue: it was due by" in text_of(english.get_data(as_text=True), "dashboard-owing")
    for resp in (page, dashboard):
        assert not spaces_after_cjk_punctuation(resp), spaces_after_cjk_punctuation(resp)


def test_a_share_before_the_start_is_not_overdue(client, db, create_chamber, create_member, make_campaign, login):
    chamber = create_chamber()
    member = create_member(chamber)
    then = utcnow() - dt.timedelta(days=12)  # deadline two days ago, start in eight days
    campaign = make_campaign(chamber, status="open", now=then)
    ops.opt_in(db, campaign, member, offer_headline="全场九折", now=then)
    ops.transition_campaign(db, campaign, "locked", chamber.organizer, now=then + dt.timedelta(days=11))
    db.commit()
    login(member.user)
    page = client.get(f"/chambers/{chamber.slug}/campaigns/{campaign.slug}", headers=ZH)
    line = text_of(page.get_data(as_text=True), "owing-line")
    assert "逾期" not in line and line.startswith("您需支付 ¥1,000.00。请于 "), line


def test_chinese_lists_and_labels_are_joined_the_chinese_way(app):
    from chamber.i18n import glue, list_words

    with app.test_request_context(headers=ZH):
        assert list_words(["全部会员", "公开的邮件订阅者"]) == "全部会员、公开的邮件订阅者"
        assert glue("回复：", "抱歉") == "回复：抱歉"
        assert glue(Markup("<strong>您需支付 ¥1.00。</strong>"), "<b>") == "<strong>您需支付 ¥1.00。</strong>&lt;b&gt;"
    with app.test_request_context(headers=EN):
        assert list_words(["All members", "email"]) == "All members, email"
        assert glue("Reply:", "sorry") == "Reply: sorry"


def test_the_catalog_says_nin_throughout():
    from babel.messages.pofile import read_po

    from tests.test_chinese_punctuation import PO

    with PO.open("rb") as f:
        catalog = read_po(f)
    informal = [m.string for m in catalog if m.id and "你" in str(m.string)]
    assert not informal, informal
