"""The published credit-score formula, the Bayesian rating average and the complaint statistics.

Pure: standard library only. The score is a weighted average of components, each a value
between 0 and 1, scaled to 0–100:

* verification (weight 2): 1 for an approved (verified) member, else 0;
* ratings (weight 3): the Bayesian average of the member's published ratings, pulled towards
  PRIOR_MEAN by PRIOR_WEIGHT imaginary reviews so that a few reviews do not dominate, mapped
  from 1–5 to 0–1;
* complaints (weight 1.5): 1 with no upheld complaint, minus 0.25 for each one, never below 0;
* each input a feature package gives (e.g. on-time budget payments, alliance-price compliance),
  with the weight it declares; a member it knows nothing about gets NEUTRAL (no record yet).
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

PRIOR_MEAN = 3.5
PRIOR_WEIGHT = 5
NEUTRAL = 0.5
VERIFICATION_WEIGHT = 2.0
RATINGS_WEIGHT = 3.0
COMPLAINTS_WEIGHT = 1.5
UPHELD_PENALTY = 0.25


@dataclass(frozen=True)
class Component:
    """One line of a member's breakdown: its value (0–1), weight and points out of 100."""

    name: str
    value: float
    weight: float
    points: float


def bayesian_average(
    ratings_sum: int, ratings_count: int, prior_mean: float = PRIOR_MEAN, prior_weight: float = PRIOR_WEIGHT
) -> float:
    """The rating average with prior_weight imaginary ratings of prior_mean added."""
    if ratings_count < 0 or prior_weight < 0:
        raise ValueError("counts and weights are never negative")
    if ratings_count == 0 and prior_weight == 0:
        return prior_mean
    return (prior_mean * prior_weight + ratings_sum) / (prior_weight + ratings_count)


def complaints_value(upheld: int) -> float:
    """1 with no upheld complaint, UPHELD_PENALTY less for each, never below 0."""
    return max(0.0, 1.0 - UPHELD_PENALTY * max(0, upheld))


def credit_score(
    verified: bool,
    ratings_sum: int,
    ratings_count: int,
    upheld_complaints: int,
    inputs: Mapping[str, tuple[float | None, float]],
) -> tuple[int, list[Component]]:
    """The score (0–100) and its breakdown; inputs maps name → (value or None, weight)."""
    parts: list[tuple[str, float, float]] = [
        ("verification", 1.0 if verified else 0.0, VERIFICATION_WEIGHT),
        ("ratings", (bayesian_average(ratings_sum, ratings_count) - 1.0) / 4.0, RATINGS_WEIGHT),
        ("complaints", complaints_value(upheld_complaints), COMPLAINTS_WEIGHT),
    ]
    for name, (value, weight) in sorted(inputs.items()):
        if weight <= 0:
            continue
        value = NEUTRAL if value is None else min(1.0, max(0.0, float(value)))
        parts.append((name, value, float(weight)))
    total_weight = sum(weight for _name, _value, weight in parts)
    components = [
        Component(name, value, weight, 100.0 * value * weight / total_weight) for name, value, weight in parts
    ]
    score = round(sum(c.points for c in components))
    return min(100, max(0, score)), components


def median_days(durations_days: Sequence[float]) -> float | None:
    """The median of the days complaints took to resolve, or None without any."""
    return statistics.median(durations_days) if durations_days else None
