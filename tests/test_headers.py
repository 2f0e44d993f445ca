"""Security headers: a strict Content-Security-Policy on every page, private documents never cached,
and templates that a strict policy cannot break (no inline script, handler or style)."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from chamber.hardening import CONTENT_SECURITY_POLICY
from tests.conftest import PASSWORD
from tests.test_tenant_isolation import url_for_rule

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

#: what a strict policy blocks: inline <script> (one without src), on*="" handlers, style="" and
#: <style> elements, javascript: URLs
INLINE = {
    "inline <script>": re.compile(r"<script\b(?![^>]*\bsrc\s*=)[^>]*>", re.I),
    "on* handler attribute": re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I | re.S),
    "style attribute": re.compile(r"<[a-z][^>]*\sstyle\s*=", re.I | re.S),
    "<style> element": re.compile(r"<style\b", re.I),
    "javascript: URL": re.compile(r"javascript:", re.I),
}


def test_templates_have_no_inline_script_handlers_or_styles():
    files = sorted(TEMPLATES.rglob("*.html"))
    assert len(files) > 20
    found = [f"{path.relative_to(TEMPLATES)}: {what}" for path in files for what, pattern in INLINE.items()
             if pattern.search(path.read_text())]
    assert found == [], "move these into static/js/*.js or static/css/chamber.css"


def test_the_inline_scan_finds_what_it_looks_for():
    for sample in ('<script>alert(1)</script>', '<a href="#" onclick="x()">', '<p class="a" style="color:red">',
                   "<style>p{}</style>", '<a href="javascript:x()">'):
        assert any(p.search(sample) for p in INLINE.values()), sample
    assert not any(p.search('<script src="/static/js/x.js" defer></script>') for p in INLINE.values())


def test_the_policy_is_strict():
    directives = dict(d.split(" ", 1) for d in CONTENT_SECURITY_POLICY.split("; "))
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
    assert "unsafe" not in CONTENT_SECURITY_POLICY


def _check_html_headers(resp: Any, where: str) -> None:
    assert resp.headers.get("Content-Security-Policy") == CONTENT_SECURITY_POLICY, where
    assert resp.headers.get("X-Content-Type-Options") == "nosniff", where
    assert resp.headers.get("Referrer-Policy") == "same-origin", where


def test_every_page_carries_the_policy(app, world, extra_world_params):
    """Every GET page of the app as the chamber's organizer, plus error pages for a visitor."""
    client = app.test_client()
    organizer = world["people"]["organizer"]
    assert client.post("/login", data={"email": organizer.email, "password": PASSWORD}).status_code == 302
    params = {**world["params"], **extra_world_params}
    pages = 0
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/") or rule.endpoint == "static" or "GET" not in (rule.methods or set()):
            continue
        resp = client.get(url_for_rule(rule, params))
        if resp.mimetype == "text/html":
            _check_html_headers(resp, rule.rule)
            pages += 1
        resp.close()
    assert pages > 15
    visitor = app.test_client()
    for url in ("/", "/login", "/c/nowhere", "/chambers/nowhere/manage"):
        resp = visitor.get(url, follow_redirects=True)
        assert resp.mimetype == "text/html"
        _check_html_headers(resp, url)
    resp = visitor.post("/login", data={"email": "x", "password": ""})
    assert resp.status_code == 400
    _check_html_headers(resp, "POST /login")


def test_api_and_static_answers_say_nosniff(client):
    for url in ("/api/v1/openapi.json", "/api/v1/me", "/static/css/chamber.css"):
        resp = client.get(url)
        assert resp.headers["X-Content-Type-Options"] == "nosniff" and resp.headers["Referrer-Policy"], url
        resp.close()


PRIVATE = ["campaigns.receipt", "campaigns.api_get_receipt", "campaigns.statement_pdf", "campaigns.api_statement_pdf",
           "campaigns.report_pdf", "campaigns.api_report_pdf", "campaigns.shares_csv", "campaigns.api_shares_csv",
           "campaigns.ledger_csv", "campaigns.api_ledger_csv"]


#: downloads meant for the public (the printable flyer, catalogue images), cacheable by design
PUBLIC_DOWNLOADS = {"campaigns.flyer", "campaigns.share_image", "campaigns.offer_image", "pricing_alliance.product_image",
                    "pricing_alliance.api_product_image",
                    # feeds and calendars that readers and calendar apps subscribe to
                    "announcements.chamber_feed", "announcements.campaign_feed", "announcements.chamber_calendar",
                    "announcements.campaign_calendar"}


def test_documents_are_private(app, world, token_for, extra_world_params):
    """Receipts, statements, the report and the CSVs — and any other download a route answers with."""
    client = app.test_client()
    organizer = world["people"]["organizer"]
    assert client.post("/login", data={"email": organizer.email, "password": PASSWORD}).status_code == 302
    headers = token_for(organizer)
    params = {**world["params"], **extra_world_params}
    seen = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or "GET" not in (rule.methods or set()):
            continue
        resp = client.get(url_for_rule(rule, params), headers=headers if rule.rule.startswith("/api/") else {})
        if resp.status_code == 200 and resp.mimetype not in ("text/html", "application/json"):
            if rule.endpoint in PUBLIC_DOWNLOADS:  # made for shoppers: revalidated by the page cache, not no-store
                assert "no-store" not in resp.headers.get("Cache-Control", "no-store"), rule.endpoint
                resp.close()
                continue
            assert resp.headers.get("Cache-Control") == "private, no-store", rule.endpoint
            seen.add(rule.endpoint)
            if resp.mimetype == "application/pdf":  # WeasyPrint still renders under the new headers
                assert resp.data.startswith(b"%PDF")
        resp.close()
    assert seen >= set(PRIVATE)


@pytest.mark.parametrize("url", ["/", "/login"])
def test_pages_may_not_be_framed(client, url):
    resp = client.get(url)
    assert "frame-ancestors 'none'" in resp.headers["Content-Security-Policy"]
    assert resp.headers["X-Frame-Options"] == "DENY"
