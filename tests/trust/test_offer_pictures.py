"""A picture on a merchant's offer card: set on the campaign page or through the API, shown to shoppers."""
from __future__ import annotations

import io
from typing import Any

from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from campaigns.models import OfferImage, Participation
from tests.conftest import count_rows, image_bytes
from tests.helpers import field_errors

EN = {"Accept-Language": "en"}


def _form(member: Any, headline: str, **extra: Any) -> dict[str, Any]:
    return {"member_id": str(member.id), "offer_headline": headline, "offer_details": "", **extra}


def test_a_merchant_puts_a_picture_on_the_offer_card_and_shoppers_see_it(client: Any, db: Any, login: Any,
                                                                         live_campaign: Any) -> None:
    world = live_campaign()
    chamber, member = world["chamber"], world["members"][0]
    login(member.user)
    url = f"/chambers/{chamber.slug}/campaigns/double11/participation"
    page = client.get(f"/chambers/{chamber.slug}/campaigns/double11").text
    assert 'enctype="multipart/form-data"' in page and 'name="offer_image"' in page
    picture = image_bytes("JPEG", (40, 30))
    resp = client.post(url, data=_form(member, "满200减30", offer_image=(io.BytesIO(picture), "tea.jpg")),
                       content_type="multipart/form-data")
    assert resp.status_code == 302
    public = client.get(f"/c/{chamber.slug}/double11").text
    src = f"/c/{chamber.slug}/double11/offers/{member.id}/picture"
    assert src in public and 'data-testid="offer-picture"' in public
    assert public.count('data-testid="offer-picture"') == 1  # the other merchant has none
    served = client.get(src)
    assert served.status_code == 200 and served.mimetype == "image/jpeg" and served.data == picture
    assert 'data-testid="my-offer-picture"' in client.get(f"/chambers/{chamber.slug}/campaigns/double11").text

    # the box to take it off
    resp = client.post(url, data=_form(member, "满200减30", remove_offer_image="y"), content_type="multipart/form-data")
    assert resp.status_code == 302
    assert client.get(src).status_code == 404
    assert "offer-picture" not in client.get(f"/c/{chamber.slug}/double11").text


def test_a_picture_that_is_not_an_image_is_refused_by_the_field_and_nothing_changes(
        client: Any, db: Any, login: Any, live_campaign: Any, create_member: Any) -> None:
    world = live_campaign()
    chamber, member = world["chamber"], world["members"][0]
    login(member.user)
    url = f"/chambers/{chamber.slug}/campaigns/double11/participation"
    fake = b"\x89PNG\r\n\x1a\n" + b"<script>alert(1)</script>" * 4
    resp = client.post(url, data=_form(member, "改过的优惠", offer_image=(io.BytesIO(fake), "x.png")),
                       content_type="multipart/form-data", headers=EN)
    assert resp.status_code == 400
    assert field_errors(resp, "offer_image") == ["The picture must be a JPEG, PNG or WebP image."]
    db.expire_all()
    kept = db.query(Participation).filter_by(campaign_id=world["campaign"].id, member_id=member.id).one()
    assert kept.offer_headline == "满200减30"  # the offer text is not half-saved either
    # a new merchant whose picture is refused does not join
    newcomer = create_member(chamber=chamber)
    db.commit()
    login(newcomer.user)
    before = count_rows(db, Participation)
    resp = client.post(url, data=_form(newcomer, "新来的", offer_image=(io.BytesIO(fake), "x.png")),
                       content_type="multipart/form-data", headers=EN)
    assert resp.status_code == 400 and count_rows(db, Participation) == before
    assert count_rows(db, OfferImage) == 0


def test_offer_pictures_through_the_api(client: Any, db: Any, live_campaign: Any, token_for: Any,
                                        create_member: Any) -> None:
    world = live_campaign()
    chamber, member = world["chamber"], world["members"][1]
    headers = {**token_for(member.user), **EN}
    url = f"/api/v1/chambers/{chamber.slug}/campaigns/double11/participation/image"
    picture = image_bytes("PNG", (20, 20))
    resp = client.put(url, data={"image": (io.BytesIO(picture), "p.png")}, headers=headers,
                      content_type="multipart/form-data")
    assert resp.status_code == 200
    assert resp.json == {"member_id": member.id,
                         "picture_url": f"/c/{chamber.slug}/double11/offers/{member.id}/picture"}
    assert client.get(resp.json["picture_url"]).data == picture
    bad = client.put(url, data={"image": (io.BytesIO(b"GIF89a" + b"\0" * 20), "p.gif")}, headers=headers,
                     content_type="multipart/form-data")
    assert bad.status_code == 400 and "image" in bad.json["error"]["fields"]
    # (encoded in memory: the test client would spool a big body to a file it never closes)
    boundary, body = encode_multipart({"image": FileStorage(io.BytesIO(b"\xff\xd8\xff" + b"\0" * (2 * 1024 * 1024)),
                                                            "big.jpg")})
    big = client.put(url, data=body, headers=headers, content_type=f"multipart/form-data; boundary={boundary}")
    assert big.status_code == 413
    assert client.put(url, json={"image": "x"}, headers=headers).status_code == 400  # a file part is needed
    assert client.get(resp.json["picture_url"]).data == picture  # refusals changed nothing
    outsider = create_member(chamber=chamber)  # not taking part
    db.commit()
    refused = client.put(url, data={"image": (io.BytesIO(picture), "p.png")}, headers=token_for(outsider.user),
                         content_type="multipart/form-data")
    assert refused.status_code == 409
    assert client.delete(url, headers=headers).status_code == 204
    assert client.get(resp.json["picture_url"]).status_code == 404
    # the picture is part of the offer: it no longer changes once opting in is over
    from campaigns import operations as campaign_ops

    campaign_ops.transition_campaign(db, world["campaign"], "cancelled", chamber.organizer, reason="人数不足")
    db.commit()
    late = client.put(url, data={"image": (io.BytesIO(picture), "p.png")}, headers=headers,
                      content_type="multipart/form-data")
    assert late.status_code == 409 and "no longer change" in late.json["error"]["message"]
