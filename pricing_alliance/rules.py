"""Pure decision rules of the pricing alliance (standard library only), with hypothesis tests beside them.

Money is in integer minor units; shares (quorum, threshold, mark-up) are exact ``Fraction``s,
so "two thirds" is two thirds and never 66.67 %. Messages are English templates (``N_``) that
the callers translate, with their parameters in ``RuleError.params``.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any, TypeVar

from campaigns.rules import RAN_TO_END, RUNNING, UPCOMING
from chamber.rules import RuleError

__all__ = ["RuleError"]  # the app's one rule error, raised here with its message templates


def N_(s: str) -> str:
    """Mark a message for extraction; callers translate it."""
    return s


CHOICES = ("approve", "reject", "abstain")
STATUSES = ("open", "adopted", "rejected", "no_quorum")
WEIGHTINGS = ("member", "tier")
#: the joint-purchase account's entries: a due adds to what a member owes, a credit takes from it
ENTRY_KINDS = ("due", "credit")

# The campaign statuses the alliance acts on, from campaigns' named sets (campaigns.rules is pure too):
#: campaigns in which prices are listed, proposed and voted on, and demand is stated (open, locked, live)
ACTIVE_CAMPAIGN_STATUSES = UPCOMING | RUNNING
#: campaigns whose listings count towards the credit score: every one that opened and was not cancelled
SCORED_CAMPAIGN_STATUSES = ACTIVE_CAMPAIGN_STATUSES | RAN_TO_END
#: the lookback window for "original prices": 7 days (Chinese price rules) or 30 (the EU rule)
DEFAULT_LOOKBACK_DAYS = 7
MAX_LOOKBACK_DAYS = 90
#: reminders go to participants who have not voted this long before a proposal closes
REMINDER_BEFORE = dt.timedelta(hours=24)

Number = int | Fraction | Decimal
K = TypeVar("K", bound=Hashable)


def as_fraction(value: Number | str) -> Fraction:
    """An exact Fraction of an int, Decimal, Fraction or a string such as "2/3" or "0.5"."""
    if isinstance(value, Fraction):
        return value
    if isinstance(value, (int, Decimal)):
        return Fraction(value)
    return Fraction(str(value).strip())


# --------------------------------------------------------------------------- the tally


@dataclass(frozen=True)
class Tally:
    """The result of counting a proposal's votes (weights exact)."""

    eligible: int
    voters: int
    eligible_weight: Fraction
    voted_weight: Fraction
    approve_weight: Fraction
    reject_weight: Fraction
    abstain_weight: Fraction
    quorum_met: bool
    threshold_met: bool

    @property
    def outcome(self) -> str:
        """adopted, rejected or no_quorum."""
        if not self.quorum_met:
            return "no_quorum"
        return "adopted" if self.threshold_met else "rejected"

    @property
    def turnout(self) -> Fraction:
        """The share of the participants' weight that has voted."""
        return self.voted_weight / self.eligible_weight if self.eligible_weight else Fraction(0)

    @property
    def approval(self) -> Fraction:
        """The share of the non-abstaining weight that approves."""
        cast = self.approve_weight + self.reject_weight
        return self.approve_weight / cast if cast else Fraction(0)


def vote_weights(tier_weights: Mapping[int, Number], weighting: str) -> Mapping[int, Number]:
    """Each participant's voting weight: 1 each ("member"), or its tier weight ("tier")."""
    if weighting not in WEIGHTINGS:
        raise RuleError("bad_weighting", N_("Unknown weighting %(weighting)s."), weighting=weighting)
    if weighting == "member":
        return dict.fromkeys(tier_weights, 1)
    return tier_weights


def _weight_sum(counts: Counter[Number]) -> Fraction:
    """Σ weight × how many have it, exactly (each distinct weight converted once: a few tiers, many voters)."""
    return sum((as_fraction(w) * n for w, n in counts.items()), Fraction(0))


def tally(weights: Mapping[int, Number], votes: Mapping[int, str], quorum: Number, threshold: Number) -> Tally:
    """Count votes: quorum over the participants' weight, threshold over the non-abstaining weight.

    weights: participant → positive weight; votes: member → choice (a mapping, so one vote each;
    votes of members who are not participants are not counted). The quorum is met when the voted
    weight is at least quorum × all participants' weight; the threshold when the approving weight
    is at least threshold × (approving + rejecting weight) and somebody approved.
    """
    q, t = as_fraction(quorum), as_fraction(threshold)
    check_shares(q, t)
    counts: dict[str, Counter[Number]] = {c: Counter() for c in CHOICES}
    voters = 0
    for member, choice in votes.items():
        weight = weights.get(member)
        if weight is None:
            continue
        if choice not in counts:
            raise RuleError("bad_choice", N_("Vote approve, reject or abstain."))
        counts[choice][weight] += 1
        voters += 1
    sums = {c: _weight_sum(counts[c]) for c in CHOICES}
    eligible_weight = _weight_sum(Counter(weights.values()))
    voted = sums["approve"] + sums["reject"] + sums["abstain"]
    quorum_met = eligible_weight > 0 and voted >= q * eligible_weight
    cast = sums["approve"] + sums["reject"]
    threshold_met = sums["approve"] > 0 and sums["approve"] >= t * cast
    return Tally(
        eligible=len(weights), voters=voters, eligible_weight=eligible_weight, voted_weight=voted,
        approve_weight=sums["approve"], reject_weight=sums["reject"], abstain_weight=sums["abstain"],
        quorum_met=quorum_met, threshold_met=threshold_met,
    )


def check_shares(quorum: Fraction, threshold: Fraction) -> None:
    """A quorum from 0 to 1 and a threshold above 0 up to 1 (RuleError otherwise)."""
    if not 0 <= quorum <= 1:
        raise RuleError("bad_quorum", N_("The quorum must be between 0 and 100 per cent."))
    if not 0 < threshold <= 1:
        raise RuleError("bad_threshold", N_("The threshold must be above 0 and at most 100 per cent."))


def parse_share(text: str) -> Fraction:
    """A share as people type it: a percentage ("50", "66.5", "50%") or a fraction ("2/3")."""
    text = str(text).strip().rstrip("%").strip()
    try:
        if "/" in text:
            num, _, den = text.partition("/")
            value = Fraction(int(num.strip()), int(den.strip()))
        else:
            value = Fraction(Decimal(text)) / 100
    except (ValueError, ZeroDivisionError, ArithmeticError):
        raise RuleError("bad_share", N_("Give a percentage such as 50 or a fraction such as 2/3.")) from None
    return value


def format_share(value: Fraction) -> str:
    """A share as people read it: "2/3" when it is not a whole percentage, else "50%"."""
    pct = value * 100
    if pct.denominator == 1:
        return f"{pct.numerator}%"
    if (pct * 100).denominator == 1:
        return f"{Decimal(pct.numerator) / Decimal(pct.denominator):f}%"
    return f"{value.numerator}/{value.denominator}"


def can_close_early(participants: Iterable[int], voters: Iterable[int]) -> bool:
    """An organizer may close before the closing time only once every participant has voted."""
    return set(participants) <= set(voters)


# --------------------------------------------------------------------------- proposals


def check_proposal(price: int, floor: int | None, ceiling: int | None, closes_at: dt.datetime,
                   now: dt.datetime) -> None:
    """A positive price inside its own band (floor ≤ price ≤ ceiling) that closes in the future."""
    if price <= 0:
        raise RuleError("price_not_positive", N_("The price must be more than zero."), field="price")
    if floor is not None and floor <= 0:
        raise RuleError("floor_not_positive", N_("The floor must be more than zero."), field="floor")
    if ceiling is not None and ceiling <= 0:
        raise RuleError("ceiling_not_positive", N_("The ceiling must be more than zero."), field="ceiling")
    if floor is not None and ceiling is not None and floor > ceiling:
        raise RuleError("floor_above_ceiling", N_("The floor must not be above the ceiling."), field="floor")
    if floor is not None and price < floor:
        raise RuleError("price_below_floor", N_("The price must not be below its own floor."), field="price")
    if ceiling is not None and price > ceiling:
        raise RuleError("price_above_ceiling", N_("The price must not be above its own ceiling."), field="price")
    if closes_at <= now:
        raise RuleError("closes_in_past", N_("The closing time must be in the future."), field="closes_at")


def reminder_due(closes_at: dt.datetime, now: dt.datetime) -> bool:
    """Whether an open proposal is within the last 24 hours before it closes."""
    return now < closes_at and closes_at - now <= REMINDER_BEFORE


# --------------------------------------------------------------------------- mark-up cap


def markup_cap(supplier_price: int, max_markup: Fraction) -> int:
    """The highest price allowed: supplier price × (1 + maximum mark-up), rounded down to the minor unit."""
    cap = supplier_price * (1 + max_markup)
    return cap.numerator // cap.denominator


def check_markup(price: int, supplier_price: int | None, max_markup: Fraction | None, *, field: str = "price") -> None:
    """Refuse a price above the mark-up cap over the negotiated supplier price (RuleError with the cap)."""
    if supplier_price is None or max_markup is None:
        return
    cap = markup_cap(supplier_price, max_markup)
    if price > cap:
        raise RuleError(
            "above_markup_cap",
            N_("%(price)s is above the mark-up cap of %(cap)s (the supplier price %(supplier)s plus at most %(markup)s)."),  # noqa: E501
            price=price, cap=cap, supplier=supplier_price, markup=max_markup, field=field,
        )


# --------------------------------------------------------------------------- honest original prices


def reference_price(history: Sequence[tuple[dt.datetime, int]], at: dt.datetime, window: dt.timedelta) -> int | None:
    """The highest "original price" a member may claim at ``at``: the lowest price in force in the window.

    history: (listed_at, price) of the member's earlier listings of the product, in the order they were
    listed (of two listed at the same instant the later one is the one in force).
    The prices in force during [at − window, at) are those listed in the window and the one
    already in force when the window began (the last listed at or before its start: one listed
    at the very start replaces the one before it there): the merchant sold at each of them in the
    window. With no listing before ``at`` at all there is no reference.
    """
    start = at - window
    before = [(t, p) for t, p in history if t < at]
    if not before:
        return None
    in_window = [p for t, p in before if t >= start]
    earlier = sorted((tp for tp in before if tp[0] <= start), key=lambda tp: tp[0])  # stable: ties keep order
    if earlier:
        in_window.append(earlier[-1][1])
    return min(in_window)


def check_original_price(price: int, original: int | None, history: Sequence[tuple[dt.datetime, int]],
                         at: dt.datetime, window: dt.timedelta) -> None:
    """An honest was/now: original ≥ price, and not above the reference price found in the history."""
    if price <= 0:
        raise RuleError("price_not_positive", N_("The price must be more than zero."), field="price")
    if original is None:
        return
    if original < price:
        raise RuleError("original_below_price", N_("The original price must not be below the price."),
                        field="original_price")
    found = reference_price(history, at, window)
    if found is None:
        raise RuleError(
            "no_earlier_price",
            N_("There is no earlier price of yours for this product, so there is no original price to show."),
            field="original_price",
        )
    if original > found:
        raise RuleError(
            "original_too_high",
            N_("The original price may not exceed the lowest price you listed in the %(days)s days before: %(found)s."),
            found=found, days=window.days, field="original_price",
        )


# --------------------------------------------------------------------------- compliance


def listing_problems(price: int, floor: int | None, ceiling: int | None, cap: int | None) -> list[str]:
    """What is wrong with a listed price: below_floor, above_ceiling, above_markup_cap (empty: compliant)."""
    problems = []
    if floor is not None and price < floor:
        problems.append("below_floor")
    if ceiling is not None and price > ceiling:
        problems.append("above_ceiling")
    if cap is not None and price > cap:
        problems.append("above_markup_cap")
    return problems


def alliance_band(price: int, floor: int | None, ceiling: int | None) -> tuple[int, int]:
    """The band a listed price must keep to: the proposal's band, or exactly its price without one."""
    return (floor if floor is not None else price, ceiling if ceiling is not None else price)


# --------------------------------------------------------------------------- joint purchasing


def volume_unit_price(base_price: int, tiers: Iterable[tuple[int, int]], total_quantity: int) -> int:
    """The supplier's unit price for a total quantity: the lowest of the base and the tiers reached."""
    price = base_price
    for min_quantity, unit_price in tiers:
        if total_quantity >= min_quantity:
            price = min(price, unit_price)
    return price


def check_tiers(base_price: int, tiers: Sequence[tuple[int, int]]) -> None:
    """Volume tiers: positive prices, distinct minimum quantities above 1."""
    if base_price <= 0:
        raise RuleError("price_not_positive", N_("The price must be more than zero."), field="unit_price")
    seen = set()
    for min_quantity, unit_price in tiers:
        if min_quantity < 2:
            raise RuleError("bad_tier_quantity", N_("A volume tier starts at a quantity of 2 or more."), field="tiers")
        if unit_price <= 0:
            raise RuleError("price_not_positive", N_("The price must be more than zero."), field="tiers")
        if min_quantity in seen:
            raise RuleError("duplicate_tier", N_("Two volume tiers start at %(quantity)s."), quantity=min_quantity,
                            field="tiers")
        seen.add(min_quantity)


def amounts_due(demand: Mapping[int, int], unit_price: int) -> dict[int, int]:
    """Each member's amount due for its quantity at the unit price (exact: quantity × unit price)."""
    for quantity in demand.values():
        if quantity <= 0:
            raise RuleError("quantity_not_positive", N_("The quantity must be a whole number above zero."),
                            field="quantity")
    return {member: quantity * unit_price for member, quantity in demand.items()}


def due_adjustments(target: Mapping[Any, int], recorded: Mapping[Any, int]) -> dict[Any, int]:
    """What to append to an append-only account so each member's net becomes target (±, zeros left out)."""
    out = {}
    for member in sorted(set(target) | set(recorded)):
        diff = target.get(member, 0) - recorded.get(member, 0)
        if diff:
            out[member] = diff
    return out


@dataclass(frozen=True)
class PurchaseLine:
    """One product of the joint purchase: each member's stated quantity, the supplier's unit price for the
    total (None: no supplier price recorded yet) and each member's amount due at it (empty without a price)."""

    quantities: dict[int, int]
    unit_price: int | None
    amounts: dict[int, int] = field(default_factory=dict)

    @property
    def total_quantity(self) -> int:
        return sum(self.quantities.values())

    @property
    def total(self) -> int | None:
        """What the product costs in all (None without a supplier price)."""
        return sum(self.amounts.values()) if self.unit_price is not None else None


def purchase_line(quantities: Mapping[int, int], base_price: int | None,
                  tiers: Iterable[tuple[int, int]]) -> PurchaseLine:
    """A product's line: the unit price the total quantity reaches (volume tiers) and each member's amount due."""
    quantities = dict(quantities)
    if base_price is None:
        return PurchaseLine(quantities, None)
    unit = volume_unit_price(base_price, tiers, sum(quantities.values()))
    return PurchaseLine(quantities, unit, amounts_due(quantities, unit))


def purchase_lines(demand: Iterable[tuple[int, int, int]],
                   prices: Mapping[int, tuple[int, Sequence[tuple[int, int]]]]) -> dict[int, PurchaseLine]:
    """product → its line, for every product with stated demand or a supplier price.

    demand: (product, member, quantity), in the order the members are to be listed; prices: product →
    (the supplier's base unit price, its volume tiers)."""
    by_product: dict[int, dict[int, int]] = {}
    for product, member, quantity in demand:
        by_product.setdefault(product, {})[member] = quantity
    lines = {}
    for product in sorted(set(by_product) | set(prices)):
        base, tiers = prices.get(product, (None, ()))
        lines[product] = purchase_line(by_product.get(product, {}), base, tiers)
    return lines


def entry_amount(kind: str, amount: int) -> int:
    """What one entry of the joint-purchase account does to what the member owes: + a due, − a credit."""
    if kind == "due":
        return amount
    if kind == "credit":
        return -amount
    raise ValueError(f"unknown entry kind {kind!r}")


def net_owed(entries: Iterable[tuple[K, str, int]]) -> dict[K, int]:
    """What is owed on an append-only account, per key, from its (key, kind, amount) entries: dues less credits.

    Every key with an entry is answered, also one whose entries cancel out (its net is 0)."""
    owed: dict[K, int] = {}
    for key, kind, amount in entries:
        owed[key] = owed.get(key, 0) + entry_amount(kind, amount)
    return owed


def adjustment_entry(diff: int) -> tuple[str, int]:
    """The (kind, amount) of the entry that changes what is owed by diff (≠ 0): a due, or a credit of −diff."""
    if not diff:
        raise ValueError("an entry must move the account")
    return ("due", diff) if diff > 0 else ("credit", -diff)


@dataclass(frozen=True)
class DueEntry:
    """An entry to append to the joint-purchase account: what it is for (member, product, the quantity and unit
    price it was worked out from; 0 and 0 once the demand is gone) and how it moves what the member owes."""

    member: int
    product: int
    kind: str
    quantity: int
    unit_price: int
    amount: int


def dues_to_record(lines: Mapping[int, PurchaseLine], recorded: Mapping[tuple[int, int], int]) -> list[DueEntry]:
    """The entries that bring the account up to the lines: for each (member, product) whose recorded net
    (recorded: (member, product) → net owed) differs from its amount due now, a due or a credit for the
    difference, in (member, product) order. Every line with demand must have a unit price."""
    target: dict[tuple[int, int], int] = {}
    for product, line in lines.items():
        if line.quantities and line.unit_price is None:
            raise ValueError(f"product {product} has demand but no supplier price")
        for member, amount in line.amounts.items():
            target[(member, product)] = amount
    entries = []
    for (member, product), diff in due_adjustments(target, recorded).items():
        kind, amount = adjustment_entry(diff)
        quantity, unit = 0, 0  # the demand is gone: what was recorded is taken back
        if (member, product) in target:
            quantity, unit = lines[product].quantities[member], lines[product].unit_price or 0
        entries.append(DueEntry(member, product, kind, quantity, unit, amount))
    return entries
