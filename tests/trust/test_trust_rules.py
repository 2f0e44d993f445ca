"""The credit formula and the Bayesian average: pure, checked by properties."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chamber.trust import rules

ratings = st.lists(st.integers(1, 5), max_size=200)
inputs = st.dictionaries(st.sampled_from(["on_time_payments", "price_compliance"]),
                         st.tuples(st.one_of(st.none(), st.floats(0, 1)), st.floats(0.1, 5)))


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(ratings, st.integers(0, 10), inputs, st.booleans())
def test_score_is_between_0_and_100_and_the_points_add_up(rs: list[int], upheld: int, extra: dict, verified: bool) -> None:
    score, parts = rules.credit_score(verified, sum(rs), len(rs), upheld, extra)
    assert 0 <= score <= 100
    assert abs(sum(p.points for p in parts) - score) <= 0.5 + 1e-9


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
