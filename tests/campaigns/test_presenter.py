"""One presenter of a campaign: every page that shows a campaign renders it from
campaigns.presenters.campaign_data (the public ones from its public part), as the API, the CSVs and
the PDFs do; no template gets the database row.

The walk covers every GET page route of every enabled feature that names a campaign (a `key`), as
an organizer, so a new page is checked as soon as it exists.
"""
from __future__ import annotations

from typing import Any

import pytest
from flask import template_rendered
from sqlalchemy.orm import Session

from campaigns import presenters
from campaigns.models import Campaign


def _rows_in(value: Any, depth: int = 0) -> bool:
    """Whether a template context value is, or holds anywhere inside (dicts, lists, tuples, sets), a Campaign row."""
    if isinstance(value, Campaign):
        return True
    if depth > 6:
        return False
    if isinstance(value, dict):
        return any(_rows_in(v, depth + 1) for v in value.values())
    if isinstance(value, list | tuple | set | frozenset):
        return any(_rows_in(v, depth + 1) for v in value)
    return False


def test_the_check_finds_a_row_however_deep():
    row = Campaign(slug="x")
    assert _rows_in({"items": [{"campaign": row}]}) and _rows_in([(row, 3)]) and not _rows_in({"c": {"slug": "x"}})


def _page_urls(app: Any, params: dict[str, Any], *, campaign_only: bool) -> list[str]:
    """Every GET page (not API) route whose parameters the world fills; campaign_only: those naming a campaign."""
    urls = []
    with app.test_request_context():
        from flask import url_for

        for rule in app.url_map.iter_rules():
            if "GET" not in (rule.methods or ()) or rule.rule.startswith(("/api/", "/static/")):
                continue
            if (campaign_only and "key" not in rule.arguments) or not rule.arguments <= params.keys():
                continue
            urls.append(url_for(rule.endpoint, **{a: params[a] for a in rule.arguments}))
    return urls


def _walk(app: Any, client: Any, urls: list[str]) -> list[tuple[str, str, dict[str, Any]]]:
    """GET each URL; (url, template, context) of every template rendered on the way (hooks included)."""
    seen: list[tuple[str, str, dict[str, Any]]] = []
    current = [""]

    def record(_sender: Any, template: Any, context: dict[str, Any], **_extra: Any) -> None:
        seen.append((current[0], template.name or "", context))

    with template_rendered.connected_to(record, app):
        for url in urls:
            current[0] = url
            resp = client.get(url)
            assert resp.status_code < 500, (url, resp.status_code)
    return seen


@pytest.mark.parametrize("who", ["organizer", "member", "anonymous"])
def test_no_page_gets_a_campaign_row(app, client, login, world, extra_world_params, who):
    """Lists, dashboards, the chamber and merchant pages and every slot they fill: plain data only."""
    params = {**world["params"], **extra_world_params}
    if world["people"][who] is not None:
        login(world["people"][who])
    seen = _walk(app, client, _page_urls(app, params, campaign_only=False))
    assert {"campaigns/index.html", "campaigns/_public_chamber.html"} <= {name for _u, name, _c in seen} or \
        who == "anonymous"
    for url, name, ctx in seen:
        leaked = [key for key, value in ctx.items() if _rows_in(value)]
        assert not leaked, f"{name} ({url}) got a Campaign row in {leaked}"


def test_every_campaign_page_renders_the_presenters_data_not_the_row(app, client, login, world, extra_world_params,
                                                                  db: Session):
    params = {**world["params"], **extra_world_params}
    urls = _page_urls(app, params, campaign_only=True)
    assert len(urls) >= 10  # manage, edit, ledger, settle, payment, expense, the member's page, alliance pages, …
    login(world["people"]["organizer"])
    expected = presenters.campaign_data(db, world["campaign"])
    seen = _walk(app, client, urls)
    pages = [(url, name, ctx) for url, name, ctx in seen if name.endswith(".html")]
    with_campaign = [(url, name, ctx) for url, name, ctx in pages if "campaign" in ctx and ctx["campaign"] is not None]
    assert len({url for url, _n, _c in with_campaign}) >= 8
    for url, name, ctx in pages:
        leaked = [key for key, value in ctx.items() if _rows_in(value)]
        assert not leaked, f"{name} ({url}) got a Campaign row as {leaked}"
    for url, name, ctx in with_campaign:
        shown = ctx["campaign"]
        if url.startswith("/c/"):  # public pages and the flyer: only the public part
            assert shown == presenters.public_campaign_data(db, world["campaign"])
            continue
        # the presenter's data, field for field (the page may have been rendered before a move: compare
        # the fields that no GET changes)
        assert isinstance(shown, dict) and "id" in shown, (url, name, shown)
        for field in ("id", "slug", "title", "budget_minor", "method", "starts_at", "ends_at", "currency"):
            assert shown[field] == expected[field], (url, name, field)


def test_the_public_page_gets_only_the_public_part(app, client, world, db: Session):
    seen: list[dict[str, Any]] = []

    def record(_sender: Any, template: Any, context: dict[str, Any], **_extra: Any) -> None:
        if template.name == "campaigns/public.html":
            seen.append(context)

    with template_rendered.connected_to(record, app):
        resp = client.get(f"/c/{world['chamber'].slug}/{world['campaign'].slug}")
    assert resp.status_code == 200
    (ctx,) = seen
    assert ctx["data"] == presenters.public_campaign_data(db, world["campaign"])
    assert set(ctx["data"]) == set(presenters.PUBLIC_CAMPAIGN_FIELDS)
    assert not {"budget_minor", "id", "min_share_minor", "participant_count"} & set(ctx["data"])
    assert "campaign" not in ctx


def test_public_data_is_a_part_of_the_campaign_data(world, db: Session):
    campaign = world["campaign"]
    full = presenters.campaign_data(db, campaign)
    public = presenters.public_campaign_data(db, campaign)
    assert public == {k: full[k] for k in presenters.PUBLIC_CAMPAIGN_FIELDS} | {"cancel_reason": ""}
    campaign.cancel_reason = "人数不足"
    campaign.status = "cancelled"
    assert presenters.public_campaign_data(db, campaign)["cancel_reason"] == "人数不足"
    campaign.status = "locked"
    assert presenters.public_campaign_data(db, campaign)["cancel_reason"] == ""
    db.rollback()


def test_open_books_show_the_balances_but_not_what_was_written_off():
    from campaigns.rules import ledger_balances

    b = ledger_balances([("pledge", 1, 300_00, None), ("payment", 1, 100_00, None), ("write_off", 1, 50_00, None)])
    full, public = presenters.balances_data(b), presenters.public_balances_data(b)
    assert full["written_off"] == 50_00 and "written_off" not in public
    assert public == {key: full[key] for key in presenters.PUBLIC_BALANCE_FIELDS}
    assert public["pledged"] == 300_00 and public["paid"] == public["available"] == 100_00


def test_campaign_messages_render_the_presenters_data(app, db, create_chamber, create_member, make_campaign):
    """The notifications (opened, locked, cancelled) render the campaign from campaign_data too."""
    from campaigns import operations as ops

    seen: list[tuple[str, dict[str, Any]]] = []

    def record(_sender: Any, template: Any, context: dict[str, Any], **_extra: Any) -> None:
        seen.append((template.name or "", context))

    chamber = create_chamber()
    member = create_member(chamber)
    with app.test_request_context(), template_rendered.connected_to(record, app):
        campaign = make_campaign(chamber)
        ops.transition_campaign(db, campaign, "open", chamber.organizer)
        ops.opt_in(db, campaign, member, offer_headline="全场九折")
        ops.transition_campaign(db, campaign, "locked", chamber.organizer)
        ops.transition_campaign(db, campaign, "cancelled", chamber.organizer, reason="暴雨停业")
        db.flush()
    messages = [(name, ctx) for name, ctx in seen if name.startswith("campaigns/notifications/")]
    assert {name.rsplit("/", 1)[1].split(".")[0] for name, _c in messages} >= {"opened", "locked", "cancelled"}
    for name, ctx in messages:
        assert not [key for key, value in ctx.items() if _rows_in(value)], name
        assert ctx["campaign"]["title"] == campaign.title and ctx["campaign"]["id"] == campaign.id
