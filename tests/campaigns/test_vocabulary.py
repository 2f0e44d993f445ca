"""One vocabulary: the campaign statuses, payment methods and upload limit are written once (rules.py);
the database's CHECKs, the forms' choices and the words on the pages follow from them, and forms get
the chamber's currency and time zone from the view, never a default."""
from __future__ import annotations

import ast
import datetime as dt
import re
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from wtforms.validators import AnyOf

from campaigns import errors, labels, rules
from campaigns.announcements import operations as announcement_ops
from campaigns.announcements import rules as announcement_rules
from campaigns.errors import campaign_rule_message
from campaigns.forms import (
    TARGETS,
    CampaignForm,
    CollectionForm,
    ExpenseForm,
    PaymentForm,
    SettlementForm,
    TransitionForm,
)
from campaigns.models import (
    ENTRY_TYPES,
    MAX_OFFER_IMAGE,
    MAX_QR,
    QR_TYPES,
    Campaign,
    CollectionDetails,
    LedgerEntry,
    OfferImage,
    Receipt,
)
from chamber.config import MAX_UPLOAD
from chamber.rules import MAX_PICTURE_BYTES, MAX_UPLOAD_BYTES, RuleError, megabytes
from pricing_alliance.models import MAX_IMAGE as MAX_PRODUCT_IMAGE


@pytest.fixture
def doc_paths(client) -> dict:
    return client.get("/api/v1/openapi.json").json["paths"]


def _checks(table) -> dict[str, str]:
    return {c.name: str(c.sqltext) for c in table.constraints if c.__class__.__name__ == "CheckConstraint"}


def test_the_status_check_and_the_words_follow_the_one_list():
    check = _checks(Campaign.__table__)["ck_campaigns_status"]
    assert check == "status IN (" + ", ".join(f"'{s}'" for s in rules.CAMPAIGN_STATUSES) + ")"
    assert [c.value for c in TARGETS] == list(rules.MOVE_TARGETS) == [
        "open", "locked", "live", "ended", "settled", "cancelled"]


def test_status_words_cover_every_status(app):
    with app.test_request_context():
        assert list(labels.statuses()) == list(rules.CAMPAIGN_STATUSES)
        assert list(labels.moves()) == list(rules.MOVE_TARGETS)


@pytest.mark.parametrize("locale", ["en", "zh_CN"])
def test_badges_and_sentences_read_one_table_of_status_words(app, locale):
    """A status has its words in one place (errors.STATUS_WORDS): the badge and the sentence forms differ
    ("Opt-in open" / "The campaign is now open.") but are written side by side, for every status."""
    with app.test_request_context(headers={"Accept-Language": locale}):
        assert list(errors.STATUS_WORDS) == list(rules.CAMPAIGN_STATUSES)
        assert labels.statuses() == {s: str(w.label) for s, w in errors.STATUS_WORDS.items()}
        assert {s: errors.status_name(s) for s in rules.CAMPAIGN_STATUSES} == {
            s: str(w.in_sentence) for s, w in errors.STATUS_WORDS.items()}
        assert labels.statuses()["open"] == ("Opt-in open" if locale == "en" else "报名中")
        assert errors.status_name("draft") == ("a draft" if locale == "en" else "草稿")
        assert list(announcement_ops.STATUS_WORDS) == list(announcement_rules.STATUSES)
        assert announcement_ops.status_label("sending") == ("sending" if locale == "en" else "发送中")
        assert announcement_ops.status_name("sending") == ("being sent" if locale == "en" else "正在发送")


def test_no_template_or_module_spells_the_status_words_again():
    """The tables above are the only lists of status words: no template or view writes its own dict (the
    move buttons, "Lock the shares", are verbs of their own: labels.moves())."""
    root = Path(__file__).resolve().parents[2]
    spelled = re.compile(r"""['"](draft|scheduled)['"]\s*:\s*_l?\(""")
    found = [str(p.relative_to(root)) for folder in ("templates", "campaigns", "pricing_alliance", "chamber")
             for p in (root / folder).rglob("*") if p.suffix in (".html", ".py", ".txt") and spelled.search(p.read_text())]
    assert found == []


def test_payment_methods_check_and_choices_follow_the_one_list():
    check = _checks(LedgerEntry.__table__)["ck_ledger_entries_payment_fields"]
    assert "method IN (" + ", ".join(f"'{m}'" for m in rules.PAYMENT_METHODS) + ")" in check
    assert [c.value for c in PaymentForm.method.kwargs["choices"]] == list(rules.PAYMENT_METHODS)


def test_one_upload_limit():
    assert MAX_UPLOAD == rules.MAX_RECEIPT_BYTES == MAX_UPLOAD_BYTES == 5 * 1024 * 1024
    assert f"size <= {MAX_UPLOAD_BYTES}" in _checks(Receipt.__table__)["ck_receipts_size"]


def test_one_picture_limit():
    assert MAX_QR == MAX_OFFER_IMAGE == MAX_PRODUCT_IMAGE == MAX_PICTURE_BYTES == 2 * 1024 * 1024
    assert f"<= {MAX_PICTURE_BYTES}" in _checks(OfferImage.__table__)["ck_offer_images_size"]


def test_sizes_are_written_from_the_limits():
    assert megabytes(MAX_UPLOAD_BYTES) == "5 MB"
    assert megabytes(MAX_PICTURE_BYTES) == "2 MB"
    assert megabytes(1536 * 1024) == "1.5 MB"


@pytest.mark.parametrize("locale", ["en", "zh_CN"])
def test_labels_and_messages_name_the_limit_in_force(app, monkeypatch, locale):
    """The limits are written once: the words on the forms and in the refusals follow them."""
    with app.test_request_context(headers={"Accept-Language": locale}):
        assert "5 MB" in str(ExpenseForm.receipt.args[0])
        assert "2 MB" in str(CollectionForm.qr.args[0])
    with app.test_request_context(headers={"Accept-Language": locale}):
        with pytest.raises(RuleError) as refused:
            rules.sniff_receipt(b"%PDF-", MAX_UPLOAD_BYTES + 1)
        assert "5 MB" in campaign_rule_message(refused.value, "CNY")


def test_no_message_spells_a_size_limit():
    """A size in a message or label comes from the limit (chamber.rules.megabytes), never typed in."""
    root = Path(__file__).resolve().parents[2]
    typed = re.compile(r"""(?:\b_l?|N_)\(\s*["'][^"']*\d ?MB""")
    found = [str(p.relative_to(root)) for folder in ("templates", "campaigns", "pricing_alliance", "chamber")
             for p in (root / folder).rglob("*") if p.suffix in (".html", ".py") and typed.search(p.read_text())]
    assert found == []


def test_shares_preview_is_draft_and_open_only():
    assert [s for s in rules.CAMPAIGN_STATUSES if Campaign(status=s).shares_preview] == ["draft", "open"]


def _payment_data(**overrides: str) -> MultiDict:
    return MultiDict({"member_id": "1", "amount": "100", "method": "cash", "paid_on": "2026-01-02", **overrides})


def test_a_form_without_the_chambers_currency_refuses_to_guess(app):
    with app.test_request_context():
        form = PaymentForm(formdata=_payment_data(), meta={"csrf": False}, timezone="Asia/Tokyo")
        with pytest.raises(TypeError, match="currency"):
            form.validate()


def test_a_form_without_the_chambers_time_zone_refuses_to_guess(app):
    with app.test_request_context():
        form = PaymentForm(formdata=_payment_data(), meta={"csrf": False}, currency="CNY")
        with pytest.raises(TypeError, match="timezone"):
            form.validate()


def test_the_forms_use_the_chambers_currency_and_zone(app):
    with app.test_request_context():
        yen = PaymentForm(formdata=_payment_data(), meta={"csrf": False}, currency="JPY", timezone="Asia/Tokyo")
        assert yen.validate(), yen.errors
        assert yen.amount.minor == 100  # yen have no minor digits: 100 yen, not 10000
        yuan = PaymentForm(formdata=_payment_data(), meta={"csrf": False}, currency="CNY", timezone="Asia/Tokyo")
        assert yuan.validate() and yuan.amount.minor == 10000

        data = MultiDict({"slug": "x", "title": "X", "festival": "custom", "method": "equal", "budget": "10",
                          "starts_at": "2030-05-01T10:00", "ends_at": "2030-05-02T10:00",
                          "optin_deadline": "2030-04-30T10:00"})
        tokyo = CampaignForm(formdata=data, meta={"csrf": False}, currency="JPY", timezone="Asia/Tokyo")
        assert tokyo.validate(), tokyo.errors
        assert tokyo.starts_at.utc == dt.datetime(2030, 5, 1, 1, 0, tzinfo=dt.UTC)


def _literals(words: frozenset[str], *, skip: tuple[str, ...] = (), named: tuple[str, ...] = ()) -> list[str]:
    """Where a tuple, list or set of two or more of these words (and nothing else) is written in the Python of
    campaigns/, chamber/ and bench/, outside the migrations (they keep the history), the files in skip and the
    module constants in named: "file:line"."""
    root = Path(__file__).resolve().parents[2]
    found = []
    for folder in ("campaigns", "chamber", "bench"):
        for path in sorted((root / folder).rglob("*.py")):
            name = str(path.relative_to(root))
            if "migrations" in path.parts or name in skip:
                continue
            module = ast.parse(path.read_text())
            allowed = {id(node.value) for node in module.body if isinstance(node, ast.Assign)
                       and any(isinstance(t, ast.Name) and t.id in named for t in node.targets)}
            for node in ast.walk(module):
                if not isinstance(node, (ast.Tuple, ast.List, ast.Set)) or id(node) in allowed:
                    continue
                values = [e.value if isinstance(e, ast.Constant) else None for e in node.elts]
                if len(set(values)) >= 2 and all(v in words for v in values):
                    found.append(f"{name}:{node.lineno}")
    return found


def test_settlement_modes_are_written_once():
    """rules.SETTLEMENT_MODES: the CHECK, the settlement page's choices, the API's check of "mode" and the
    operation's refusal follow it; no other list of the modes exists."""
    check = _checks(Campaign.__table__)["ck_campaigns_settlement_mode"]
    assert check == "settlement_mode IS NULL OR settlement_mode IN ('refund', 'carry')"  # the migration's text
    assert check.endswith("IN (" + ", ".join(f"'{m}'" for m in rules.SETTLEMENT_MODES) + ")")
    assert [c.value for c in SettlementForm.mode.kwargs["choices"]] == list(rules.SETTLEMENT_MODES)
    assert SettlementForm.mode.kwargs["default"] == rules.DEFAULT_SETTLEMENT_MODE in rules.SETTLEMENT_MODES
    [any_of] = [v for v in TransitionForm.mode.kwargs["validators"] if isinstance(v, AnyOf)]
    assert any_of.values is rules.SETTLEMENT_MODES
    assert _literals(frozenset(rules.SETTLEMENT_MODES), skip=("campaigns/rules.py",)) == []


def test_an_unknown_settlement_mode_is_refused_by_the_rule():
    with pytest.raises(ValueError, match="unknown settlement mode"):
        rules.settlement_amounts("donate", 100, {"a": 100})
    assert rules.settlement_amounts("carry", 100, {"a": 100}) == ({}, 100)
    assert rules.settlement_amounts("refund", 100, {"a": 100}) == ({"a": 100}, 0)


@pytest.mark.parametrize(("table", "column", "codes", "choices", "words", "words_of"), [
    (Campaign, "festival", rules.FESTIVALS, CampaignForm.festival, labels.FESTIVAL_WORDS, labels.festivals),
    (Campaign, "method", rules.SHARE_METHODS, CampaignForm.method, labels.SHARE_METHOD_WORDS, labels.methods),
    (CollectionDetails, "qr_kind", rules.QR_KINDS, CollectionForm.qr_kind, labels.PAYMENT_WORDS, labels.qr_kinds),
    (LedgerEntry, "method", rules.PAYMENT_METHODS, PaymentForm.method, labels.PAYMENT_WORDS, labels.payment_methods),
], ids=["festivals", "share methods", "QR kinds", "payment methods"])
def test_codes_are_written_once_and_named_once(app, table, column, codes, choices, words, words_of):
    """Festivals, share methods, QR kinds and payment methods: one tuple in rules.py gives the CHECK and the
    form's choices, one dict in labels.py the words of the choices and of the pages."""
    in_list = f"{column} IN (" + ", ".join(f"'{c}'" for c in codes) + ")"
    assert any(in_list in check for check in _checks(table.__table__).values()), in_list
    assert [c.value for c in choices.kwargs["choices"]] == list(codes)
    assert all(c.label is words[c.value] for c in choices.kwargs["choices"])  # the same words, not a copy
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert words_of() == {code: str(words[code]) for code in codes}


def test_a_qr_code_is_for_a_payment_method_and_named_like_it(app):
    assert set(rules.QR_KINDS) <= set(rules.PAYMENT_METHODS)
    with app.test_request_context(headers={"Accept-Language": "zh_CN"}):
        assert labels.qr_kinds() == {"wechat_pay": "微信支付", "alipay": "支付宝"}
        assert labels.qr_kinds() == {k: labels.payment_methods()[k] for k in rules.QR_KINDS}


@pytest.mark.parametrize("codes", [rules.FESTIVALS, rules.SHARE_METHODS, rules.PAYMENT_METHODS],
                         ids=["festivals", "share methods", "payment methods"])
def test_no_second_list_of_the_codes(codes):
    assert _literals(frozenset(codes), skip=("campaigns/rules.py",)) == []


@pytest.mark.parametrize("words", [labels.FESTIVAL_WORDS, labels.SHARE_METHOD_WORDS, labels.PAYMENT_WORDS],
                         ids=["festivals", "share methods", "payment methods"])
def test_the_words_of_the_codes_are_written_once(words):
    """ "WeChat Pay", "By size tier", "Double 11 (双十一)": marked for translation in labels.py only."""
    root = Path(__file__).resolve().parents[2]
    sources = {str(p.relative_to(root)): p.read_text() for folder in ("templates", "campaigns", "chamber")
               for p in (root / folder).rglob("*") if p.suffix in (".html", ".py", ".txt")}
    for code, word in words.items():
        if code == "custom":
            continue  # "Other" also names the expense category "other"
        marked = re.compile(r"""\b(?:_l?|N_|gettext|lazy_gettext)\(\s*(['"])""" + re.escape(word._args[0]) + r"\1")
        assert [name for name, text in sources.items() if marked.search(text)] == ["campaigns/labels.py"], word


def test_a_set_of_statuses_is_named_in_the_rules():
    """Which statuses keep the ledger open, owe, are finished, frozen, upcoming…: named sets in rules.py
    (test_lifecycle_rules pins them). No module lists statuses again, and no template tests a status against
    a list of its own (campaign.ledger_open, campaign.shares_preview). The organizer's moves that ask first
    (controllers.CONFIRMED_MOVES) are a page's choice of buttons, not a set of statuses."""
    statuses = frozenset(rules.CAMPAIGN_STATUSES)
    assert _literals(statuses, skip=("campaigns/rules.py",), named=("CONFIRMED_MOVES",)) == []
    root = Path(__file__).resolve().parents[2]
    tested = re.compile(r"""status\s+(?:not\s+)?in\s*[(\[]([^)\]]*)[)\]]""")
    found = [f"{p.relative_to(root)}: {m.group(0)}" for p in sorted((root / "templates").rglob("*"))
             if p.suffix in (".html", ".txt") for m in tested.finditer(p.read_text())
             if set(re.findall(r"""['"]([^'"]*)['"]""", m.group(1))) <= statuses]
    assert found == []


@pytest.mark.parametrize("status", rules.CAMPAIGN_STATUSES)
def test_a_campaign_says_whether_its_ledger_is_open(status):
    assert Campaign(status=status).ledger_open == (status in rules.LEDGER_OPEN)
    assert Campaign(status=status).shares_preview == (status in rules.SHARES_PREVIEW)


def test_times_and_money_are_never_shown_in_a_default_zone_or_currency():
    """local_time, date_range, zone_name and |money take the chamber's zone or currency, always: none has a
    default (Beijing time, yuan) to fall back on, and no template leaves it out."""
    import inspect

    from chamber.i18n import date_range, local_time, zone_name
    from chamber.web import money_filter

    for function, name in ((local_time, "timezone"), (date_range, "timezone"), (zone_name, "timezone"),
                           (money_filter, "currency")):
        assert inspect.signature(function).parameters[name].default is inspect.Parameter.empty, function
    root = Path(__file__).resolve().parents[2]
    bare = re.compile(r"\|\s*(?:local_time|money)\b(?!\s*\()|\|\s*local_time\(\s*fmt\s*=|zone_name\(\s*\)"
                      r"|date_range\(\s*[^,()]+,\s*[^,()]+\)")
    found = [f"{p.relative_to(root)}: {m.group(0)}" for p in sorted((root / "templates").rglob("*"))
             if p.suffix in (".html", ".txt") for m in bare.finditer(p.read_text())]
    assert found == []


def test_the_largest_quantity_is_written_once():
    """pricing_alliance.models.MAX_QUANTITY: the CHECK, the forms and set_demand follow it, no module types it."""
    root = Path(__file__).resolve().parents[2]
    typed = re.compile(r"\b1_?000_?000\b")
    found = [str(p.relative_to(root)) for p in sorted((root / "pricing_alliance").rglob("*.py"))
             if "migrations" not in p.parts and typed.search(p.read_text())]
    assert found == ["pricing_alliance/models.py"]


def test_the_file_types_of_receipts_and_qr_codes_are_written_once(doc_paths):
    """rules.RECEIPT_FORMATS gives the receipts' CHECK, what sniff_receipt recognizes, the name a receipt is
    served under and what the API says it serves; models.QR_TYPES the same for the collection QR code."""
    assert rules.RECEIPT_TYPES == tuple(rules.RECEIPT_FORMATS) == ("application/pdf", "image/jpeg", "image/png")
    assert _checks(Receipt.__table__)["ck_receipts_content_type"] == (
        "content_type IN (" + ", ".join(f"'{t}'" for t in rules.RECEIPT_TYPES) + ")")
    for content_type, (magic, extension) in rules.RECEIPT_FORMATS.items():
        assert rules.sniff_receipt(magic + b"...", 8) == content_type
        assert rules.receipt_filename(7, content_type) == f"receipt-7.{extension}"
    assert [rules.receipt_filename(1, t) for t in rules.RECEIPT_TYPES] == [
        "receipt-1.pdf", "receipt-1.jpg", "receipt-1.png"]
    key = "/chambers/{slug}/campaigns/{key}"
    receipt = doc_paths[key + "/receipts/{receipt_id}"]["get"]["responses"]["200"]["content"]
    assert set(receipt) == set(rules.RECEIPT_TYPES)
    qr = doc_paths["/chambers/{slug}/collection/qr"]["get"]["responses"]["200"]["content"]
    assert set(qr) == set(QR_TYPES)
    words = frozenset(rules.RECEIPT_TYPES) | frozenset(QR_TYPES)
    assert _literals(words, named=("QR_TYPES",)) == []


def test_the_slug_length_is_written_once(app):
    """chamber.rules.MAX_SLUG: the slug columns, the slug rule and its message, the forms that take a slug
    and every lookup by slug follow it; no module types 40 for a slug again, and none cuts a key to fit (a
    key longer than a slug finds nothing, tests/campaigns/test_loading.py)."""
    from chamber import slugs
    from chamber.models import Chamber, Tier
    from chamber.rules import MAX_SLUG, SLUG_RE, check_slug

    assert slugs.MAX_SLUG is MAX_SLUG
    for column in (Chamber.__table__.c.slug, Tier.__table__.c.key, Campaign.__table__.c.slug):
        assert column.type.length == MAX_SLUG, column
    assert SLUG_RE.fullmatch("a" * MAX_SLUG) and not SLUG_RE.fullmatch("a" * (MAX_SLUG + 1))
    with app.test_request_context(headers={"Accept-Language": "en"}), pytest.raises(RuleError) as refused:
        check_slug("a" * (MAX_SLUG + 1))
    assert campaign_rule_message(refused.value, "CNY") == (
        f"Use 1–{MAX_SLUG} lowercase letters, digits and hyphens (not at the start or end).")
    root = Path(__file__).resolve().parents[2]
    typed = re.compile(r"(?i)^(?!MAX_SLUG = 40$)(?=.*(?:slug|campaign|\bkey\b|tier)).*(?<!~)\b40\b")
    found = [f"{p.relative_to(root)}:{n}" for folder in ("campaigns", "chamber", "pricing_alliance")
             for p in sorted((root / folder).rglob("*.py")) if "migrations" not in p.parts
             for n, line in enumerate(p.read_text().splitlines(), 1) if typed.search(line)]
    assert found == []


@pytest.mark.parametrize("status", rules.CAMPAIGN_STATUSES)
def test_a_campaign_says_whether_it_was_cancelled(db, world, status):
    """Campaign.cancelled, in Python and in a query: the one place that works out "cancelled" from the status."""
    assert Campaign(status=status).cancelled == (status == "cancelled")
    campaign = world["campaign"]
    campaign.status = status
    db.flush()
    assert db.scalar(select(Campaign.id).where(Campaign.id == campaign.id, Campaign.cancelled)) == (
        campaign.id if status == "cancelled" else None)
    assert db.scalar(select(Campaign.id).where(Campaign.id == campaign.id, ~Campaign.cancelled)) == (
        None if status == "cancelled" else campaign.id)
    db.rollback()


def test_no_module_works_out_cancelled_from_the_status_again():
    """Whether a campaign is cancelled is Campaign.cancelled; an announcement's own "cancelled" status and
    the move to cancel (to == "cancelled") are other things."""
    root = Path(__file__).resolve().parents[2]
    tested = re.compile(r"""(?<!announcement)(?<!task)\.status\s*[!=]=\s*["']cancelled["']"""
                        r"""|\[["']status["']\]\s*[!=]=\s*["']cancelled["']|(?<!\.)\bstatus\s*[!=]=\s*["']cancelled["']""")
    found = [f"{p.relative_to(root)}:{n}" for folder in ("campaigns", "chamber", "pricing_alliance")
             for p in sorted((root / folder).rglob("*.py")) if "migrations" not in p.parts
             for n, line in enumerate(p.read_text().splitlines(), 1) if tested.search(line)]
    assert found == ["campaigns/models.py:" + str(_line_of("campaigns/models.py", 'return self.status == "cancelled"'))]


def _line_of(name: str, text: str) -> int:
    root = Path(__file__).resolve().parents[2]
    [n] = [n for n, line in enumerate((root / name).read_text().splitlines(), 1) if text in line]
    return n


def test_entry_types_are_written_once():
    """models.ENTRY_TYPES are the entries; rules names the ones that move money (MONEY_DIRECTIONS: the open
    books list them, entry_direction reads them) and the ones a reversal may cancel (REVERSIBLE); no other
    module lists entry types again."""
    assert set(rules.MONEY_DIRECTIONS) | set(rules.REVERSIBLE) <= set(ENTRY_TYPES)
    assert {t: rules.entry_direction(t) for t in ENTRY_TYPES} == {
        "pledge": None, "payment": "in", "expense": "out", "refund": "out", "reversal": None,
        "carry_to_fund": "out", "write_off": None}
    assert _literals(frozenset(ENTRY_TYPES), skip=("campaigns/rules.py",), named=("ENTRY_TYPES",)) == []
