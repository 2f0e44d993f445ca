"""Chambers: the home page's list, create, tiers, applications, decisions, organizers, directory, dashboards
(pages and API), and the messages their refused forms give."""
from __future__ import annotations

import re

from sqlalchemy import select

from chamber.models import Chamber, Member, Organizer, Tier
from chamber.rules import make_uscc
from chamber.trust import operations as trust_ops
from chamber.trust import queries as trust_queries
from tests.conftest import count_rows
from tests.helpers import text

EN = {"Accept-Language": "en"}
USCC = make_uscc("91330106MA2H3K4L5")


def application(**overrides):
    data = {"business_name": "杭州小满烘焙", "uscc": USCC, "contact_name": "林小满", "phone": "138 0000 1111",
            "shop_url": "https://shop.example.cn/x", "annual_revenue": "360000.00"}
    data.update(overrides)
    return data


def test_create_chamber_page_makes_creator_organizer(client, create_user, login, db):
    user = create_user()
    login(user)
    resp = client.post("/chambers/new", data={"slug": "binjiang", "name": "滨江微商商会", "kind": "regional",
                                              "region": "杭州滨江", "currency": "CNY", "timezone": "Asia/Shanghai",
                                              "description": ""})
    assert resp.status_code == 302
    chamber = db.scalar(select(Chamber).where(Chamber.slug == "binjiang"))
    assert chamber.currency == "CNY" and chamber.timezone == "Asia/Shanghai"
    assert count_rows(db, Organizer, Organizer.chamber_id == chamber.id, Organizer.user_id == user.id) == 1
    assert [t.key for t in db.scalars(select(Tier).where(Tier.chamber_id == chamber.id).order_by(Tier.weight))] == ["micro", "growth", "core"]
    assert client.get("/chambers/binjiang/manage").status_code == 200


def test_create_chamber_bad_input(client, create_user, create_chamber, login, db):
    create_chamber(slug="taken")
    login(create_user())
    before = count_rows(db, Chamber)
    resp = client.post("/chambers/new", data={"slug": "Bad Slug!", "name": "", "kind": "space", "region": "x" * 121,
                                              "currency": "XXX", "timezone": "Mars/Base"}, headers=EN)
    assert resp.status_code == 400
    for message in ("lowercase letters", "This field is required", "Not a valid choice", "Unknown time zone"):
        assert message in resp.text
    resp = client.post("/chambers/new", data={"slug": "taken", "name": "n", "kind": "brand", "region": "r", "currency": "CNY"}, headers=EN)
    assert resp.status_code == 400 and "taken" in resp.text
    assert count_rows(db, Chamber) == before


def test_api_create_chamber_and_get(client, create_user, token_for):
    headers = token_for(create_user())
    body = {"slug": "brand-tea", "name": "龙井品牌联盟", "kind": "brand", "region": "杭州", "currency": "CNY",
            "timezone": "Asia/Shanghai", "description": "茶"}
    resp = client.post("/api/v1/chambers", json=body, headers=headers)
    assert resp.status_code == 201
    assert resp.json["member_count"] == 0
    assert client.post("/api/v1/chambers", json=body, headers=headers).status_code == 409
    got = client.get("/api/v1/chambers/brand-tea").json
    assert got == {**body, "member_count": 0}
    minimal = client.post("/api/v1/chambers", json={"slug": "min", "name": "n", "kind": "regional", "region": "r"}, headers=headers)
    assert minimal.status_code == 201
    assert minimal.json["currency"] == "CNY" and minimal.json["timezone"] == "Asia/Shanghai"


def test_apply_approve_reject_flow_pages(client, create_chamber, create_user, login, db):
    chamber = create_chamber()
    applicant = create_user()
    login(applicant)
    resp = client.post(f"/c/{chamber.slug}/apply", data=application())
    assert resp.status_code == 302
    member = db.scalar(select(Member).where(Member.chamber_id == chamber.id))
    assert member.status == "pending" and member.annual_revenue_minor == 36_000_000
    # the same business cannot apply twice
    resp = client.post(f"/c/{chamber.slug}/apply", data=application(business_name="again"), headers=EN)
    assert resp.status_code == 400 and "already has a membership" in resp.text
    client.post("/logout")

    login(chamber.organizer)
    assert "杭州小满烘焙" in client.get(f"/chambers/{chamber.slug}/manage").text
    resp = client.post(f"/chambers/{chamber.slug}/manage/members/{member.id}", data={"decision": "reject", "tier": "", "reason": ""}, headers=EN)
    assert resp.status_code == 400 and "Give a reason" in resp.text
    resp = client.post(f"/chambers/{chamber.slug}/manage/members/{member.id}", data={"decision": "reject", "reason": "营业执照照片不清楚"})
    assert resp.status_code == 302
    client.post("/logout")

    login(applicant)
    page = client.get(f"/chambers/{chamber.slug}/dashboard").text
    assert "营业执照照片不清楚" in page
    # a rejected business may apply again, and then be approved
    assert client.post(f"/c/{chamber.slug}/apply", data=application()).status_code == 302
    client.post("/logout")
    login(chamber.organizer)
    resp = client.post(f"/chambers/{chamber.slug}/manage/members/{member.id}", data={"decision": "approve", "tier": "nope"}, headers=EN)
    assert resp.status_code == 400 and "Unknown tier" in resp.text
    resp = client.post(f"/chambers/{chamber.slug}/manage/members/{member.id}", data={"decision": "approve", "tier": "growth"})
    assert resp.status_code == 302
    db.expire_all()
    assert db.get(Member, member.id).status == "approved"
    directory = client.get(f"/c/{chamber.slug}/members").text
    assert "杭州小满烘焙" in directory and "138 0000 1111" in directory  # organizers see contacts
    client.post("/logout")
    public = client.get(f"/c/{chamber.slug}/members").text
    assert "杭州小满烘焙" in public and "138 0000 1111" not in public and "badge-verified" in public


def test_wrong_uscc_says_which_character(client, create_chamber, create_user, login, db):
    chamber = create_chamber()
    login(create_user())
    wrong_check = USCC[:17] + ("0" if USCC[17] != "0" else "1")
    resp = client.post(f"/c/{chamber.slug}/apply", data=application(uscc=wrong_check), headers=EN)
    assert resp.status_code == 400
    assert f"should be “{USCC[17]}”" in resp.text
    resp = client.post(f"/c/{chamber.slug}/apply", data=application(uscc=USCC[:17] + "I"), headers=EN)
    assert "Character 18 (“I”) is not allowed" in resp.text
    resp = client.post(f"/c/{chamber.slug}/apply", data=application(uscc="9133"), headers=EN)
    assert "18 characters, not 4" in resp.text
    assert count_rows(db, Member, Member.chamber_id == chamber.id) == 0


def test_field_messages_are_whole_sentences(client, create_chamber, create_user, token_for):
    chamber = create_chamber()
    headers = {**token_for(create_user()), **EN}
    resp = client.post(f"/api/v1/chambers/{chamber.slug}/applications", json={
        "business_name": "x", "uscc": make_uscc("91330106MA0000001"), "contact_name": "c", "phone": "abc123",
        "shop_url": "ftp:/x", "annual_revenue": "1.00"}, headers=headers)
    fields = resp.json["error"]["fields"]
    assert fields == {"phone": "A phone number has digits, spaces, +, - and brackets only.",
                      "shop_url": "Enter a web address starting with http:// or https://."}


def test_suspend_and_reinstate(client, create_chamber, create_member, login, db):
    chamber = create_chamber()
    member = create_member(chamber=chamber)
    login(chamber.organizer)
    url = f"/chambers/{chamber.slug}/manage/members/{member.id}"
    assert client.post(url, data={"decision": "suspend", "reason": "投诉未处理"}).status_code == 302
    db.expire_all()
    assert db.get(Member, member.id).status == "suspended"
    resp = client.post(url, data={"decision": "reject", "reason": "x"}, headers=EN)
    assert resp.status_code == 400 and "cannot be given" in resp.text
    assert client.post(url, data={"decision": "approve"}).status_code == 302  # keeps its tier
    db.expire_all()
    assert db.get(Member, member.id).status == "approved"


def test_api_application_and_decision(client, create_chamber, create_user, token_for, db, app):
    chamber = create_chamber()
    applicant_headers = token_for(create_user())
    org = token_for(chamber.organizer)
    body = application(shop_url="")
    resp = client.post(f"/api/v1/chambers/{chamber.slug}/applications", json=body, headers=applicant_headers)
    assert resp.status_code == 201 and resp.json["status"] == "pending"
    member_id = resp.json["member_id"]
    assert client.post(f"/api/v1/chambers/{chamber.slug}/applications", json=body, headers=applicant_headers).status_code == 409
    bad = client.post(f"/api/v1/chambers/{chamber.slug}/applications",
                      json=application(uscc=USCC[:17] + "Z", annual_revenue=360000), headers={**applicant_headers, **EN})
    assert bad.status_code == 400
    assert set(bad.json["error"]["fields"]) == {"uscc", "annual_revenue"}
    me = client.get("/api/v1/me", headers=applicant_headers).json
    assert me["memberships"] == [{"chamber": chamber.slug, "role": "member", "member_id": member_id, "status": "pending"}]

    url = f"/api/v1/chambers/{chamber.slug}/members/{member_id}/decision"
    assert client.post(url, json={"decision": "approve", "tier": "huge"}, headers=org).status_code == 400
    assert client.post(url, json={"decision": "approve"}, headers=org).json["error"]["fields"] == {"tier": client.post(url, json={"decision": "approve"}, headers=org).json["error"]["fields"]["tier"]}
    assert client.post(url, json={"decision": "approve", "tier": "core"}, headers=applicant_headers).status_code == 404
    resp = client.post(url, json={"decision": "approve", "tier": "core"}, headers=org)
    assert resp.status_code == 200 and resp.json["tier"] == "core"
    me = client.get("/api/v1/me", headers=applicant_headers).json
    assert me["memberships"][0]["role"] == "member" and me["memberships"][0]["status"] == "approved"
    listed = client.get(f"/api/v1/chambers/{chamber.slug}/members").json["items"]
    # no score before the first computation; the size tier is not for the public
    assert listed == [{"member_id": member_id, "business_name": "杭州小满烘焙", "verified": True, "credit_score": None}]
    with app.app_context():  # the credit inputs come from the enabled features
        trust_ops.recompute_credit(db, chamber.id)
    score = trust_queries.current_scores(db, chamber.id)[member_id]["score"]
    listed = client.get(f"/api/v1/chambers/{chamber.slug}/members").json["items"]
    assert listed[0]["credit_score"] == score and isinstance(score, int) and 0 < score <= 100
    org_listed = client.get(f"/api/v1/chambers/{chamber.slug}/members", headers=org).json["items"]
    assert org_listed[0]["tier"] == "core" and org_listed[0]["credit_score"] == score
    assert client.get(f"/api/v1/chambers/{chamber.slug}").json["member_count"] == 1


def test_organizer_list_shows_pending_and_contacts(client, create_chamber, create_member, token_for):
    chamber = create_chamber()
    create_member(chamber=chamber, status="pending", business_name="待审")
    create_member(chamber=chamber, business_name="已审")
    public = client.get(f"/api/v1/chambers/{chamber.slug}/members").json["items"]
    assert [m["business_name"] for m in public] == ["已审"] and "phone" not in public[0]
    org = client.get(f"/api/v1/chambers/{chamber.slug}/members", headers=token_for(chamber.organizer)).json["items"]
    assert {m["business_name"] for m in org} == {"待审", "已审"}
    assert all("phone" in m and "uscc" in m for m in org)


def test_tiers_api_and_page(client, create_chamber, create_member, token_for, login, db):
    chamber = create_chamber()
    create_member(chamber=chamber, tier="core")
    headers = token_for(chamber.organizer)
    url = f"/api/v1/chambers/{chamber.slug}/tiers"
    items = [{"key": "micro", "name": "小微", "weight": "1"}, {"key": "growth", "name": "成长", "weight": "2.5"},
             {"key": "core", "name": "骨干", "weight": "4"}]
    resp = client.put(url, json={"items": items}, headers=headers)
    assert resp.status_code == 200
    assert resp.json["items"][1] == {"key": "growth", "name": "成长", "weight": "2.5"}
    # removing a tier that members hold is refused, and nothing changes
    resp = client.put(url, json={"items": items[:2]}, headers=headers)
    assert resp.status_code == 409
    assert len(client.get(url).json["items"]) == 3
    bad = client.put(url, json={"items": [{"key": "a", "name": "A", "weight": "0"}, {"key": "a", "name": "B", "weight": 2}]}, headers={**headers, **EN})
    assert bad.status_code == 400
    assert "items.0.weight" in bad.json["error"]["fields"] and "items.1.weight" in bad.json["error"]["fields"]
    assert client.put(url, json={"items": []}, headers=headers).status_code == 400
    assert client.put(url, json={"items": items}, headers=token_for(create_member(chamber=chamber).user)).status_code == 404

    login(chamber.organizer)
    page = f"/chambers/{chamber.slug}/manage/tiers"
    assert "成长" in client.get(page).text
    form = {"items-0-key": "micro", "items-0-name": "小微", "items-0-weight": "1", "items-1-key": "growth",
            "items-1-name": "成长", "items-1-weight": "3", "items-2-key": "core", "items-2-name": "骨干", "items-2-weight": "5",
            "items-3-key": "", "items-3-name": "", "items-3-weight": ""}
    assert client.post(page, data=form).status_code == 302
    weights = {t.key: t.weight for t in db.scalars(select(Tier).where(Tier.chamber_id == chamber.id))}
    assert weights["core"] == 5 and weights["growth"] == 3
    resp = client.post(page, data={**form, "items-1-weight": "-1"}, headers=EN)
    assert resp.status_code == 400 and "positive number" in resp.text


def test_tier_errors_are_named_with_dots_and_too_many_tiers_refused(client, create_chamber, token_for, db):
    chamber = create_chamber()
    headers = {**token_for(chamber.organizer), **EN}
    url = f"/api/v1/chambers/{chamber.slug}/tiers"
    resp = client.put(url, json={"items": [{"key": "a", "name": "A", "weight": 2}]}, headers=headers)
    assert resp.json["error"]["fields"] == {"items.0.weight": "Expected a string."}
    resp = client.put(url, json={"items": [{"key": "a", "name": "A", "weight": "1"}, {"key": "a", "name": "B", "weight": "2"}]}, headers=headers)
    assert resp.json["error"]["fields"] == {"items": "Each tier needs its own key."}
    many = [{"key": f"t{i}", "name": f"T{i}", "weight": str(i + 1)} for i in range(25)]
    resp = client.put(url, json={"items": many}, headers=headers)
    assert resp.status_code == 400 and resp.json["error"]["fields"] == {"items": "At most 20 tiers."}
    assert count_rows(db, Tier, Tier.chamber_id == chamber.id) == 3


def test_tiers_page_shows_list_level_errors(client, create_chamber, login):
    chamber = create_chamber()
    login(chamber.organizer)
    resp = client.post(f"/chambers/{chamber.slug}/manage/tiers", data={
        "items-0-key": "a", "items-0-name": "A", "items-0-weight": "1",
        "items-1-key": "a", "items-1-name": "B", "items-1-weight": "2"}, headers=EN)
    assert resp.status_code == 400 and "Each tier needs its own key." in resp.text


def test_tier_rows_are_translated(client, create_chamber, token_for):
    chamber = create_chamber()
    resp = client.put(f"/api/v1/chambers/{chamber.slug}/tiers", json={"items": [{"key": "a", "name": "", "weight": "1"}]},
                      headers={**token_for(chamber.organizer), "Accept-Language": "zh-CN"})
    assert resp.json["error"]["fields"] == {"items.0.name": "该字段是必填字段。"}


def test_make_organizer(client, create_chamber, create_member, token_for, login, db):
    chamber = create_chamber()
    member = create_member(chamber=chamber)
    login(chamber.organizer)
    assert client.post(f"/chambers/{chamber.slug}/manage/members/{member.id}/organizer").status_code == 302
    assert count_rows(db, Organizer, Organizer.chamber_id == chamber.id, Organizer.user_id == member.user_id) == 1
    resp = client.post(f"/api/v1/chambers/{chamber.slug}/organizers", json={"member_id": member.id}, headers=token_for(chamber.organizer))
    assert resp.status_code == 409
    # the new organizer can now manage
    assert client.get(f"/api/v1/chambers/{chamber.slug}/members", headers=token_for(member.user)).json["items"][0].get("phone")


def test_home_lists_the_chambers_and_offers_to_create_one(client, create_chamber):
    """The home page's own content (not just the base template, which every page has): the chambers by
    name with their public pages and regions, and the way to create one."""
    chamber = create_chamber(name="西湖区商会", region="杭州市西湖区")
    resp = client.get("/")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert f'<a href="/c/{chamber.slug}">西湖区商会</a>' in html
    assert "杭州市西湖区" in html
    assert 'data-testid="create-chamber"' in html


def test_public_pages_and_dashboards(client, create_chamber, create_member, login):
    chamber = create_chamber(name="西湖区微商商会")
    member = create_member(chamber=chamber, business_name="龙井茶")
    assert "西湖区微商商会" in client.get(f"/c/{chamber.slug}").text
    assert client.get("/c/nope").status_code == 404
    login(member.user)
    page = client.get(f"/chambers/{chamber.slug}/dashboard")
    assert page.status_code == 200 and "龙井茶" in page.text
    assert client.get(f"/chambers/{chamber.slug}/manage").status_code == 404


def test_refused_tier_save_comes_back_exactly_as_submitted(client, create_chamber, create_member, login, db):
    """Removing a tier members still hold is refused; the rows stay where they were, the message names the tier."""
    chamber = create_chamber()
    create_member(chamber=chamber, tier="micro")
    login(chamber.organizer)
    page = f"/chambers/{chamber.slug}/manage/tiers"
    shown = client.get(page).text
    keys = re.findall(r'<input[^>]*name="items-\d+-key"[^>]*>', shown)  # three tiers and two empty rows
    assert len(keys) == 5 and all('type="hidden"' in k for k in keys), keys  # keys are out of sight
    assert ">Key<" not in shown and ">键<" not in shown
    micro = db.scalar(select(Tier).where(Tier.chamber_id == chamber.id, Tier.key == "micro"))
    form = {"items-0-key": "micro", "items-0-name": "", "items-0-weight": "",  # removed: still held
            "items-1-key": "growth", "items-1-name": "成长", "items-1-weight": "3",
            "items-2-key": "core", "items-2-name": "骨干", "items-2-weight": "5",
            "items-3-key": "", "items-3-name": "", "items-3-weight": ""}
    resp = client.post(page, data=form, headers=EN)
    assert resp.status_code == 400
    assert f"Tier “{micro.name}” still has 1 member;" in text(resp)
    rows = re.findall(r'name="items-(\d+)-(key|name|weight)"[^>]*?value="([^"]*)"', resp.text)
    values = {(i, f): v for i, f, v in rows}
    assert (values[("0", "key")] == "micro" and ("0", "name") not in values) or values[("0", "name")] == ""
    assert (values[("1", "key")], values[("1", "name")], values[("1", "weight")]) == ("growth", "成长", "3")
    assert (values[("2", "key")], values[("2", "name")]) == ("core", "骨干")
    weights = {t.key: t.weight for t in db.scalars(select(Tier).where(Tier.chamber_id == chamber.id))}
    assert weights["growth"] == 2 and "micro" in weights  # nothing changed

    # a new tier gets its key from its name
    form.update({"items-0-name": micro.name, "items-0-weight": "1", "items-3-name": "龙头", "items-3-weight": "8"})
    assert client.post(page, data=form).status_code == 302
    assert db.scalar(select(Tier.weight).where(Tier.chamber_id == chamber.id, Tier.key == "long-tou")) == 8


def test_a_merchant_sets_the_shop_link_and_wechat_id_shoppers_see(client, create_chamber, create_member, login,
                                                                  token_for, db):
    chamber = create_chamber()
    member = create_member(chamber=chamber, business_name="西湖茶铺")
    login(member.user)
    dashboard = client.get(f"/chambers/{chamber.slug}/dashboard").text
    assert f"/chambers/{chamber.slug}/profile?member_id={member.id}" in dashboard
    page = f"/chambers/{chamber.slug}/profile"
    assert "西湖茶铺" in client.get(page).text
    bad = client.post(page, data={"member_id": member.id, "shop_url": "https://shop.example.cn/tea",
                                  "wechat_id": "1tea"}, headers=EN)
    assert bad.status_code == 400 and "starts with a letter" in bad.text
    db.refresh(member)
    assert member.wechat_id == "" and member.shop_url != "https://shop.example.cn/tea"  # nothing half-saved
    ok = client.post(page, data={"member_id": member.id, "shop_url": "https://shop.example.cn/tea",
                                 "wechat_id": "xihu_tea"})
    assert ok.status_code == 302
    db.refresh(member)
    assert (member.shop_url, member.wechat_id) == ("https://shop.example.cn/tea", "xihu_tea")
    # someone else's business is not theirs to edit
    other = create_member(chamber=chamber)
    assert client.get(f"{page}?member_id={other.id}").status_code == 404

    api = f"/api/v1/chambers/{chamber.slug}/profile"
    resp = client.put(api, json={"wechat_id": "xihu-tea-2"}, headers=token_for(member.user))
    assert resp.status_code == 200 and resp.json == {"member_id": member.id, "shop_url": "", "wechat_id": "xihu-tea-2"}
    refused = client.put(api, json={"wechat_id": "x" * 30}, headers={**token_for(member.user), **EN})
    assert refused.status_code == 400 and "wechat_id" in refused.json["error"]["fields"]
    assert client.put(api, json={"wechat_id": "abcdefg"}, headers=token_for(chamber.organizer)).status_code == 403


def test_the_new_chamber_page_suggests_the_common_zones_and_prefills_the_defaults(client, create_user, login):
    """The page's zone suggestions are ChamberForm.common_zones (Tokyo included), not a list of the template's own;
    a new chamber's currency and zone default to chamber.rules.NEW_CHAMBER_CURRENCY/TIMEZONE."""
    from chamber.chambers.forms import COMMON_ZONES, ChamberForm
    from chamber.rules import NEW_CHAMBER_CURRENCY, NEW_CHAMBER_TIMEZONE

    login(create_user())
    page = client.get("/chambers/new", headers=EN).text
    datalist = re.search(r'<datalist id="zones">(.*?)</datalist>', page, re.S)
    assert datalist and re.findall(r'<option value="([^"]+)">', datalist.group(1)) == COMMON_ZONES
    assert "Asia/Tokyo" in COMMON_ZONES
    assert re.search(rf'name="timezone"[^>]*value="{NEW_CHAMBER_TIMEZONE}"', page)
    assert ChamberForm.currency.kwargs["default"] == NEW_CHAMBER_CURRENCY


def test_chamber_kinds_and_ledger_publicity_are_written_once():
    """The CHECKs and the forms' choices follow chamber.models' tuples (and complaints' undecided statuses
    the trust models' one tuple)."""
    from chamber.chambers.forms import KINDS
    from chamber.models import CHAMBER_KINDS, PUBLIC_LEDGER, Chamber
    from chamber.trust.forms import TrustSettingsForm
    from chamber.trust.models import COMPLAINT_STATUSES, UNDECIDED, Complaint

    checks = {c.name: str(c.sqltext) for t in (Chamber.__table__, Complaint.__table__) for c in t.constraints
              if c.__class__.__name__ == "CheckConstraint"}
    assert checks["ck_chambers_kind"] == "kind IN ('regional', 'brand')" and CHAMBER_KINDS == ("regional", "brand")
    assert checks["ck_chambers_public_ledger"] == "public_ledger IN ('off', 'names', 'totals')"
    assert PUBLIC_LEDGER == ("off", "names", "totals")
    assert checks["ck_complaints_decided"] == "(decided_at IS NULL) = (status IN ('submitted', 'responded'))"
    assert UNDECIDED == COMPLAINT_STATUSES[:2] == ("submitted", "responded")
    assert [c.value for c in KINDS] == list(CHAMBER_KINDS)
    assert [c.value for c in TrustSettingsForm.public_ledger.kwargs["choices"]] == list(PUBLIC_LEDGER)
