"""Benchmark: forecasts per second on one core for 100,000 random children.

Run: ``.venv/bin/python bench/forecast.py [--children N] [--seed S]``. Target: 20,000/s
on the UIP schedule. Children are born up to 6 years before a fixed as-of date; each has
a random history built from the schedule's due ages with random delays, skipped doses and
a few doses given too early (invalid), and one in five lives in a JE-endemic district.
The same is then measured for the IAP schedule (schedules/iap.yaml), for information.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.result import report
from scheduler import Area, forecast, load_schedule

AS_OF = dt.date(2025, 6, 1)
TARGET = 20_000


def make_children(
    count: int, seed: int, name: str = "uip"
) -> list[tuple[dt.date, list, Area | None]]:
    """Random (birth date, history, area) triples for schedule ``name``, built without
    the engine.

    Each series is walked in order: a dose is given at the later of its due age and the
    previous dose plus its minimum interval, plus a random delay; about 10% of doses are
    skipped (the rest of that series too) and 3% are given too early.
    """
    rng = random.Random(seed)
    schedule = load_schedule(name)
    as_of = AS_OF.toordinal()
    areas = [Area("GORAKHPUR", "UTTAR PRADESH"), Area("PATNA", "BIHAR"), None, Area("PUNE")]
    children = []
    for _ in range(count):
        dob = AS_OF - dt.timedelta(days=rng.randrange(6 * 365))
        area = rng.choices(areas, weights=(2, 4, 2, 2))[0]
        history = []
        for series in schedule.series:
            prev = None
            for slot in series.slots:
                dose = slot[0]  # the preferred option (Penta rather than DPT)
                if dose.only_in and area is not areas[0]:
                    break
                when = dose.due_age.add_to(dob).toordinal()
                if prev is not None and dose.min_interval is not None:
                    when = max(when, dose.min_interval.add_to_ordinal(prev))
                if rng.random() < 0.03:
                    when -= rng.randrange(5, 40)  # too early: usually reported invalid
                else:
                    when += int(rng.expovariate(1 / 20))
                if when > as_of or rng.random() < 0.10:
                    break
                prev = when = max(dob.toordinal(), when)
                history.append((dose.code, dt.date.fromordinal(when)))
        rng.shuffle(history)
        children.append((dob, history, area))
    return children


def best_of(rounds: int, run: Callable[[], object]) -> float:
    """The fastest of ``rounds`` timings: this machine's other load only adds time."""
    timings = []
    for _ in range(rounds):
        start = time.perf_counter()
        run()
        timings.append(time.perf_counter() - start)
    return min(timings)


def measure(name: str, count: int, seed: int, rounds: int) -> float:
    """Build ``count`` children for schedule ``name``, print the baseline and the forecast
    timings; returns the best forecast rate per second."""
    children = make_children(count, seed, name)
    gc.collect()
    gc.freeze()  # the inputs are not what is measured: keep them out of GC passes
    schedule = load_schedule(name)
    doses = sum(len(h) for _, h, _ in children)
    print(
        f"{len(children):,} children, {doses / len(children):.1f} recorded doses each, "
        f"{len(schedule.codes)} doses in the schedule, as of {AS_OF}"
    )

    def copy_histories() -> None:
        for _dob, history, _area in children:
            tuple((code, when) for code, when in history)

    def forecasts() -> None:
        for dob, history, area in children:
            forecast(dob, history, AS_OF, area, schedule).next_visit  # noqa: B018

    def forecasts_with_doses() -> None:
        for dob, history, area in children:
            forecast(dob, history, AS_OF, area, schedule).doses  # noqa: B018

    count = len(children)
    baseline = best_of(rounds, copy_histories)
    print(f"baseline, copy every history:      {baseline:6.3f} s = {count / baseline:>11,.0f} /s")
    first = best_of(1, forecasts)  # cold: every birth date's schedule is dated once
    print(f"forecast() + next_visit, 1st run:  {first:6.3f} s = {count / first:>11,.0f} /s")
    engine = best_of(rounds, forecasts)
    rate = count / engine
    print(f"forecast() + next_visit, best:     {engine:6.3f} s = {rate:>11,.0f} /s")
    full = best_of(1, forecasts_with_doses)
    print(f"forecast() + .doses (as dates):    {full:6.3f} s = {count / full:>11,.0f} /s")
    gc.unfreeze()  # the next schedule's children are measured on their own
    return rate


def main() -> int:
    """Build the children, time a trivial loop and the forecasts, print the rates, for the
    UIP and then the IAP schedule; 0 if the best UIP rate met the target, else 1."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds; the best counts")
    args = parser.parse_args()

    rate = measure("uip", args.children, args.seed, args.rounds)
    print(
        f"target {TARGET:,}/s on one core: {'met' if rate >= TARGET else 'NOT met'} ({rate:,.0f}/s)"
    )
    print("\nIAP schedule (for information; no target):")
    iap_rate = measure("iap", args.children, args.seed, args.rounds)
    print(f"IAP: {iap_rate:,.0f}/s, {iap_rate / rate:.0%} of the UIP's rate")
    figures = {"forecasts/s": round(rate), "IAP forecasts/s": round(iap_rate)}
    report("forecast", figures, f">= {TARGET:,}/s on one core (UIP)", rate >= TARGET)
    return 0 if rate >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
