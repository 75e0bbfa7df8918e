"""Benchmark of `compute_month` on a synthetic world, checked to the fen against the reference implementation.

    .venv/bin/python -m bench.engine_bench --rows 1000000

The world is deterministic (seeded numpy RNG): ~2,000 facilities, some not eligible (not filed, no food licence
though serving meals, filed or revoked mid-month, an uncovered kind), some with a rate change mid-month; families
of 1–4 children (a few twins) aged around 3; ~2% of children move facility mid-month; ~5% of enrollments have a
fee change mid-month. Writes bench/results/engine.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import time
import tracemalloc
from datetime import date, datetime, timedelta, timezone
from fractions import Fraction
from pathlib import Path

import numpy as np

from subsidy.rules.catalog import load_shipped
from subsidy.rules.engine import compute_month
from subsidy.rules.facts import (
    OPEN_END, ChildFacts, ClassFacts, EnrollmentFacts, Facility, FeePeriods, MonthFacts,
)
from subsidy.rules.reference import reference_lines
from subsidy.rules.ruleset import dump_ruleset, load_ruleset
from tuoyu.months import Month

MONTH = Month(2022, 9)
RESULTS = Path(__file__).resolve().parent / "results" / "engine.json"
COLUMNS = ["fee_fen", "reduction_fen", "family_due_fen", "operating_subsidy_fen", "enrolled_days", "subsidised_days",
           "sibling_rank", "age_eligible"]


def _facilities(rng: np.random.Generator, n: int) -> list[Facility]:
    first = MONTH.first_day
    out = []
    for i in range(n):
        roll = rng.random()
        kind = "childcare_institution" if roll < 0.7 else "inclusive_private_integrated" if roll < 0.9 else str(
            rng.choice(["employer", "community", "kindergarten_toddler_class"]))
        meals = bool(rng.random() < 0.6)
        filed = first - timedelta(days=int(rng.integers(30, 900)))
        problem = rng.random()
        if problem < 0.03:
            filed = None                                            # not filed
        elif problem < 0.05:
            filed = first + timedelta(days=int(rng.integers(1, 28)))  # filed mid-month
        food = None if meals and problem > 0.98 else filed          # meals without a food licence
        revoked = first + timedelta(days=int(rng.integers(0, 30))) if 0.05 <= problem < 0.06 else None
        reviews = (((first - timedelta(days=40), "fail"),) if 0.06 <= problem < 0.08 else ())
        rate = Fraction(int(rng.integers(8, 16)), 100)
        rates = [(date(2020, 1, 1), rate)]
        if rng.random() < 0.1:
            rates.append((first + timedelta(days=int(rng.integers(1, 30))), Fraction(int(rng.integers(8, 16)), 100)))
        out.append(Facility(f"F{i:05d}", kind, meals, filed, filed, food, revoked, tuple(rates), reviews))
    return out


def build_world(rows: int, seed: int = 20220901) -> MonthFacts:
    """A deterministic world with about `rows` enrollment rows for MONTH."""
    rng = np.random.default_rng(seed)
    n_fac = max(rows // 500, 20)
    facilities = _facilities(rng, n_fac)
    opened = [(i, f"C{i:05d}-{k}", MONTH.first_day - timedelta(days=int(rng.integers(-20, 700))))
              for i in range(n_fac) for k in range(int(rng.integers(1, 5)))]
    classes = [ClassFacts(i, name, day, confirmed_on=day) for i, name, day in opened]  # confirmed on opening
    fac_fee = rng.integers(150, 401, n_fac) * 1000 + np.where(rng.random(n_fac) < 0.2, rng.integers(1, 999, n_fac), 0)

    # Children: families of 1-4, birth order by birth date, a few twins; one enrollment each, movers get two.
    movers = int(rows * 0.02)
    n_child = rows - movers
    sizes = rng.choice([1, 2, 3, 4], p=[0.6, 0.28, 0.09, 0.03], size=n_child)
    family = np.repeat(np.arange(len(sizes), dtype=np.int64), sizes)[:n_child]
    first = np.datetime64(MONTH.first_day, "D")
    born = first - rng.integers(120, 1300, n_child).astype("timedelta64[D]")
    twin = np.concatenate(([False], (family[1:] == family[:-1]) & (rng.random(n_child - 1) < 0.02)))
    born[twin] = born[np.flatnonzero(twin) - 1]
    order = np.lexsort((born, family))
    family, born = family[order], born[order]
    starts = np.flatnonzero(np.concatenate(([True], family[1:] != family[:-1])))
    birth_order = (np.arange(n_child) - np.repeat(starts, np.diff(np.append(starts, n_child))) + 1).astype(np.int16)
    children = ChildFacts(family, born, birth_order)

    # Enrollments: mostly whole month; some start or end inside it; movers switch facility on day k.
    child = np.concatenate((np.arange(n_child), rng.choice(n_child, movers, replace=False)))
    child.sort()
    facility = rng.integers(0, n_fac, rows)
    start = np.where(rng.random(rows) < 0.85, first - rng.integers(1, 700, rows).astype("timedelta64[D]"),
                     first + rng.integers(0, 30, rows).astype("timedelta64[D]"))
    end = np.where(rng.random(rows) < 0.9, OPEN_END, first + rng.integers(10, 60, rows).astype("timedelta64[D]"))
    end = np.maximum(end, start)
    again = np.concatenate(([False], child[1:] == child[:-1]))
    switch = first + rng.integers(1, 29, rows).astype("timedelta64[D]")
    before = np.flatnonzero(again) - 1  # the mover's first enrollment, ending the day before the switch
    end[before] = switch[again] - np.timedelta64(1, "D")
    start[before] = np.minimum(start[before], end[before])
    start[again] = switch[again]
    enrollments = EnrollmentFacts(child.astype(np.int64), facility.astype(np.int64), start, end)

    # Fee periods: one run over the enrollment's days in the month, split in two for ~5% with a new fee.
    last = np.datetime64(MONTH.last_day, "D")
    lo, hi = np.maximum(start, first), np.minimum(end, last)
    fee = fac_fee[facility]
    change = (rng.random(rows) < 0.05) & (hi > lo)
    cut = lo + (rng.integers(0, 1 << 30, rows) % np.maximum((hi - lo).astype(np.int64), 1) + 1).astype("timedelta64[D]")
    row = np.arange(rows, dtype=np.int64)
    second = np.flatnonzero(change)
    periods = FeePeriods(
        enrollment=np.concatenate((row, row[second])),
        start=np.concatenate((lo, cut[second])),
        end=np.concatenate((np.where(change, cut - np.timedelta64(1, "D"), hi), hi[second])),
        fee_fen=np.concatenate((fee, fee[second] + rng.integers(-30000, 50000, len(second)))),
    )
    keep = periods.start <= periods.end
    order = np.argsort(periods.enrollment[keep], kind="stable")
    periods = FeePeriods(*(column[keep][order] for column in
                           (periods.enrollment, periods.start, periods.end, periods.fee_fen)))
    return MonthFacts(facilities, classes, children, enrollments, periods)


def _rss_mib() -> float:
    """Peak resident set size of this process so far (ru_maxrss is in KiB on Linux)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _time(ruleset, facts, repeat: int) -> tuple[list[float], object]:
    timings, due = [], None
    for _ in range(repeat):
        began = time.perf_counter()
        due = compute_month(MONTH, ruleset, facts)
        timings.append(time.perf_counter() - began)
    return timings, due


def _traced_peak(ruleset, facts) -> int:
    tracemalloc.start()
    compute_month(MONTH, ruleset, facts)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def _reference_check(ruleset, facts, due, rows: int) -> tuple[float, int]:
    """Seconds for the reference on the first `rows` rows, and how many of them differ from the engine."""
    began = time.perf_counter()
    lines = reference_lines(MONTH, ruleset, facts, range(rows))
    seconds = time.perf_counter() - began
    mismatches = sum(
        due.lines.row(ref.enrollment) != {"enrollment": ref.enrollment, **{c: getattr(ref, c) for c in COLUMNS}}
        for ref in lines)
    return seconds, mismatches


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--reference-rows", type=int, default=20_000)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    began = time.perf_counter()
    facts = build_world(args.rows)
    world_seconds = time.perf_counter() - began
    rss_before = _rss_mib()
    putuo = load_shipped("zhoushan-putuo-2022")
    siblings = load_ruleset(dump_ruleset(putuo).replace("basis: birth_order", "basis: enrolled_siblings"))
    results = {}
    for name, ruleset in (("birth_order", putuo), ("enrolled_siblings", siblings)):
        timings, due = _time(ruleset, facts, args.repeat)
        rss_after_compute = _rss_mib()
        n_ref = min(args.reference_rows, len(facts.enrollments))
        ref_seconds, mismatches = _reference_check(ruleset, facts, due, n_ref)
        engine_rate = len(facts.enrollments) / statistics.median(timings)
        results[name] = {
            "timings_s": [round(t, 4) for t in timings],
            "median_s": round(statistics.median(timings), 4),
            "rows_per_s": round(engine_rate),
            "tracemalloc_peak_mib": round(_traced_peak(ruleset, facts) / 2**20, 1),
            "rss_peak_after_compute_mib": rss_after_compute,
            "reference_rows": n_ref,
            "reference_s": round(ref_seconds, 2),
            "reference_rows_per_s": round(n_ref / ref_seconds),
            "speedup_vs_reference": round(engine_rate / (n_ref / ref_seconds)),
            "reference_mismatches": mismatches,
            "totals_fen": due.totals(),
        }
    report = {
        "benchmark": "subsidy.rules.engine.compute_month",
        "month": str(MONTH),
        "enrollment_rows": len(facts.enrollments),
        "fee_periods": len(facts.fee_periods),
        "children": len(facts.children),
        "facilities": len(facts.facilities),
        "classes": len(facts.classes),
        "world_build_s": round(world_seconds, 2),
        "rss_before_compute_mib": rss_before,
        "rss_peak_mib": _rss_mib(),
        "results": results,
        "machine": {
            "cpu_count": os.cpu_count(), "platform": platform.platform(), "processor": platform.processor(),
            "python": platform.python_version(), "numpy": np.__version__,
            "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        },
    }
    _print(report)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return report


def _print(report: dict) -> None:
    machine = report["machine"]
    print(f"compute_month {report['month']}: {report['enrollment_rows']:,} enrollments, {report['fee_periods']:,} fee "
          f"periods, {report['facilities']:,} facilities (world built in {report['world_build_s']} s)")
    print(f"{'sibling basis':<18}{'median s':>10}{'rows/s':>12}{'traced MiB':>11}{'RSS MiB':>9}"
          f"{'ref rows/s':>11}{'speed-up':>10}{'diffs':>7}")
    for name, r in report["results"].items():
        print(f"{name:<18}{r['median_s']:>10.3f}{r['rows_per_s']:>12,}{r['tracemalloc_peak_mib']:>11.1f}"
              f"{r['rss_peak_after_compute_mib']:>9.0f}{r['reference_rows_per_s']:>11,}{r['speedup_vs_reference']:>9,}x"
              f"{r['reference_mismatches']:>7}")
    print(f"diffs: lines of the first {report['results']['birth_order']['reference_rows']:,} rows that differ from the "
          f"reference. Peak RSS {report['rss_peak_mib']} MiB (world built: {report['rss_before_compute_mib']} MiB); "
          f"{machine['cpu_count']} CPUs, Python {machine['python']}, numpy {machine['numpy']}")


if __name__ == "__main__":
    main()
