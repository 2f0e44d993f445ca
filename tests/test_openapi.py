"""The OpenAPI document lists every API route and says what the validation accepts: types, required fields,
lengths, patterns, formats, enums, id ranges, nullability — derived from the forms, so it cannot drift from them."""
from __future__ import annotations

import re
from typing import Any

import pytest

from chamber.api import API_PREFIX, API_ROUTES, MAX_ID, form_schema
from chamber.chambers.forms import TIME_ZONES
from chamber.rules import make_uscc


@pytest.fixture
def doc(client: Any) -> dict[str, Any]:
    return client.get("/api/v1/openapi.json").json


def body(doc: dict[str, Any], path: str, method: str = "post") -> dict[str, Any]:
    return doc["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]


def test_openapi_describes_every_api_route(app, client):
    doc = client.get("/api/v1/openapi.json").json
    assert doc["openapi"].startswith("3.1")
    documented = {(path, method.upper()) for path, ops in doc["paths"].items() for method in ops}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(API_PREFIX + "/"):
            continue
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule[len(API_PREFIX):])
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method) in documented, f"{method} {path} missing from openapi.json"
    create = doc["paths"]["/chambers/{slug}/applications"]["post"]
    schema = create["requestBody"]["content"]["application/json"]["schema"]
    assert {"business_name", "uscc", "annual_revenue"} <= set(schema["required"])
    assert schema["properties"]["annual_revenue"]["format"] == "decimal"


def test_application_fields(doc):
    schema = body(doc, "/chambers/{slug}/applications")
    props = schema["properties"]
    assert set(schema["required"]) == {"business_name", "uscc", "contact_name", "phone", "annual_revenue"}
    assert re.fullmatch(props["uscc"]["pattern"][1:-1], make_uscc("91330106MA0000001"))
    assert not re.fullmatch(props["uscc"]["pattern"][1:-1], "91330106MA000000I1")  # I is not in the alphabet
    # what people type: 360000.00, 360,000, 36万 (chamber.rules.parse_amount_words)
    pattern = re.compile(props["annual_revenue"]["pattern"])
    assert all(pattern.fullmatch(v) for v in ("360000.00", "360,000", "36万", "1.2亿", "¥8千元"))
    assert not any(pattern.fullmatch(v) for v in ("３４", "1e3", "-5", "1,20"))
    assert props["annual_revenue"]["format"] == "decimal" and props["annual_revenue"]["maxLength"] == 30
    assert props["phone"] == {"type": "string", "minLength": 5, "maxLength": 32, "pattern": r"^[0-9+\- ()]+$"}
    assert props["shop_url"]["format"] == "uri" and props["business_name"]["minLength"] == 1


def test_chamber_enums_and_time_zones(doc):
    props = body(doc, "/chambers")["properties"]
    assert props["kind"]["enum"] == ["regional", "brand"]
    assert props["currency"]["enum"][0] == "CNY"
    assert props["timezone"]["enum"] == TIME_ZONES
    assert "Asia/Shanghai" in TIME_ZONES and "UTC" in TIME_ZONES
    assert not {"localtime", "Factory", "posixrules", "Etc/GMT+8"} & set(TIME_ZONES)
    assert props["slug"]["pattern"].startswith("^") and props["slug"]["maxLength"] == 40


def test_decision_tier_is_a_string_and_null_is_refused(doc, client, create_chamber, create_member, token_for):
    props = body(doc, "/chambers/{slug}/members/{member_id}/decision")["properties"]
    assert props["decision"]["enum"] == ["approve", "reject", "suspend"]
    assert props["tier"]["type"] == "string"  # not nullable
    chamber = create_chamber()
    member = create_member(chamber, status="pending")
    resp = client.post(f"/api/v1/chambers/{chamber.slug}/members/{member.id}/decision",
                       json={"decision": "approve", "tier": None}, headers={**token_for(chamber.organizer), "Accept-Language": "en"})
    assert resp.status_code == 400 and resp.json["error"]["fields"] == {"tier": "Expected a string."}


def test_campaign_body_is_nested_and_nullable_where_the_api_answers_null(doc, client, create_chamber, token_for):
    schema = body(doc, "/chambers/{slug}/campaigns")
    props = schema["properties"]
    apportionment = props["apportionment"]
    assert apportionment["properties"]["method"]["enum"] == ["tier", "revenue", "equal"]
    assert apportionment["required"] == ["method"] and "apportionment" in schema["required"]
    assert apportionment["properties"]["min_share"]["type"] == ["string", "null"]
    assert apportionment["properties"]["max_share_pct"] == {"type": ["number", "null"], "minimum": 0.0001, "maximum": 100}
    assert props["min_participants"]["type"] == ["integer", "null"]
    assert props["festival"]["enum"][0] == "double11"
    assert props["starts_at"]["pattern"].startswith("^(20[0-9]{2}|2100)-")
    assert props["title"]["type"] == "string" and "method" not in props
    chamber = create_chamber()
    resp = client.post(f"/api/v1/chambers/{chamber.slug}/campaigns", headers=token_for(chamber.organizer), json={
        "slug": "n", "title": "t", "festival": "618", "description": None, "starts_at": "2030-06-10T00:00",
        "ends_at": "2030-06-20T00:00", "optin_deadline": "2030-06-01T00:00", "budget": "100.00",
        "apportionment": {"method": "equal", "min_share": None, "max_share_pct": None}, "min_pooled": None})
    assert resp.status_code == 400 and set(resp.json["error"]["fields"]) == {"description"}  # not nullable
    resp = client.post(f"/api/v1/chambers/{chamber.slug}/campaigns", headers=token_for(chamber.organizer), json={
        "slug": "n", "title": "t", "festival": "618", "starts_at": "2030-06-10T00:00", "ends_at": "2030-06-20T00:00",
        "optin_deadline": "2030-06-01T00:00", "budget": "100.00", "apportionment": {"method": "bogus"}})
    assert resp.status_code == 400 and set(resp.json["error"]["fields"]) == {"apportionment.method"}


def test_enums_for_moves_modes_and_methods(doc):
    key = "/chambers/{slug}/campaigns/{key}"
    transition = body(doc, key + "/transitions")["properties"]
    assert transition["to"]["enum"] == ["open", "locked", "live", "ended", "settled", "cancelled"]
    assert transition["mode"]["enum"] == ["refund", "carry"]
    assert body(doc, key + "/settlement")["properties"]["mode"]["enum"] == ["refund", "carry"]
    payment = body(doc, key + "/payments")["properties"]
    assert payment["method"]["enum"] == ["wechat_pay", "alipay", "bank_transfer", "cash"]
    assert payment["paid_on"]["format"] == "date"
    assert payment["member_id"] == {"type": "integer", "minimum": 1, "maximum": MAX_ID}
    expense = doc["paths"][key + "/expenses"]["post"]["requestBody"]["content"]
    assert expense["multipart/form-data"]["schema"]["properties"]["receipt"]["format"] == "binary"
    assert "receipt" not in expense["application/json"]["schema"]["properties"]


def test_tiers_count_and_weights(doc):
    items = body(doc, "/chambers/{slug}/tiers", "put")["properties"]["items"]
    assert (items["minItems"], items["maxItems"]) == (1, 20)
    assert items["items"]["properties"]["weight"]["pattern"] == r"^[0-9]{1,6}(\.[0-9]{1,4})?$"


def test_ids_in_paths_fit_the_database(doc):
    for path, operations in doc["paths"].items():
        for op in operations.values():
            for param in op["parameters"]:
                if param["name"].endswith("_id"):
                    assert param["schema"] == {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}, path


def test_every_operation_lists_its_statuses_and_errors_have_the_contract_shape(doc):
    error = doc["components"]["schemas"]["Error"]
    assert error["properties"]["error"]["required"] == ["code", "message"]
    for path, operations in doc["paths"].items():
        for method, op in operations.items():
            statuses = set(op["responses"])
            assert "default" not in statuses and "400" in statuses, (method, path)
            assert "401" in statuses or op["x-roles"] == "public", (method, path)
            for status, response in op["responses"].items():
                if int(status) >= 400:
                    assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}


def test_every_form_field_of_the_api_is_described():
    for route in API_ROUTES:
        if route.form is None:
            continue
        for name, prop in form_schema(route.form)["properties"].items():
            assert "type" in prop, (route.path, name)
