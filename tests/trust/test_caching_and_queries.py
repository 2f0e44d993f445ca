"""HTTP caching of the public pages (ETag, 304, a new key on every change) and constant queries."""
from __future__ import annotations

from typing import Any


def test_campaign_page_is_answered_by_etag_and_rendered_once_per_version(client: Any, db: Any, app: Any,
                                                                      live_campaign: Any) -> None:
    from campaigns import operations as campaign_ops

    world = live_campaign()
    url = f"/c/{world['chamber'].slug}/double11"
    first = client.get(url)
    assert first.status_code == 200
    etag = first.headers["ETag"]
    assert first.headers["Last-Modified"]
    assert "no-cache" in first.headers["Cache-Control"] and "public" in first.headers["Cache-Control"]
    assert "Set-Cookie" not in first.headers  # the same page for every visitor
    renders = app.extensions["chamber.page_cache"].renders
    again = client.get(url)
    assert again.data == first.data
    assert app.extensions["chamber.page_cache"].renders == renders  # served from the cache
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert client.get(url, headers={"If-Modified-Since": first.headers["Last-Modified"]}).status_code == 304

    # anything shown changes → a new key, the new content
    campaign_ops.opt_in(db, world["campaign"], world["members"][0], offer_headline="买一送一")
    db.commit()
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag
    assert "买一送一" in changed.text
    # the language is part of the key
    english = client.get(url + "?lang=en")
    assert english.headers["ETag"] != changed.headers["ETag"]


def test_browsers_that_take_gzip_get_the_cached_page_compressed_once(client: Any, app: Any,
                                                                   live_campaign: Any) -> None:
    import gzip

    world = live_campaign()
    url = f"/c/{world['chamber'].slug}/double11"
    plain = client.get(url)
    packed = client.get(url, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert packed.headers["Content-Encoding"] == "gzip" and "Content-Encoding" not in plain.headers
    assert gzip.decompress(packed.data) == plain.data and len(packed.data) < len(plain.data) / 2
    assert "Accept-Encoding" in packed.headers["Vary"]
    # each representation has its own ETag, and each is answered 304
    assert packed.headers["ETag"] != plain.headers["ETag"]
    again = client.get(url, headers={"Accept-Encoding": "gzip", "If-None-Match": packed.headers["ETag"]})
    assert again.status_code == 304 and again.headers["ETag"] == packed.headers["ETag"]
    assert client.get(url, headers={"If-None-Match": plain.headers["ETag"]}).status_code == 304
    renders = app.extensions["chamber.page_cache"].renders
    assert client.get(url, headers={"Accept-Encoding": "gzip"}).data == packed.data
    assert app.extensions["chamber.page_cache"].renders == renders  # compressed once, with the render


def test_logged_in_people_get_their_own_page_never_the_shared_one(client: Any, live_campaign: Any, login: Any) -> None:
    world = live_campaign()
    login(world["members"][0].user)
    resp = client.get(f"/c/{world['chamber'].slug}/double11")
    assert resp.status_code == 200
    assert resp.headers["Cache-Control"] == "private, no-cache"
    assert "ETag" not in resp.headers


def _many(db: Any, chamber: Any, campaign: Any, user: Any, n: int, start: int = 0) -> int:
    from sqlalchemy import select

    from campaigns.models import Participation
    from chamber.models import Member, Tier
    from chamber.rules import make_uscc

    tier = db.scalar(select(Tier).where(Tier.chamber_id == chamber.id, Tier.key == "micro"))
    members = [Member(chamber_id=chamber.id, user_id=user.id, business_name=f"批量商户 {i:04d}",
                      uscc=make_uscc(f"91330106MB{i:07d}"), contact_name="x", phone="1", shop_url="",
                      annual_revenue_minor=100, status="approved", tier_id=tier.id) for i in range(start, start + n)]
    db.add_all(members)
    db.flush()
    db.add_all([Participation(chamber_id=chamber.id, campaign_id=campaign.id, member_id=m.id, offer_headline="九折")
                for m in members])
    db.commit()
    return members[0].id


def test_every_public_route_takes_the_same_number_of_queries_for_5_and_500_merchants(
        client: Any, db: Any, app: Any, live_campaign: Any, count_queries: Any) -> None:
    from chamber.trust import operations as trust_ops

    world = live_campaign(n_members=0)
    chamber = world["chamber"]
    member_id = _many(db, chamber, world["campaign"], chamber.organizer, 5)
    c, k = f"/c/{chamber.slug}", f"/c/{chamber.slug}/double11"
    urls = [c, f"{c}/members", f"{c}/members?q=批量", k, f"{c}/m/{member_id}", f"{c}/feed.atom", f"{k}/feed.atom",
            f"{c}/calendar.ics", f"{k}/calendar.ics", f"{k}/share.png", f"{k}/flyer.pdf"]

    def walk() -> dict[str, int]:
        with app.app_context():
            trust_ops.recompute_credit(db, chamber.id)
        db.commit()
        counts = {}
        for url in urls:
            app.extensions.pop("chamber.page_cache", None)  # measure the rendering, not the cache
            with count_queries() as queries:
                resp = client.get(url)
            assert resp.status_code == 200, url
            counts[url] = queries()
        return counts

    few = walk()
    _many(db, chamber, world["campaign"], chamber.organizer, 495, start=5)
    assert walk() == few
