"""Conservation: whatever happens on a ledger, paid = spent + refunded + carried to the fen after settling."""
from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from campaigns import operations as ops
from campaigns import presenters, queries
from campaigns.rules import ledger_balances, settlement_amounts
from chamber.errors import Conflict
from tests.campaigns.conftest import NOW

MEMBERS = ("a", "b", "c", "d")

action = st.one_of(
    st.tuples(st.just("pay"), st.sampled_from(MEMBERS), st.integers(1, 10**9)),
    st.tuples(st.just("spend"), st.none(), st.integers(1, 10**9)),
    st.tuples(st.just("reverse"), st.none(), st.integers(0, 10**6)),
)


def _model_run(actions):
    """Apply actions to a list of entries as the operations do: spending and reversing never overdraw."""
    entries = []  # (id, type, member, amount, reverses)
    reversed_ids = set()

    def totals():
        kinds = {e[0]: e[1] for e in entries}
        return ledger_balances((t, m, a, kinds.get(r)) for _i, t, m, a, r in entries)

    for kind, member, amount in actions:
        if kind == "pay":
            entries.append((len(entries), "payment", member, amount, None))
        elif kind == "spend":
            if amount <= totals().available:
                entries.append((len(entries), "expense", None, amount, None))
        else:
            candidates = [e for e in entries if e[1] in ("payment", "expense") and e[0] not in reversed_ids]
            if not candidates:
                continue
            target = candidates[amount % len(candidates)]
            if target[1] == "payment" and target[3] > totals().available:
                continue
            reversed_ids.add(target[0])
            entries.append((len(entries), "reversal", target[2], target[3], target[0]))
    return entries, totals()


@settings(max_examples=200, deadline=None)
@given(st.lists(action, max_size=40), st.sampled_from(["refund", "carry"]))
def test_pure_ledger_conserves_money(actions, mode):
    """Totals counted here from the entries themselves (not through Balances.available, whose definition
    would make the conservation check true by construction)."""
    entries, b = _model_run(actions)
    reversed_ids = {e[4] for e in entries if e[1] == "reversal"}
    live = [e for e in entries if e[1] != "reversal" and e[0] not in reversed_ids]
    paid_in = sum(e[3] for e in live if e[1] == "payment")
    spent = sum(e[3] for e in live if e[1] == "expense")
    by_member: dict[str, int] = {}
    for e in live:
        if e[1] == "payment":
            by_member[e[2]] = by_member.get(e[2], 0) + e[3]
    assert (b.paid, b.spent, b.refunded, b.carried) == (paid_in, spent, 0, 0)
    assert {m: v for m, v in b.member_paid.items() if v} == by_member
    assert paid_in - spent >= 0  # never overdrawn
    refunds, carried = settlement_amounts(mode, paid_in - spent, by_member)
    assert all(0 <= refunds[m] <= by_member[m] for m in refunds)
    assert paid_in == spent + sum(refunds.values()) + carried  # to the fen


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    st.lists(
        st.one_of(
            st.tuples(st.just("pay"), st.integers(0, 2), st.integers(1, 500_00)),
            st.tuples(st.just("spend"), st.none(), st.integers(1, 500_00)),
            st.tuples(st.just("reverse"), st.none(), st.integers(0, 1000)),
        ),
        max_size=15,
    ),
    st.sampled_from(["refund", "carry", "cancel"]),
)
def test_database_ledger_conserves_money_to_the_fen(db, locked_campaign, actions, mode):
    campaign, members = locked_campaign(n=3, budget_minor=999_99)
    org = campaign.organizer
    for kind, who, amount in actions:
        try:
            if kind == "pay":
                ops.record_payment(db, campaign, org, member_id=members[who].id, amount_minor=amount,
                                   method="alipay", paid_on=dt.date(2030, 10, 2))
            elif kind == "spend":
                ops.record_expense(db, campaign, org, payee="p", category="ads", amount_minor=amount)
            else:
                items = [i for i in presenters.ledger_view(db, campaign)["items"] if i["type"] in ("payment", "expense")]
                if items:
                    entry = queries.get_entry(db, campaign, items[amount % len(items)]["id"])
                    ops.reverse_entry(db, campaign, entry, org, reason="r")
        except Conflict:
            pass  # overdrawing or reversing twice is refused; the ledger is unchanged
        assert queries.balances(db, campaign).available >= 0
    if mode == "cancel":
        ops.transition_campaign(db, campaign, "cancelled", org, now=NOW)
    else:
        ops.transition_campaign(db, campaign, "live", org, now=NOW)
        ops.transition_campaign(db, campaign, "ended", org, now=NOW)
        ops.settle_campaign(db, campaign, mode, org, now=NOW)
    view = presenters.ledger_view(db, campaign)
    b = view["balances"]
    assert b["paid"] == b["spent"] + b["refunded"] + b["carried"]
    assert b["available"] == 0
    assert sum(m["refund_minor"] for m in view["members"]) == b["refunded"]
    assert all(m["refund_minor"] <= m["paid_minor"] for m in view["members"])
    if mode == "carry":
        assert b["refunded"] == 0
    else:
        assert b["carried"] == 0
    db.rollback()
