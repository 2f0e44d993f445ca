"""Benchmark campaigns.rules.apportion on 100,000 members with a binding floor and cap.

Run: python bench/bench_apportion.py
Prints its markdown table (header, separator, one row: members | best s | median s | target |
result), as every bench/bench_*.py does for bench/run.py, and exits non-zero if the best of
5 runs takes 1 s or longer.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from campaigns.rules import apportion

MEMBERS = 100_000
RUNS = 5
TARGET_S = 1.0
BUDGET = 500_000_000  # fen (5,000,000.00 yuan); mean share 5,000 fen
MIN_SHARE = 2_000  # fen; binds for the light members
MAX_SHARE_PCT = Decimal("0.01")  # cap 50,000 fen; binds for the heavy members


def main() -> int:
    rng = random.Random(20240601)
    weights = {}
    for member_id in range(1, MEMBERS + 1):
        # Mostly light members plus a heavy tail, so both bounds bind.
        weights[member_id] = rng.randint(1, 100) if rng.random() < 0.99 else rng.randint(1_000, 50_000)

    times = []
    shares: dict[int, int] = {}
    for _ in range(RUNS):
        start = time.perf_counter()
        shares = apportion(BUDGET, weights, min_share=MIN_SHARE, max_share_pct=MAX_SHARE_PCT)
        times.append(time.perf_counter() - start)

    cap = int(BUDGET * MAX_SHARE_PCT // 100)
    assert sum(shares.values()) == BUDGET
    floored = sum(1 for s in shares.values() if s == MIN_SHARE)
    capped = sum(1 for s in shares.values() if s == cap)
    if not (floored and capped):
        print(f"bench setup error: floor binds for {floored}, cap for {capped}", file=sys.stderr)
        return 2

    best = min(times)
    median = statistics.median(times)
    verdict = "PASS" if best < TARGET_S else "FAIL"
    print("| members | best s | median s | target | result |")
    print("| ---: | ---: | ---: | --- | --- |")
    print(f"| {MEMBERS} | {best:.3f} | {median:.3f} | <{TARGET_S:g} s | {verdict} |")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
