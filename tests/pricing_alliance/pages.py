"""The pricing alliance's pages for the browser walk (see tests/campaigns/pages.py), on the demo's alliance
campaign."""
from __future__ import annotations

from typing import Any

NOT_PAGES = {"pricing_alliance.product_image", "pricing_alliance.joint_purchase_pdf"}
NOT_WALKED: set[str] = set()


def pages(api: Any, stamp: str) -> dict[str, list[str]]:
    alliance = "mid-autumn-tea-demo"
    c, m = "/chambers/xihu/campaigns", "/chambers/xihu/manage/campaigns"
    product = api.call("GET", "/chambers/xihu/products")["items"][0]["product_id"]
    proposals = api.call("GET", f"/chambers/xihu/campaigns/{alliance}/price-proposals")["items"]
    member = ["/chambers/xihu/alliance", f"{c}/{alliance}/alliance", f"{c}/{alliance}/alliance/proposals/new"]
    if proposals:
        member.append(f"/chambers/xihu/alliance/proposals/{proposals[0]['proposal_id']}")
    organizer = [
        "/chambers/xihu/manage/alliance/products/new", "/chambers/xihu/manage/alliance/settings",
        f"{m}/{alliance}/alliance/compliance", f"{m}/{alliance}/alliance/joint-purchase",
        f"{m}/{alliance}/alliance/joint-purchase/{product}/supplier",
    ]
    return {"visitor": [], "member": member, "organizer": organizer}
