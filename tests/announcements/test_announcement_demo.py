"""The demo chamber has scheduled, sent (with failed mail) and missed announcements, and its feed lists the sent ones."""
from __future__ import annotations

import xml.etree.ElementTree as ET

from sqlalchemy import select

from campaigns.announcements import operations as ops
from campaigns.announcements.models import Announcement
from chamber import create_app
from chamber.models import Chamber


def test_demo_announcements(tmp_path):
    url = f"sqlite:///{tmp_path / 'demo.sqlite'}"
    app = create_app({"INSTANCE_PATH": str(tmp_path), "DATABASE_URL": url, "SECRET_KEY": "x"})
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    assert runner.invoke(args=["demo-data"]).output.strip() == "demo chamber loaded"
    with app.app_context(), app.extensions["chamber.db"].sessionmaker() as s:
        chamber = s.scalar(select(Chamber).where(Chamber.slug == "xihu"))
        items = s.scalars(select(Announcement).where(Announcement.chamber_id == chamber.id)).all()
        statuses = {a.status for a in items}
        assert {"scheduled", "sent", "sending", "missed"} <= statuses
        assert any(a.daily_countdown for a in items) and any(a.relative_to == "optin_deadline" for a in items)
        counts = ops.delivery_counts(s, chamber, [a.id for a in items])
        assert sum(c["failed"] for c in counts.values()) >= 1
        assert sum(c["sent"] for c in counts.values()) >= 1
    feed = app.test_client().get("/c/xihu/feed.atom")
    titles = [e.findtext("{http://www.w3.org/2005/Atom}title") for e in ET.fromstring(feed.data).iter(
        "{http://www.w3.org/2005/Atom}entry")]
    assert "双十一西湖好物节开始啦" in titles
    app.extensions["chamber.db"].engine.dispose()
