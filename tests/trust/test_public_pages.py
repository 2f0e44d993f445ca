"""The public campaign, chamber and merchant pages: what shoppers see (and what they do not)."""
from __future__ import annotations

from typing import Any


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


def test_draft_campaign_is_not_public(client: Any, db: Any, create_chamber: Any) -> None:
    import datetime as dt

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

    import pytest

    pypdf = pytest.importorskip("pypdf")
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
    start = world["campaign"].starts_at.astimezone(__import__("zoneinfo").ZoneInfo(chamber.timezone))
    assert f"{start.day}" in text
    assert "1,000.00" not in text  # the budget is not for shoppers
    reader = pypdf.PdfReader(io.BytesIO(resp.data))
    fonts = {str(f["/BaseFont"]) for page in reader.pages for f in page["/Resources"]["/Font"].values()
             if "/BaseFont" in f.get_object()}
    assert any("Noto-Sans-CJK" in name for name in fonts), fonts  # Chinese in a real CJK font, not boxes
