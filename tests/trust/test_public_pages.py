"""The public campaign, chamber and merchant pages: what shoppers see (and what they do not), in Chinese
and in English: a campaign's state, dates and time zone, its countdown."""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from campaigns import operations as ops
from chamber.db import utcnow
from tests.campaigns.conftest import make_campaign  # noqa: F401  (a fixture)
from tests.helpers import text_of

ZH = {"Accept-Language": "zh-CN"}
EN = {"Accept-Language": "en"}


def test_campaign_page_shows_merchants_offers_and_how_to_buy(client: Any, live_campaign: Any) -> None:
    world = live_campaign()
    chamber = world["chamber"]
    resp = client.get(f"/c/{chamber.slug}/double11")
    assert resp.status_code == 200, resp.text
    page = resp.text
    assert "双十一联合促销" in page
    for i, member in enumerate(world["members"]):
        assert member.business_name in page
        assert f"满200减{30 + i}" in page
        assert f"tea{i}" in page
        assert f"https://shop.example/{i}" in page
    assert 'property="og:title"' in page and 'property="og:image"' in page
    assert "<svg" in page  # the QR code, inline
    assert "data-countdown" in page
    # nothing internal: no budget, shares, weights
    assert "1,000.00" not in page and "1000.00" not in page
    assert "weight" not in page.lower()


def test_a_shared_link_shows_a_picture_of_the_campaign_itself(client: Any, live_campaign: Any) -> None:
    import io

    from PIL import Image

    from campaigns.share_image import COLOURS, font_file
    from tests.needs import missing

    if font_file() is None:
        missing("the Noto Sans CJK font", "apt-get install fonts-noto-cjk")
    world = live_campaign()
    slug = world["chamber"].slug
    page = client.get(f"/c/{slug}/double11").text
    found = re.search(r'property="og:image" content="([^"]+)"', page)
    assert found is not None
    image_url = found.group(1)
    assert image_url.endswith(f"/c/{slug}/double11/share.png")
    resp = client.get(f"/c/{slug}/double11/share.png")
    assert resp.status_code == 200 and resp.mimetype == "image/png"
    assert "public" in resp.headers["Cache-Control"] and resp.headers["ETag"]
    picture = Image.open(io.BytesIO(resp.data)).convert("RGB")
    assert picture.size == (1200, 630)
    background = COLOURS["double11"][0]
    assert picture.getpixel((1190, 300)) == tuple(int(background[i:i + 2], 16) for i in (1, 3, 5))
    # the title is drawn: white pixels where the title line is, none in an empty corner
    title_band = picture.crop((72, 136, 1128, 236))
    assert (255, 255, 255) in {title_band.getpixel((x, y)) for x in range(0, 1056, 2) for y in range(0, 100, 2)}
    # another campaign, another picture; and the picture follows the title
    other = live_campaign(slug="spring", title="春节年货节", festival="spring_festival")
    other_png = client.get(f"/c/{other['chamber'].slug}/spring/share.png").data
    assert other_png != resp.data
    assert client.get(f"/c/{slug}/nothing/share.png").status_code == 404


def test_draft_campaign_is_not_public(client: Any, db: Any, create_chamber: Any) -> None:
    from campaigns import operations as campaign_ops

    chamber = create_chamber()
    now = dt.datetime.now(dt.timezone.utc)
    campaign_ops.create_campaign(db, chamber, chamber.organizer, slug="secret", title="草稿", festival="618",
                                 description="", starts_at=now + dt.timedelta(days=20), ends_at=now + dt.timedelta(days=30),
                                 optin_deadline=now + dt.timedelta(days=10), budget_minor=100_00, method="equal",
                                 min_share_minor=None, max_share_pct=None, min_participants=None, min_pooled_minor=None)
    db.commit()
    assert client.get(f"/c/{chamber.slug}/secret").status_code == 404


def test_chamber_page_lists_running_and_upcoming_campaigns_and_no_tier_weights(client: Any, live_campaign: Any) -> None:
    world = live_campaign()
    chamber = world["chamber"]
    page = client.get(f"/c/{chamber.slug}").text
    assert f'href="/c/{chamber.slug}/double11"' in page
    assert 'data-testid="complaint-stats"' in page
    assert 'data-testid="tier"' not in page


def test_merchant_page_shows_verification_score_and_campaigns(client: Any, live_campaign: Any, app: Any, db: Any) -> None:
    from chamber.trust import operations as trust_ops

    world = live_campaign()
    chamber, member = world["chamber"], world["members"][0]
    with app.app_context():
        trust_ops.recompute_credit(db, chamber.id)
    db.commit()
    page = client.get(f"/c/{chamber.slug}/m/{member.id}").text
    assert member.business_name in page
    assert 'data-testid="score-breakdown"' in page
    assert "double11" in page  # campaigns taken part in
    assert client.get(f"/c/{chamber.slug}/m/999999").status_code == 404


def test_flyer_pdf_names_the_festival_dates_merchants_and_offers(client: Any, live_campaign: Any) -> None:
    import io

    import pypdf  # a test dependency: never skipped
    world = live_campaign()
    chamber = world["chamber"]
    resp = client.get(f"/c/{chamber.slug}/double11/flyer.pdf")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(resp.data)).pages)
    squeezed = "".join(text.split())
    assert "双十一联合促销" in squeezed
    for i, member in enumerate(world["members"]):
        assert "".join(member.business_name.split()) in squeezed
        assert f"满200减{30 + i}" in squeezed
        assert f"tea{i}" in squeezed
    # the festival's dates in the chamber's zone, first day to last (a bare day number would match any amount)
    zone = __import__("zoneinfo").ZoneInfo(chamber.timezone)
    start, last = world["campaign"].starts_at.astimezone(zone), world["campaign"].ends_at.astimezone(zone)
    # (the times are left out only when they are midnight)
    dates = rf"{start.month}月{start.day}日(?:{start:%H:%M})?–(?:\d+年)?(?:{last.month}月)?{last.day}日(?:{last:%H:%M})?北京时间"
    assert re.search(dates, squeezed), squeezed[:300]
    assert "1,000.00" not in text  # the budget is not for shoppers
    reader = pypdf.PdfReader(io.BytesIO(resp.data))
    resources: list[Any] = [page["/Resources"] for page in reader.pages]  # pypdf types them loosely
    fonts = {str(f["/BaseFont"]) for r in resources for f in r["/Font"].values() if "/BaseFont" in f.get_object()}
    assert any("Noto-Sans-CJK" in name for name in fonts), fonts  # Chinese in a real CJK font, not boxes


# --------------------------------------------------------------------------- state, countdown and dates


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


def test_the_public_page_names_the_time_zone_and_the_last_day(client, db, create_chamber, make_campaign):
    chamber = create_chamber()
    now = utcnow()
    year = now.year + 1  # a year ahead: the dates show the year, the zone words stay
    start = dt.datetime(year, 12, 18, 16, 0, tzinfo=dt.timezone.utc)  # 12-19 00:00 北京时间
    campaign = make_campaign(chamber, status="open", now=now, optin_deadline=start - dt.timedelta(days=1),
                             starts_at=start, ends_at=start + dt.timedelta(days=10))
    dates = text_of(public(client, chamber, campaign).get_data(as_text=True), "campaign-dates")
    assert dates == f"{year}年12月19日–28日 北京时间"
