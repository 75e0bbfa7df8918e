"""`compute_month`: the month's amounts for every enrollment, class and facility, vectorised and exact.

How it stays exact: money is int64 fen, rates are int64 parts per million, and each line is rounded once by
integer half-up division. Each facility gets a row of 31 day slots holding its rate on eligible days (0
otherwise); with cumulative sums over the days, a fee run's subsidy numerator is fee × (cum[last+1] −
cum[first]), so rate changes inside a month cost nothing extra. Dates are handled as int64 day numbers.
"""

from __future__ import annotations

from datetime import date
from typing import Collection

import numpy as np

from tuoyu.months import Month

from . import facility_status as status
from .due import FacilityDue, GrantDue, LinesDue, MonthDue
from .exact import PPM, half_up_div, to_ppm
from .facts import Facility, MonthFacts
from .family import age_eligible, enrolled_sibling_rank, reduction_ppm
from .ruleset import RuleSet

_NEVER = np.iinfo(np.int64).max // 4  # a day number after every real date


def _day(d: date) -> int:
    return int(np.datetime64(d, "D").view(np.int64))


def compute_month(month: Month, ruleset: RuleSet, facts: MonthFacts) -> MonthDue:
    """Apply `ruleset` to `facts` for `month`. Pure: same inputs, same `MonthDue`.

    A facility whose facts the engine refuses (`MonthFacts.check`) is left out: no line, no grant, no eligible
    day; `MonthDue.refused` says why, and every other facility is computed as if it were not there.
    """
    refused = facts.check()
    kept, rows = facts.without(refused)
    grid = _FacilityGrid(month, ruleset, facts.facilities, refused)
    return MonthDue(
        month=month,
        ruleset_id=ruleset.id,
        ruleset_version=ruleset.version,
        lines=_lines(month, ruleset, kept, grid, rows),
        grants=_grants(month, ruleset, kept, grid),
        facilities=_facility_due(month, facts.facilities, grid),
        refused=refused,
    )


class _FacilityGrid:
    """Per facility and day of the month: eligibility and the applied rate, with cumulative sums."""

    def __init__(self, month: Month, ruleset: RuleSet, facilities, refused: Collection[int] = ()):
        days, first = month.days, month.first_day
        n = len(facilities)
        eligible = np.zeros((n, days), dtype=bool)
        rate = np.zeros((n, days), dtype=np.int64)
        self.cutoff = np.full(n, _NEVER, dtype=np.int64)  # last day an enrollment can run
        self.revoked_on: list[date | None] = []
        self.intervals: list[tuple[date, date] | None] = []
        ppm: dict = {}  # facilities share a handful of rates; Fraction arithmetic is the slow part here
        for i, facility in enumerate(facilities):
            revoked = status.revocation_date(facility)
            interval = status.eligibility_interval(facility, ruleset, revoked)
            if i in refused:  # left out: no eligible day, and its rates may be what the engine cannot hold
                interval = None
            self.revoked_on.append(revoked)
            self.intervals.append(interval)
            if revoked is not None:
                self.cutoff[i] = _day(revoked) - 1
            if interval is not None:
                lo = max((interval[0] - first).days, 0)
                hi = min((interval[1] - first).days + 1, days)
                if lo < hi:  # a negative hi would slice from the end
                    eligible[i, lo:hi] = True
            for since, value in sorted(facility.rates, key=lambda r: r[0]) if interval is not None else ():
                start = max((since - first).days, 0)
                if start < days:
                    key = (value.numerator, value.denominator)  # cheaper to hash than a Fraction
                    if key not in ppm:
                        ppm[key] = to_ppm(ruleset.operating_subsidy.clamp(value))
                    rate[i, start:] = ppm[key]
        rate *= eligible
        self.width = days + 1
        self.eligible_days = eligible.sum(axis=1, dtype=np.int64)
        self.cum_eligible = np.zeros((n, self.width), dtype=np.int64)
        self.cum_eligible[:, 1:] = np.cumsum(eligible, axis=1)
        self.cum_rate = np.zeros((n, self.width), dtype=np.int64)
        self.cum_rate[:, 1:] = np.cumsum(rate, axis=1)

    def window(self, facility: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Flat indices (bottom, top) with cum[top] − cum[bottom] = Σ over day offsets lo..hi (lo >= 0).

        An empty range (hi < lo) gets top = bottom, so its sum is 0 without a mask.
        """
        bottom = np.minimum(lo, self.width - 1)
        top = np.maximum(np.minimum(hi + 1, self.width - 1), bottom)
        base = facility * self.width
        return base + bottom, base + top

    @staticmethod
    def total(cum: np.ndarray, window: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        flat = cum.ravel()
        return flat[window[1]] - flat[window[0]]


def _lines(month: Month, ruleset: RuleSet, facts: MonthFacts, grid: _FacilityGrid, rows: np.ndarray) -> LinesDue:
    """One line per enrollment of `facts`; `rows` are their rows in the facts the month was asked for."""
    enr, fp = facts.enrollments, facts.fee_periods
    days, first = month.days, _day(month.first_day)
    # Enrollment range in day offsets within the month, cut the day before a revocation.
    lo = np.maximum(enr.start.view(np.int64), first) - first
    hi = np.minimum(np.minimum(enr.end.view(np.int64), first + days - 1), grid.cutoff[enr.facility]) - first
    enrolled_days = np.maximum(hi - lo + 1, 0)
    eligible_days = grid.total(grid.cum_eligible, grid.window(enr.facility, lo, hi))

    # Fee runs, clipped to their enrollment's range; numerators summed per enrollment row.
    row = fp.enrollment
    p_lo = np.maximum(fp.start.view(np.int64) - first, lo[row])
    p_hi = np.minimum(fp.end.view(np.int64) - first, hi[row])
    window = grid.window(enr.facility[row], p_lo, p_hi)
    fee = fp.fee_fen
    fee_num, reduction_base, subsidy_num = _sum_by_row(
        row,
        len(enr),
        fee * np.maximum(p_hi - p_lo + 1, 0),
        fee * grid.total(grid.cum_eligible, window),
        fee * grid.total(grid.cum_rate, window),
    )

    age_ok_child = age_eligible(facts.children.birth_date, month, ruleset.age_limit.years)
    age_ok = age_ok_child[enr.child]
    rank = _ranks(ruleset, facts, eligible_days)[enr.child]
    reduction_rate = reduction_ppm(rank, ruleset.sibling_reduction.table)

    fee_fen = half_up_div(fee_num, days)
    reduction = np.where(age_ok, half_up_div(reduction_rate * reduction_base, days * PPM), 0)
    return LinesDue(
        enrollment=rows,
        fee_fen=fee_fen,
        reduction_fen=reduction,
        family_due_fen=fee_fen - reduction,
        operating_subsidy_fen=np.where(age_ok, half_up_div(subsidy_num, days * PPM), 0),
        enrolled_days=enrolled_days,
        subsidised_days=np.where(age_ok, eligible_days, 0),
        sibling_rank=rank,
        age_eligible=age_ok,
    )


def _ranks(ruleset: RuleSet, facts: MonthFacts, eligible_days: np.ndarray) -> np.ndarray:
    """Per child: its registered birth order, or its rank among enrolled siblings (POLICY `sibling_reduction`).

    A sibling counts when enrolled on some day at a covered, eligible facility, whatever its age: POLICY's
    wording names enrollment and facility only.
    """
    children = facts.children
    if ruleset.sibling_reduction.basis == "birth_order":
        return children.birth_order.astype(np.int64)
    qualifying = np.zeros(len(children), dtype=bool)
    qualifying[facts.enrollments.child[eligible_days > 0]] = True
    return enrolled_sibling_rank(children, qualifying)


def _sum_by_row(row: np.ndarray, n: int, *columns: np.ndarray) -> list[np.ndarray]:
    """Sum each column per enrollment row, in int64 (np.bincount would go through float64)."""
    if len(row) == n and np.array_equal(row, np.arange(n)):
        return list(columns)  # one fee run per enrollment: nothing to add up
    out = []
    for column in columns:
        summed = np.zeros(n, dtype=np.int64)
        np.add.at(summed, row, column)
        out.append(summed)
    return out


def _grants(month: Month, ruleset: RuleSet, facts: MonthFacts, grid: _FacilityGrid) -> tuple[GrantDue, ...]:
    """Grants of every class with a day in or before this month on which it is open, confirmed by the health
    commission and its facility eligible (POLICY `construction_grant`); a class nobody confirmed earns none."""
    if not ruleset.construction_grants:
        return ()
    due = []
    first, last = month.first_day, month.last_day
    grants = [(g.id, g.rule, g.amount_fen) for g in ruleset.construction_grants]  # amount_fen may multiply
    for index, klass in enumerate(facts.classes):
        interval = grid.intervals[klass.facility]
        if interval is None or klass.confirmed_on is None:
            continue
        earliest = max(klass.opened_on, klass.confirmed_on, interval[0])
        latest = min(klass.closed_on or date.max, interval[1], last)
        if earliest > latest:
            continue
        for grant_id, rule, amount in grants:
            due.append(GrantDue(index, klass.external_id, klass.facility, grant_id, rule, amount, earliest >= first))
    return tuple(due)


def _facility_due(month: Month, facilities: list[Facility], grid: _FacilityGrid) -> FacilityDue:
    last = month.last_day
    revoked_on = tuple(grid.revoked_on)
    revoked = np.array([d is not None and d <= last for d in revoked_on], dtype=bool)
    rectifying = np.array([status.in_rectification(f, last) for f in facilities], dtype=bool)
    return FacilityDue(
        eligible_days=grid.eligible_days,
        held=rectifying & ~revoked,
        revoked=revoked,
        in_rectification_at_month_end=rectifying,
        revoked_on=revoked_on,
    )
