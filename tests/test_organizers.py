"""Organizer rights: lost with a suspended or rejected business, taken by demotion, never the last one."""
from __future__ import annotations

from sqlalchemy import select

from chamber.models import Member, Organizer
from tests.conftest import count_rows
from tests.helpers import text


def _organizer_with_business(db, chamber, create_member):
    """A second organizer of chamber who runs an approved business there."""
    member = create_member(chamber=chamber)
    db.add(Organizer(chamber_id=chamber.id, user_id=member.user_id))
    db.commit()
    return member


def _is_organizer(db, chamber, user) -> bool:
    return db.scalar(select(Organizer.id).where(Organizer.chamber_id == chamber.id, Organizer.user_id == user.id)) is not None


def test_suspending_an_organizers_business_ends_its_rights_at_once(client, db, create_chamber, create_member, token_for):
    chamber = create_chamber()
    second = _organizer_with_business(db, chamber, create_member)
    victim = create_member(chamber=chamber)
    boss = token_for(chamber.organizer)
    rogue = token_for(second.user)
    resp = client.post(f"/api/v1/chambers/{chamber.slug}/members/{second.id}/decision", headers=boss,
                       json={"decision": "suspend", "reason": "fake licence"})
    assert resp.status_code == 200
    assert not _is_organizer(db, chamber, second.user)
    # the suspended organizer can neither suspend others nor reinstate itself
    resp = client.post(f"/api/v1/chambers/{chamber.slug}/members/{victim.id}/decision", headers=rogue,
                       json={"decision": "suspend", "reason": "revenge"})
    assert resp.status_code == 404
    resp = client.post(f"/api/v1/chambers/{chamber.slug}/members/{second.id}/decision", headers=rogue,
                       json={"decision": "approve"})
    assert resp.status_code == 404
    db.refresh(victim)
    db.refresh(second)
    assert victim.status == "approved" and second.status == "suspended"
    me = client.get("/api/v1/me", headers=rogue).json
    assert [m["role"] for m in me["memberships"]] == ["member"]
    # reinstating the business does not give the rights back
    client.post(f"/api/v1/chambers/{chamber.slug}/members/{second.id}/decision", headers=boss, json={"decision": "approve"})
    assert not _is_organizer(db, chamber, second.user)


def test_suspension_through_the_page_ends_rights(client, db, create_chamber, create_member, login):
    chamber = create_chamber()
    second = _organizer_with_business(db, chamber, create_member)
    login(chamber.organizer)
    resp = client.post(f"/chambers/{chamber.slug}/manage/members/{second.id}",
                       data={"decision": "suspend", "reason": "fake licence", "tier": "micro"})
    assert resp.status_code == 302
    assert not _is_organizer(db, chamber, second.user)
    client.post("/logout")
    login(second.user)
    assert client.get(f"/chambers/{chamber.slug}/manage").status_code == 404


def test_rejecting_an_organizers_application_ends_its_rights(client, db, create_chamber, create_member, create_user, token_for):
    chamber = create_chamber()
    helper = create_user()
    db.add(Organizer(chamber_id=chamber.id, user_id=helper.id))
    db.commit()
    application = create_member(chamber=chamber, user=helper, status="pending")
    resp = client.post(f"/api/v1/chambers/{chamber.slug}/members/{application.id}/decision",
                       headers=token_for(chamber.organizer), json={"decision": "reject", "reason": "no licence"})
    assert resp.status_code == 200
    assert not _is_organizer(db, chamber, helper)


def test_the_last_organizer_cannot_be_suspended_out_of_organizing(client, db, create_chamber, create_member, token_for):
    chamber = create_chamber()
    own = create_member(chamber=chamber, user=chamber.organizer)
    resp = client.post(f"/api/v1/chambers/{chamber.slug}/members/{own.id}/decision", headers={**token_for(chamber.organizer), "Accept-Language": "en"},
                       json={"decision": "suspend", "reason": "testing"})
    assert resp.status_code == 409
    assert "at least one organizer" in resp.json["error"]["message"]
    db.refresh(own)
    assert own.status == "approved" and _is_organizer(db, chamber, chamber.organizer)


def test_demote_through_the_api(client, db, create_chamber, create_member, token_for):
    chamber = create_chamber()
    second = _organizer_with_business(db, chamber, create_member)
    boss = token_for(chamber.organizer)
    items = client.get(f"/api/v1/chambers/{chamber.slug}/organizers", headers=boss).json["items"]
    assert {i["user_id"] for i in items} == {chamber.organizer.id, second.user_id}
    url = f"/api/v1/chambers/{chamber.slug}/organizers"
    assert client.delete(f"{url}/{second.user_id}", headers=token_for(create_member(chamber=chamber).user)).status_code == 404
    assert client.delete(f"{url}/{second.user_id}", headers=boss).status_code == 204
    assert not _is_organizer(db, chamber, second.user)
    assert db.get(Member, second.id).status == "approved"  # the membership stays
    assert client.delete(f"{url}/{second.user_id}", headers=boss).status_code == 404
    resp = client.delete(f"{url}/{chamber.organizer.id}", headers={**boss, "Accept-Language": "en"})
    assert resp.status_code == 409 and resp.json["error"]["code"] == "conflict"
    assert "at least one organizer" in resp.json["error"]["message"]
    assert count_rows(db, Organizer, Organizer.chamber_id == chamber.id) == 1


def test_demote_through_the_page_with_confirmation(client, db, create_chamber, create_member, login):
    chamber = create_chamber()
    second = _organizer_with_business(db, chamber, create_member)
    login(chamber.organizer)
    manage = client.get(f"/chambers/{chamber.slug}/manage")
    url = f"/chambers/{chamber.slug}/manage/demote/{second.user_id}"
    assert url in manage.text
    confirm = client.get(url, headers={"Accept-Language": "en"})
    assert confirm.status_code == 200 and "Yes, remove organizer rights" in confirm.text
    assert _is_organizer(db, chamber, second.user)  # showing the question changes nothing
    resp = client.post(url)
    assert resp.status_code == 302
    assert not _is_organizer(db, chamber, second.user)
    # now the only organizer: no button, and a forged post is refused with the reason
    manage = client.get(f"/chambers/{chamber.slug}/manage", headers={"Accept-Language": "en"})
    assert "/manage/demote/" not in manage.text and "cannot step down" in text(manage)
    resp = client.post(f"/chambers/{chamber.slug}/manage/demote/{chamber.organizer.id}", headers={"Accept-Language": "en"})
    assert resp.status_code == 409 and "at least one organizer" in text(resp)
    assert _is_organizer(db, chamber, chamber.organizer)


def test_an_organizer_may_step_down_when_another_remains(client, db, create_chamber, create_member, login):
    chamber = create_chamber()
    _organizer_with_business(db, chamber, create_member)
    login(chamber.organizer)
    resp = client.post(f"/chambers/{chamber.slug}/manage/demote/{chamber.organizer.id}")
    assert resp.status_code == 302 and resp.headers["Location"] == f"/c/{chamber.slug}"
    assert not _is_organizer(db, chamber, chamber.organizer)
    assert client.get(f"/chambers/{chamber.slug}/manage").status_code == 404
