"""Pure decision math for pooled campaign budgets (no Flask, no database).

All money is integer minor units (fen).  Shares are computed with exact
integer arithmetic over a common denominator, never with floats, and then
rounded with the largest-remainder method so that they always add up to the
budget exactly.

Apportioning
------------
Member i's exact share is ``clamp(lam * w_i, floor, cap)`` for the single
``lam`` that makes the shares add up to the budget.  That is the fixed point of
water-filling: members pinned at a bound keep it and the remainder is spread
over the free members in proportion to weight, until stable.  Members with the
smallest weights are the ones that sit on the floor and members with the
largest weights the ones that sit on the cap, so ``lam`` is found by binary
search over the bound breakpoints of the sorted weights (O(n log n) in all).

Rounding
--------
Everyone gets the floor of the exact share; the minor units still missing go,
one each, to the largest remainders, ties going to the larger weight and then
to the smaller member id.  Bounds are whole minor units and every exact share
lies within them, so rounding down or up never breaks a bound.

Errors
------
``RuleError`` is the app's one rule error (chamber.rules); this module registers its
templates (MESSAGES) and raises ``RuleError(code, **params)``.  ``RuleError.message`` is an
English template marked with ``N_`` for later extraction; callers translate ``err.message``
and then interpolate ``err.params`` (raw integers in minor units; format money before
interpolating if needed).
"""

from __future__ import annotations

import datetime as dt
import math
from bisect import bisect_left, bisect_right
from collections.abc import Hashable, Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any, TypeVar

from chamber.rules import MAX_UPLOAD_BYTES, RuleError, megabytes, register_messages

__all__ = [
    "N_",
    "RuleError",
    "apportion",
    "check_rule",
    "split_proportionally",
]

K = TypeVar("K", bound=Hashable)


def N_(s: str) -> str:
    """Mark a message template for translation extraction; returns it unchanged."""
    return s


MESSAGES: dict[str, str] = {
    "bad_budget": N_("The amount to share must not be negative (got %(budget)s)."),
    "bad_floor": N_("The minimum share must not be negative (got %(min_share)s)."),
    "bad_cap_pct": N_(
        "The maximum share must be more than 0%% and at most 100%% of the budget "
        "(got %(max_share_pct)s%%)."
    ),
    "bad_member_count": N_("The number of members must not be negative (got %(n)s)."),
    "floor_above_cap": N_(
        "The minimum share of %(min_share)s is more than the maximum share of %(cap)s "
        "(%(max_share_pct)s%% of the budget of %(budget)s)."
    ),
    "floors_exceed_budget": N_(
        "%(n)s members paying at least %(min_share)s each would need %(needed)s, "
        "which is more than the budget of %(budget)s."
    ),
    "caps_below_budget": N_(
        "%(n)s members paying at most %(cap)s each can cover only %(covered)s "
        "of the budget of %(budget)s."
    ),
    "no_participants": N_(
        "The budget of %(budget)s cannot be shared because there are no participants."
    ),
    "bad_weight": N_(
        "Member %(member)s has the weight %(weight)s; weights must be positive numbers."
    ),
    "bad_paid": N_(
        "Member %(member)s has paid %(paid)s; paid amounts must be whole, "
        "non-negative minor units."
    ),
    "nothing_paid": N_(
        "Nothing has been paid, so %(amount)s cannot be split in proportion to payments."
    ),
}




# --------------------------------------------------------------------------- helpers


def _require_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int (minor units), got {type(value).__name__}")
    return value


def _cap_fraction(max_share_pct: Any) -> Fraction:
    bad = RuleError("bad_cap_pct", max_share_pct=max_share_pct)
    if isinstance(max_share_pct, bool) or not isinstance(max_share_pct, (int, Decimal, Fraction)):
        raise bad
    if isinstance(max_share_pct, Decimal) and not max_share_pct.is_finite():
        raise bad
    pct = Fraction(max_share_pct)
    if not 0 < pct <= 100:
        raise bad
    return pct


def _bounds(
    budget: int, n_members: int, min_share: int | None, max_share_pct: Any
) -> tuple[int, int]:
    """Validate a rule and return the integer (floor, cap) it implies for this budget."""
    _require_int("budget", budget)
    _require_int("n_members", n_members)
    if budget < 0:
        raise RuleError("bad_budget", budget=budget)
    if n_members < 0:
        raise RuleError("bad_member_count", n=n_members)
    floor = 0
    if min_share is not None:
        floor = _require_int("min_share", min_share)
        if floor < 0:
            raise RuleError("bad_floor", min_share=min_share)
    cap = budget  # no cap: nobody can pay more than the whole budget anyway
    if max_share_pct is not None:
        pct = _cap_fraction(max_share_pct)
        cap = budget * pct.numerator // (100 * pct.denominator)
        if floor > cap:
            raise RuleError(
                "floor_above_cap",
                min_share=floor,
                cap=cap,
                max_share_pct=max_share_pct,
                budget=budget,
            )
    if n_members == 0:
        # Nothing to check against yet (a rule may be set before anyone joins);
        # apportion() refuses an empty membership with "no_participants".
        return floor, cap
    if n_members * floor > budget:
        raise RuleError(
            "floors_exceed_budget",
            n=n_members,
            min_share=floor,
            needed=n_members * floor,
            budget=budget,
        )
    if n_members * cap < budget:
        raise RuleError(
            "caps_below_budget",
            n=n_members,
            cap=cap,
            covered=n_members * cap,
            budget=budget,
        )
    return floor, cap


def _integer_weights(weights: Mapping[K, Any]) -> tuple[list[K], list[int]]:
    """Scale int/Decimal/Fraction weights to positive integers with one common denominator."""
    keys = list(weights)
    nums: list[int] = []
    dens: list[int] = []
    all_int = True
    for k in keys:
        w = weights[k]
        if isinstance(w, int) and not isinstance(w, bool):
            num, den = w, 1
        elif isinstance(w, Decimal) and w.is_finite():
            num, den = w.as_integer_ratio()
            all_int = False
        elif isinstance(w, Fraction):
            num, den = w.numerator, w.denominator
            all_int = False
        else:
            raise RuleError("bad_weight", member=k, weight=w)
        if num <= 0:
            raise RuleError("bad_weight", member=k, weight=w)
        nums.append(num)
        dens.append(den)
    if all_int:
        return keys, nums
    common = math.lcm(*set(dens))
    return keys, [num * (common // den) for num, den in zip(nums, dens, strict=True)]


def _round_largest_remainder(
    total: int, keys: list[K], weights: list[int], numerators: list[int], denominator: int
) -> dict[K, int]:
    """Round exact shares numerators[i]/denominator (summing to total) to ints summing to total.

    Everyone gets the floor; the missing units go one each to the largest
    remainders, ties to the larger weight, then to the smaller key.
    """
    shares = []
    remainders = []
    for num in numerators:
        q, r = divmod(num, denominator)
        shares.append(q)
        remainders.append(r)
    missing = total - sum(shares)
    # The missing units equal (sum of remainders) / denominator, so they are
    # fewer than the number of non-zero remainders: zero-remainder shares
    # (pinned at a bound, or owed nothing) are never rounded up.
    assert 0 <= missing <= len(keys)
    if missing:
        candidates = [i for i, r in enumerate(remainders) if r]
        candidates.sort(key=lambda i: (-remainders[i], -weights[i], keys[i]))
        for i in candidates[:missing]:
            shares[i] += 1
    return dict(zip(keys, shares, strict=True))


# --------------------------------------------------------------------------- public API


def check_rule(
    budget: int,
    n_members: int,
    *,
    min_share: int | None,
    max_share_pct: Decimal | Fraction | int | None,
) -> None:
    """Raise RuleError unless n_members can share budget within min_share and the max_share_pct cap."""
    _bounds(budget, n_members, min_share, max_share_pct)


def apportion(
    budget: int,
    weights: Mapping[K, int | Decimal | Fraction],
    *,
    min_share: int | None = None,
    max_share_pct: Decimal | Fraction | int | None = None,
) -> dict[K, int]:
    """Split budget (minor units) in proportion to weights, within floor/cap, summing exactly to budget."""
    n = len(weights)
    floor, cap = _bounds(budget, n, min_share, max_share_pct)
    keys, w = _integer_weights(weights)
    if n == 0:
        if budget > 0:
            raise RuleError("no_participants", budget=budget)
        return {}
    if floor == cap:
        # Feasibility forces budget == n * floor: everybody pays the bound.
        return dict.fromkeys(keys, floor)

    # Exact shares are clamp(lam * w_i, floor, cap) with sum == budget.  With the
    # weights sorted, the floored members form a prefix and the capped ones a
    # suffix; f(lam) = sum of the clamped shares is non-decreasing in lam.
    ws = sorted(w)
    prefix = [0]
    acc = 0
    for x in ws:
        acc += x
        prefix.append(acc)

    def excess(p: int, q: int) -> int:
        """Sign-carrying (f(p/q) - budget) * q for lam = p/q."""
        if p == 0:
            return (n * floor - budget) * q
        k = bisect_right(ws, floor * q // p)  # w*p <= floor*q  -> on the floor
        m = n - bisect_left(ws, -(-cap * q // p))  # w*p >= cap*q  -> on the cap
        return (k * floor + m * cap - budget) * q + p * (prefix[n - m] - prefix[k])

    def first_at_or_below(bound: int) -> int:
        """Smallest j with f(bound / ws[j]) <= budget (f falls as j grows); n if none."""
        lo, hi = 0, n
        while lo < hi:
            mid = (lo + hi) // 2
            if excess(bound, ws[mid]) <= 0:
                hi = mid
            else:
                lo = mid + 1
        return lo

    # lower: the largest breakpoint (or 0) with f <= budget; upper: the smallest
    # breakpoint with f > budget.  No breakpoint lies strictly between them, so
    # f is linear there and the floored/capped sets are fixed inside.
    lower = Fraction(0)
    upper: Fraction | None = None
    for bound in (floor, cap):
        if bound == 0:
            continue  # every breakpoint is lam = 0, already the fallback lower
        j = first_at_or_below(bound)
        if j < n:
            lower = max(lower, Fraction(bound, ws[j]))
        if j > 0:
            cand = Fraction(bound, ws[j - 1])
            upper = cand if upper is None else min(upper, cand)

    if excess(lower.numerator, lower.denominator) == 0:
        p, q = lower.numerator, lower.denominator
    else:
        assert upper is not None  # f(inf) = n * cap >= budget
        mid = (lower + upper) / 2
        k = bisect_right(ws, floor * mid.denominator // mid.numerator)
        m = n - bisect_left(ws, -(-cap * mid.denominator // mid.numerator))
        p = budget - k * floor - m * cap
        q = prefix[n - m] - prefix[k]
        assert p > 0 and q > 0

    floor_q = floor * q
    cap_q = cap * q
    numerators = []
    for x in w:
        xp = x * p
        numerators.append(floor_q if xp <= floor_q else cap_q if xp >= cap_q else xp)
    return _round_largest_remainder(budget, keys, w, numerators, q)


def split_proportionally(amount: int, paid: Mapping[K, int]) -> dict[K, int]:
    """Split amount (minor units) in proportion to what each member paid, summing exactly to amount."""
    _require_int("amount", amount)
    if amount < 0:
        raise RuleError("bad_budget", budget=amount)
    keys = list(paid)
    values = []
    for k in keys:
        v = paid[k]
        if isinstance(v, bool) or not isinstance(v, int) or v < 0:
            raise RuleError("bad_paid", member=k, paid=v)
        values.append(v)
    total = sum(values)
    if total == 0:
        if amount > 0:
            raise RuleError("nothing_paid", amount=amount)
        return dict.fromkeys(keys, 0)
    return _round_largest_remainder(amount, keys, values, [amount * v for v in values], total)


# =========================================================================== campaign life cycle
# (appended: status transitions, go/no-go threshold, ledger balances, settlement, receipts)

MESSAGES.update(
    {
        "bad_transition": N_("A campaign that is %(current)s cannot become %(target)s."),
        "unknown_status": N_("“%(target)s” is not a campaign status."),
        "too_few_participants": N_(
            # no plural to choose: "1 merchants" is wrong, and a rule message has one form for every number
            "Merchants who opted in: %(n)s; the campaign needed at least %(min_participants)s."
        ),
        "too_little_pooled": N_(
            "The participants can pool only %(pooled)s; the campaign needed at least %(min_pooled)s."
        ),
        "receipt_type": N_("A receipt must be a PDF, JPEG or PNG file."),
        "receipt_empty": N_("The receipt file is empty."),
        "receipt_too_large": N_("The receipt is %(size)s bytes; at most %(max)s are allowed."),
    }
)
register_messages(MESSAGES)

# --------------------------------------------------------------------------- the campaigns' vocabulary

#: a campaign's statuses, in the order of its life (models' CHECK, the API, the pages all use this)
CAMPAIGN_STATUSES = ("draft", "open", "locked", "live", "ended", "settled", "cancelled")
#: statuses before the shares are frozen: the campaign can be edited, shares are a preview
SHARES_PREVIEW = frozenset({"draft", "open"})
#: the festival a campaign is for (models' CHECK, the campaign form's choices, the labels)
FESTIVALS = ("double11", "double12", "618", "womens_day", "spring_festival", "mid_autumn", "custom")
#: how a campaign's budget is shared: by the tier weights, by declared annual revenue, or equally
SHARE_METHODS = ("tier", "revenue", "equal")
#: how a member paid (models' CHECK on ledger_entries.method, the forms' choices)
PAYMENT_METHODS = ("wechat_pay", "alipay", "bank_transfer", "cash")
#: the payment methods a chamber's collection QR code can be for (named by the words of PAYMENT_METHODS)
QR_KINDS = ("wechat_pay", "alipay")
#: what settling does with the unspent remainder (settlement_amounts; the models' CHECK, the forms' choices):
#: "refund" it to the members in proportion to what they paid (the default), or "carry" it to the chamber's fund
SETTLEMENT_MODES = ("refund", "carry")
#: the settlement when none is chosen: back to the members
DEFAULT_SETTLEMENT_MODE = "refund"

#: status → the statuses an organizer may move it to; every other move is refused (409).
CAMPAIGN_TRANSITIONS: dict[str, frozenset[str]] = {
    "draft": frozenset({"open", "cancelled"}),
    "open": frozenset({"locked", "cancelled"}),
    "locked": frozenset({"live", "cancelled"}),
    "live": frozenset({"ended", "cancelled"}),
    "ended": frozenset({"settled", "cancelled"}),
    "settled": frozenset(),
    "cancelled": frozenset(),
}

#: the statuses a campaign can be moved to, in the order of its life
MOVE_TARGETS = tuple(s for s in CAMPAIGN_STATUSES if any(s in targets for targets in CAMPAIGN_TRANSITIONS.values()))

# The named subsets of the statuses: code and templates test a status against these (never a literal list).
#: statuses from the lock on: the shares are frozen as pledges (or the campaign was cancelled)
SHARES_FROZEN = frozenset(CAMPAIGN_STATUSES) - SHARES_PREVIEW
#: statuses no move leaves (settled, cancelled): the campaign is over and its refunds are final
FINISHED = frozenset(status for status, targets in CAMPAIGN_TRANSITIONS.items() if not targets)
#: statuses in which the ledger takes payments, expenses, reversals and write-offs (locked, live, ended)
LEDGER_OPEN = SHARES_FROZEN - FINISHED
#: statuses in which members owe what their pledges say (still_owed: nothing once cancelled)
OWING = SHARES_FROZEN - {"cancelled"}
#: the campaign ran to its end, not cancelled (ended, settled): the organizers see who has not paid in full
RAN_TO_END = frozenset({"ended", "settled"})
#: what visitors see as on now, and as coming soon (the chamber's public page)
RUNNING = frozenset({"live"})
UPCOMING = frozenset({"open", "locked"})
#: the moves a person may make before the clock would; they move the dates to now (early_move_times)
EARLY_MOVES = frozenset({"live", "ended"})


def on_time_share(paid_by_start: int, pledged: int) -> float | None:
    """The credit score's on-time input for one member: the share of their pledges paid by their campaigns'
    starts, 0.0 to 1.0 (paying more than pledged counts as all of it); None when nothing was pledged."""
    if pledged <= 0:
        return None
    return min(1.0, max(paid_by_start, 0) / pledged)


def check_transition(current: str, target: str) -> None:
    """Raise RuleError unless a campaign may move from current to target."""
    if target not in CAMPAIGN_TRANSITIONS:
        raise RuleError("unknown_status", target=target)
    if target not in CAMPAIGN_TRANSITIONS.get(current, frozenset()):
        raise RuleError("bad_transition", current=current, target=target)


def due_transition(
    status: str, now: Any, optin_deadline: Any, starts_at: Any, ends_at: Any, opens_at: Any = None
) -> str | None:
    """The status the clock moves a campaign to now (draft→open→locked→live→ended), or None.

    A draft opens by itself only if it has an opening time (``opens_at``) and that time has come.
    """
    if status == "draft" and opens_at is not None and now >= opens_at:
        return "open"
    if status == "open" and now >= optin_deadline:
        return "locked"
    if status == "locked" and now >= starts_at:
        return "live"
    if status == "live" and now >= ends_at:
        return "ended"
    return None


def pooled_amount(budget: int, n_members: int, max_share_pct: Decimal | Fraction | int | None) -> int:
    """What n participants can actually pool towards the budget: the “min pooled amount” test.

    Apportioned shares always add up to the budget when the rule can be met, so comparing their
    sum with a minimum would be meaningless.  The meaningful amount is what is collectable given
    the cap: ``min(budget, n * cap)`` with ``cap = floor(budget * max_share_pct / 100)`` (the
    same cap apportion() uses); without a cap it is the whole budget as soon as anyone takes
    part, and 0 with no participants.
    """
    _require_int("budget", budget)
    if n_members <= 0:
        return 0
    if max_share_pct is None:
        return budget
    pct = _cap_fraction(max_share_pct)
    cap = budget * pct.numerator // (100 * pct.denominator)
    return min(budget, n_members * cap)


def check_threshold(
    budget: int,
    n_members: int,
    *,
    min_participants: int | None,
    min_pooled: int | None,
    max_share_pct: Decimal | Fraction | int | None,
) -> None:
    """Raise RuleError if the go/no-go threshold is not met (too few merchants or too little money)."""
    if min_participants is not None and n_members < min_participants:
        raise RuleError("too_few_participants", n=n_members, min_participants=min_participants)
    if min_pooled is not None:
        pooled = pooled_amount(budget, n_members, max_share_pct)
        if pooled < min_pooled:
            raise RuleError("too_little_pooled", pooled=pooled, min_pooled=min_pooled)


# --------------------------------------------------------------------------- ledger arithmetic

#: the signed effect of each entry type on (paid, spent, refunded, carried)
_EFFECT = {
    "payment": "paid",
    "expense": "spent",
    "refund": "refunded",
    "carry_to_fund": "carried",
    "pledge": "pledged",
    "write_off": "written_off",
}


class Balances:
    """Totals of a ledger; reversals are netted against the entry type they reverse.

    ``available = paid - spent - refunded - carried`` (carried is 0 until a settlement carries
    the remainder to the chamber's fund, so before settlement it is ``paid - spent - refunded``).
    """

    __slots__ = ("carried", "member_paid", "member_refund", "member_share", "member_written_off", "paid", "pledged",
                 "refunded", "spent", "written_off")

    def __init__(self) -> None:
        self.pledged = self.paid = self.spent = self.refunded = self.carried = self.written_off = 0
        self.member_share: dict[Any, int] = {}
        self.member_paid: dict[Any, int] = {}
        self.member_refund: dict[Any, int] = {}
        #: what the organizers gave up collecting from each member (write-offs move no money)
        self.member_written_off: dict[Any, int] = {}

    @property
    def available(self) -> int:
        return self.paid - self.spent - self.refunded - self.carried

    def outstanding(self, member: Any, *, cancelled: bool = False) -> int:
        """What this member still owes (still_owed of its pledged share, its payments and write-offs)."""
        return still_owed(self.member_share.get(member, 0), self.member_paid.get(member, 0), cancelled=cancelled,
                          written_off=self.member_written_off.get(member, 0))

    def account(self, member: Any, *, cancelled: bool) -> dict[str, int]:
        """This member's account in the campaign, as every page, the API and the documents show it:
        pledged share, paid, written off, still owed (outstanding) and refunded, in minor units."""
        return {
            "share_minor": self.member_share.get(member, 0),
            "paid_minor": self.member_paid.get(member, 0),
            "written_off_minor": self.member_written_off.get(member, 0),
            "outstanding_minor": self.outstanding(member, cancelled=cancelled),
            "refund_minor": self.member_refund.get(member, 0),
        }


def asks_payment(status: str, outstanding_minor: int) -> bool:
    """Whether a member is asked to pay now ("You owe …", how to pay): it owes something and the ledger still
    takes payments (once settled, what is left unpaid is only shown as outstanding; once cancelled nothing is)."""
    return outstanding_minor > 0 and status in LEDGER_OPEN


def still_owed(share: int | None, paid: int, *, cancelled: bool, written_off: int = 0) -> int:
    """What a member still owes: its share less what it paid (net of reversals) and what the organizers
    wrote off, never below 0.

    Nothing once the campaign is cancelled (what was paid and not spent is refunded instead), and
    nothing while its share cannot be computed (``share`` None: a preview the rule cannot produce).
    """
    if cancelled or share is None:
        return 0
    return max(0, share - paid - written_off)


def ledger_balances(entries: Any) -> Balances:
    """Sum ledger entries given as (entry_type, member, amount, reversed_type) tuples.

    ``reversed_type`` is the type of the entry a reversal reverses (None for other entries).
    """
    b = Balances()
    per_member = {"pledged": b.member_share, "paid": b.member_paid, "refunded": b.member_refund,
                  "written_off": b.member_written_off}
    for entry_type, member, amount, reversed_type in entries:
        sign = 1
        if entry_type == "reversal":
            entry_type, sign = reversed_type, -1
        attr = _EFFECT[entry_type]
        setattr(b, attr, getattr(b, attr) + sign * amount)
        book = per_member.get(attr)
        if book is not None and member is not None:
            book[member] = book.get(member, 0) + sign * amount
    return b


def payout_plan(b: Balances, mode: str) -> tuple[dict[Any, int], int]:
    """What settling (or cancelling) in ``mode`` pays out from these balances: ({member: refund}, carried);
    refunds go to the members who paid something, in proportion to what each paid (settlement_amounts)."""
    paid = {m: v for m, v in sorted(b.member_paid.items()) if v > 0}
    return settlement_amounts(mode, b.available, paid)


def settlement_amounts(mode: str, available: int, paid_by_member: Mapping[K, int]) -> tuple[dict[K, int], int]:
    """Split the unspent remainder: ({member: refund}, carried) with refunds + carried == available.

    ``refund`` returns it in proportion to what each member actually paid (net of reversals);
    ``carry`` keeps it all for the chamber's fund.
    """
    if mode not in SETTLEMENT_MODES:
        raise ValueError(f"unknown settlement mode {mode!r}")
    if mode == "carry":
        return {}, available
    return split_proportionally(available, dict(paid_by_member)), 0


# --------------------------------------------------------------------------- receipts

#: the largest receipt: the app's upload limit (5 MiB)
MAX_RECEIPT_BYTES = MAX_UPLOAD_BYTES
#: the files a receipt may be, by content type: the bytes such a file starts with (sniff_receipt) and the
#: extension it is served under (receipt_filename)
RECEIPT_FORMATS = {
    "application/pdf": (b"%PDF-", "pdf"),
    "image/jpeg": (b"\xff\xd8\xff", "jpg"),
    "image/png": (b"\x89PNG\r\n\x1a\n", "png"),
}
#: the content types of a receipt (models' CHECK on receipts.content_type, the API's description of the file)
RECEIPT_TYPES = tuple(RECEIPT_FORMATS)


def sniff_receipt(head: bytes, size: int) -> str:
    """The content type of a receipt judged by its magic bytes (never its name), or RuleError."""
    if size > MAX_RECEIPT_BYTES:
        raise RuleError("receipt_too_large", size=size, max=megabytes(MAX_RECEIPT_BYTES))
    if size == 0:
        raise RuleError("receipt_empty")
    for content_type, (magic, _extension) in RECEIPT_FORMATS.items():
        if head.startswith(magic):
            return content_type
    raise RuleError("receipt_type")


def receipt_filename(receipt_id: int, content_type: str) -> str:
    """The name a receipt is served under, its extension from its content type: receipt-7.pdf."""
    return f"receipt-{receipt_id}.{RECEIPT_FORMATS[content_type][1]}"


# --------------------------------------------------------------------------- early moves

#: the smallest gap kept between a campaign's start and end when it ends right after going live
MIN_RUN = dt.timedelta(seconds=1)


def early_move_times(
    target: str, now: dt.datetime, *, opens_at: dt.datetime | None, optin_deadline: dt.datetime,
    starts_at: dt.datetime, ends_at: dt.datetime,
) -> dict[str, dt.datetime | None]:
    """The times a manual move rewrites so that the dates shown never contradict the status.

    Going live before the start moves the start to now (and the opt-in deadline and opening time,
    which must come before it); ending before the end moves the end to now. Returns only the
    fields that change.
    """
    changes: dict[str, dt.datetime | None] = {}
    if target == "live" and starts_at > now:
        changes["starts_at"] = now
        if optin_deadline > now:
            changes["optin_deadline"] = now
            if opens_at is not None and opens_at >= now:
                changes["opens_at"] = now - MIN_RUN
    elif target == "ended" and ends_at > now:
        changes["ends_at"] = max(now, starts_at + MIN_RUN)
    return changes


# --------------------------------------------------------------------------- ledger signs

#: the entries that move the pooled money, and which way: payments in; expenses, refunds and what is carried to
#: the chamber's fund out (a pledge or a write-off moves none, a reversal the other way from what it cancels)
MONEY_DIRECTIONS = {"payment": "in", "expense": "out", "refund": "out", "carry_to_fund": "out"}
#: the entries a reversal may cancel (a mistaken payment or expense; refunds and carries are settled, not reversed)
REVERSIBLE = ("payment", "expense")


def entry_direction(entry_type: str, reversed_type: str | None = None) -> str | None:
    """Which way an entry moves the pooled money: "in", "out", or None (a pledge or write-off moves none).

    A reversal moves it back the other way from the entry it cancels.
    """
    if entry_type in MONEY_DIRECTIONS:
        return MONEY_DIRECTIONS[entry_type]
    if entry_type == "reversal" and reversed_type is not None:
        back = entry_direction(reversed_type)
        return {"in": "out", "out": "in"}.get(back) if back else None
    return None


# --------------------------------------------------------------------------- cost before commitment


class JoinCost:
    """What taking part costs one merchant, told before it commits (see cost_of_joining).

    ``now``: its share if the participants were those of now (with it); None while the budget
    cannot yet be covered. ``at_most``: the most it can ever be asked for. ``more_needed``: how many
    more merchants must join (besides it) before the campaign can go ahead.
    """

    __slots__ = ("at_most", "more_needed", "now")

    def __init__(self, now: int | None, at_most: int, more_needed: int) -> None:
        self.now, self.at_most, self.more_needed = now, at_most, more_needed

    def __repr__(self) -> str:
        return f"JoinCost(now={self.now!r}, at_most={self.at_most!r}, more_needed={self.more_needed!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, JoinCost) and (self.now, self.at_most, self.more_needed) == (
            other.now, other.at_most, other.more_needed)

    __hash__ = None  # type: ignore[assignment]


def cost_of_joining(
    budget: int,
    others: Mapping[K, int | Decimal | Fraction],
    me: K,
    my_weight: int | Decimal | Fraction,
    *,
    min_share: int | None = None,
    max_share_pct: Decimal | Fraction | int | None = None,
    min_participants: int | None = None,
    min_pooled: int | None = None,
) -> JoinCost:
    """What member ``me`` (weight ``my_weight``) pays if it takes part with ``others`` (the other participants).

    ``now`` is its apportioned share among the participants of now plus itself; joining can only
    lower the others' shares, and later joiners lower this one. ``at_most`` bounds the share whoever
    joins or leaves: the cap, and the budget less the minimum shares of the fewest others the
    campaign needs to go ahead. ``more_needed`` is how many more participants are needed so that the
    capped shares can cover the budget and the go/no-go threshold (``min_participants``,
    ``min_pooled``) is met. A rule broken whatever the participants raises RuleError as apportion() does.
    """
    n = len(others) + (0 if me in others else 1)
    floor, cap = _bounds(budget, 0, min_share, max_share_pct)
    needed = 1
    if min_participants is not None:
        needed = max(needed, min_participants)
    if cap > 0:
        needed = max(needed, -(-budget // cap))  # n * cap >= budget
        if min_pooled is not None and max_share_pct is not None:
            needed = max(needed, -(-min_pooled // cap))  # pooled_amount() = min(budget, n * cap)
    elif budget > 0:  # a cap of nothing: no number of merchants can ever cover the budget
        raise RuleError("caps_below_budget", n=n, cap=cap, covered=0, budget=budget)
    more_needed = max(0, needed - n)
    at_most = max(floor, min(cap, budget - (needed - 1) * floor))
    now: int | None = None
    if more_needed == 0:
        weights = {k: w for k, w in others.items() if k != me}
        weights[me] = my_weight
        try:
            now = apportion(budget, weights, min_share=min_share, max_share_pct=max_share_pct)[me]
        except RuleError as err:
            if err.code != "floors_exceed_budget":
                raise
            # too many minimum shares: the campaign cannot take this merchant (opt_in refuses it)
            now = None
    return JoinCost(now, at_most, more_needed)
