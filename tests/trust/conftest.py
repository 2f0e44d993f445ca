"""A chamber with a live campaign and participants, for the trust and public-page tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest


@pytest.fixture
def live_campaign(db: Any, create_chamber: Any, create_member: Any, app: Any) -> Any:
    """A chamber with two approved merchants in an open campaign (public, not a draft)."""
    from campaigns import operations as campaign_ops

    def make(n_members: int = 2, **campaign_fields: Any) -> dict[str, Any]:
        chamber = create_chamber()
        members = [
            create_member(chamber=chamber, shop_url="https://shop.example/%d" % i, wechat_id=f"tea{i}")
            for i in range(n_members)
        ]
        now = dt.datetime.now(dt.timezone.utc)
        fields = {
            "slug": "double11",
            "title": "双十一联合促销",
            "festival": "double11",
            "description": "西湖商圈一起做双十一",
            "starts_at": now + dt.timedelta(days=20),
            "ends_at": now + dt.timedelta(days=30),
            "optin_deadline": now + dt.timedelta(days=10),
            "budget_minor": 1000_00,
            "method": "equal",
            "min_share_minor": None,
            "max_share_pct": None,
            "min_participants": None,
            "min_pooled_minor": None,
        }
        fields.update(campaign_fields)
        campaign = campaign_ops.create_campaign(db, chamber, chamber.organizer, **fields)
        campaign_ops.transition_campaign(db, campaign, "open", chamber.organizer)
        for i, member in enumerate(members):
            campaign_ops.opt_in(db, campaign, member, offer_headline=f"满200减{30 + i}", offer_details="全店通用")
        db.commit()
        return {"chamber": chamber, "campaign": campaign, "members": members}

    return make


@pytest.fixture
def mailbox(app: Any) -> Any:
    """The mails sent during the test (chamber/trust/mail.py keeps them in the app)."""
    sent = app.extensions.setdefault("chamber.sent_mail", [])
    start = len(sent)

    class Box:
        @property
        def messages(self) -> list[Any]:
            return sent[start:]

        def last_link(self, marker: str) -> str:
            import re

            body = self.messages[-1].get_content()
            found = re.findall(r"https?://\S+", body)
            return next(link for link in found if marker in link)

    return Box()
