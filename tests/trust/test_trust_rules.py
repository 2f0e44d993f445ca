"""The credit formula and the Bayesian average: pure, checked by properties."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chamber.trust import rules

ratings = st.lists(st.integers(1, 5), max_size=200)
inputs = st.dictionaries(st.sampled_from(["on_time_payments", "price_compliance"]),
                         st.tuples(st.one_of(st.none(), st.floats(0, 1)), st.floats(0.1, 5)))


def published_score(verified: bool, rs: list[int], upheld: int, extra: dict) -> tuple[float, dict[str, float]]:
    """The formula as chamber/trust/rules.py publishes it, written out again: each part's value (0–1) and the
    weighted average of the values on 0–100 (verification 2, ratings 3, complaints 1.5, each input its weight)."""
    average = (3.5 * 5 + sum(rs)) / (5 + len(rs))  # five imaginary ratings of 3.5
    values = {"verification": 1.0 if verified else 0.0, "ratings": (average - 1) / 4,
              "complaints": max(0.0, 1 - 0.25 * upheld)}
    weights = {"verification": 2.0, "ratings": 3.0, "complaints": 1.5}
    for name, (value, weight) in extra.items():
        values[name] = 0.5 if value is None else value  # nothing known yet: neutral
        weights[name] = weight
    return 100 * sum(values[k] * weights[k] for k in values) / sum(weights.values()), values


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(ratings, st.integers(0, 10), inputs, st.booleans())
def test_score_is_between_0_and_100_and_follows_the_published_formula(rs: list[int], upheld: int, extra: dict,
                                                                     verified: bool) -> None:
    score, parts = rules.credit_score(verified, sum(rs), len(rs), upheld, extra)
    exact, values = published_score(verified, rs, upheld, extra)
    assert 0 <= score <= 100
    assert abs(score - exact) <= 0.5 + 1e-9  # rounded to a whole point
    assert {p.name: p.value for p in parts} == pytest.approx(values)
    assert sum(p.points for p in parts) == pytest.approx(exact)  # the breakdown adds up to the same score


@pytest.mark.parametrize(("verified", "rs", "upheld", "extra", "score"), [
    # (2 × 1 + 3 × (3.5 − 1) / 4 + 1.5 × 1) / 6.5 = 0.827: a verified member with no reviews and no complaints
    (True, [], 0, {}, 83),
    (False, [], 0, {}, 52),                      # (3 × 0.625 + 1.5) / 6.5
    (True, [5] * 15, 0, {}, 96),                 # ratings (17.5 + 75) / 20 = 4.625, worth (4.625 − 1) / 4
    (True, [], 5, {}, 60),                       # complaints at 0, never below
    (True, [], 0, {"on_time_payments": (None, 2.0)}, 75),   # (5.375 + 2 × 0.5) / 8.5
    (True, [], 0, {"price_compliance": (1.0, 1.0)}, 85),    # (5.375 + 1) / 7.5
])
def test_worked_examples(verified: bool, rs: list[int], upheld: int, extra: dict, score: int) -> None:
    assert rules.credit_score(verified, sum(rs), len(rs), upheld, extra)[0] == score


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(ratings)
def test_bayesian_average_stays_between_the_prior_and_the_plain_average(rs: list[int]) -> None:
    avg = rules.bayesian_average(sum(rs), len(rs))
    if not rs:
        assert avg == rules.PRIOR_MEAN
        return
    plain = sum(rs) / len(rs)
    assert min(plain, rules.PRIOR_MEAN) - 1e-9 <= avg <= max(plain, rules.PRIOR_MEAN) + 1e-9


def test_a_few_reviews_do_not_dominate() -> None:
    one_five = rules.bayesian_average(5, 1)
    many_fives = rules.bayesian_average(5 * 50, 50)
    assert one_five < 4 < many_fives


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(ratings, st.integers(0, 5), inputs)
def test_more_upheld_complaints_never_raise_the_score(rs: list[int], upheld: int, extra: dict) -> None:
    a, _ = rules.credit_score(True, sum(rs), len(rs), upheld, extra)
    b, _ = rules.credit_score(True, sum(rs), len(rs), upheld + 1, extra)
    assert b <= a


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(ratings, st.integers(0, 5), inputs)
def test_verification_never_lowers_the_score(rs: list[int], upheld: int, extra: dict) -> None:
    assert rules.credit_score(True, sum(rs), len(rs), upheld, extra)[0] >= rules.credit_score(False, sum(rs), len(rs), upheld, extra)[0]


def test_a_missing_input_counts_as_neutral() -> None:
    _, parts = rules.credit_score(True, 0, 0, 0, {"price_compliance": (None, 1.0)})
    assert [p.value for p in parts if p.name == "price_compliance"] == [rules.NEUTRAL]


def test_median_days() -> None:
    assert rules.median_days([]) is None
    assert rules.median_days([1, 3, 10]) == 3
