"""The rules applied the plain way: one enrollment (and one class) at a time, day by day, with `date`s and `Fraction`s.

This is the yardstick for the vectorised engine (the property tests hold them equal on every line) and the
source of explanations. It favours being obviously right over being fast.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction
from typing import Collection, NamedTuple

import numpy as np

from tuoyu.money import round_half_up
from tuoyu.months import Month

from . import facility_status as status
from .facts import Facility, MonthFacts
from .ruleset import RuleSet


@dataclass(frozen=True)
class Day:
    """One day of one enrollment: the fee standard that day (None if not enrolled), eligibility and rate."""

    day: date
    fee_fen: int | None
    eligible: bool
    rate: Fraction


@dataclass(frozen=True)
class ReferenceLine:
    enrollment: int
    fee_fen: int
    reduction_fen: int
    family_due_fen: int
    operating_subsidy_fen: int
    enrolled_days: int
    subsidised_days: int
    sibling_rank: int
    age_eligible: bool
    birth_order: int
    reduction_rate: Fraction
    fee_exact: Fraction
    reduction_exact: Fraction
    subsidy_exact: Fraction
    days: tuple[Day, ...]


def third_birthday(birth: date, years: int) -> date:
    """The birthday number `years`; a 29 February birthday falls on 1 March in a year without one."""
    try:
        return birth.replace(year=birth.year + years)
    except ValueError:
        return date(birth.year + years, 3, 1)


def month_days(month: Month) -> list[date]:
    return [month.first_day + timedelta(days=i) for i in range(month.days)]


def rate_on(facility: Facility, ruleset: RuleSet, day: date) -> Fraction:
    """The facility's rate in force on `day`, held inside the rule set's bounds; 0 before any rate is set."""
    in_force = [rate for since, rate in sorted(facility.rates, key=lambda r: r[0]) if since <= day]
    return ruleset.operating_subsidy.clamp(in_force[-1]) if in_force else Fraction(0)


class Reference:
    """Reference computation over one month's facts; caches per-facility day status only."""

    def __init__(self, month: Month, ruleset: RuleSet, facts: MonthFacts):
        self.month, self.ruleset, self.facts = month, ruleset, facts
        self._facility_day: dict[tuple[int, date], tuple[bool, bool, Fraction]] = {}
        self._qualified: dict[int, bool] = {}
        # Lookups only (who belongs to what), built lazily so that checking a few rows of a large world is cheap.
        self._by_child: _Index | None = None
        self._by_family: _Index | None = None

    def fee_runs(self, row: int) -> list[tuple[date, date, int]]:
        """The fee periods of enrollment `row` (periods are sorted by row)."""
        fp = self.facts.fee_periods
        lo, hi = np.searchsorted(fp.enrollment, [row, row + 1])
        return [(fp.start[i].item(), fp.end[i].item(), int(fp.fee_fen[i])) for i in range(lo, hi)]

    def facility_day(self, index: int, day: date) -> tuple[bool, bool, Fraction]:
        """(revoked, eligible, rate) of facility `index` on `day`."""
        key = (index, day)
        if key not in self._facility_day:
            facility = self.facts.facilities[index]
            eligible = status.eligible_on(facility, self.ruleset, day)
            rate = rate_on(facility, self.ruleset, day) if eligible else Fraction(0)
            self._facility_day[key] = (status.is_revoked(facility, day), eligible, rate)
        return self._facility_day[key]

    def days_of(self, row: int) -> tuple[Day, ...]:
        enr = self.facts.enrollments
        start, end = enr.start[row].item(), enr.end[row].item()
        facility = int(enr.facility[row])
        runs = self.fee_runs(row)
        out = []
        for day in month_days(self.month):
            revoked, eligible, rate = self.facility_day(facility, day)
            # A revoked facility's enrollments end the day before the revocation.
            enrolled = start <= day <= end and not revoked
            fees = [fee for s, t, fee in runs if s <= day <= t]
            fee = (fees[0] if fees else 0) if enrolled else None
            out.append(Day(day, fee, enrolled and eligible, rate if enrolled and eligible else Fraction(0)))
        return tuple(out)

    def _qualifies(self, child: int) -> bool:
        """Enrolled on some day of the month at a covered, eligible facility."""
        if self._by_child is None:
            self._by_child = _Index(self.facts.enrollments.child)
        if child not in self._qualified:
            rows = self._by_child.rows(child)
            self._qualified[child] = any(d.eligible for row in rows for d in self.days_of(row))
        return self._qualified[child]

    def rank(self, child: int) -> int:
        kids = self.facts.children
        order = int(kids.birth_order[child])
        if self.ruleset.sibling_reduction.basis == "birth_order":
            return order
        if self._by_family is None:
            self._by_family = _Index(kids.family)
        born = kids.birth_date[child].item()
        elder = [
            other for other in self._by_family.rows(int(kids.family[child]))
            if (kids.birth_date[other].item(), int(kids.birth_order[other])) < (born, order)
            and self._qualifies(other)
        ]
        return 1 + len(elder)

    def line(self, row: int) -> ReferenceLine:
        """Every amount of one enrollment line, with the inputs that explain it."""
        month, ruleset = self.month, self.ruleset
        child = int(self.facts.enrollments.child[row])
        birth = self.facts.children.birth_date[child].item()
        age_ok = third_birthday(birth, ruleset.age_limit.years) > month.first_day
        days = self.days_of(row)
        rank = self.rank(child)
        reduction_rate = ruleset.sibling_reduction.rate_for(rank)
        enrolled = [d for d in days if d.fee_fen is not None]
        subsidised = [d for d in enrolled if d.eligible and age_ok]
        fee_exact = sum((Fraction(d.fee_fen, month.days) for d in enrolled), Fraction(0))
        reduction_exact = sum((Fraction(d.fee_fen, month.days) * reduction_rate for d in subsidised), Fraction(0))
        subsidy_exact = sum((Fraction(d.fee_fen, month.days) * d.rate for d in subsidised), Fraction(0))
        fee_fen, reduction_fen = round_half_up(fee_exact), round_half_up(reduction_exact)
        return ReferenceLine(
            enrollment=row,
            fee_fen=fee_fen,
            reduction_fen=reduction_fen,
            family_due_fen=fee_fen - reduction_fen,
            operating_subsidy_fen=round_half_up(subsidy_exact),
            enrolled_days=len(enrolled),
            subsidised_days=len(subsidised),
            sibling_rank=rank,
            age_eligible=age_ok,
            birth_order=int(self.facts.children.birth_order[child]),
            reduction_rate=reduction_rate,
            fee_exact=fee_exact,
            reduction_exact=reduction_exact,
            subsidy_exact=subsidy_exact,
            days=days,
        )


class _Index:
    """Rows of a column holding a given value, through one stable sort."""

    def __init__(self, column: np.ndarray):
        self.order = np.argsort(column, kind="stable")
        self.sorted = column[self.order]

    def rows(self, value: int) -> list[int]:
        lo, hi = np.searchsorted(self.sorted, [value, value + 1])
        return self.order[lo:hi].tolist()


def reference_lines(month: Month, ruleset: RuleSet, facts: MonthFacts, rows=None) -> list[ReferenceLine]:
    """Reference lines for `rows` (default: every enrollment row)."""
    ref = Reference(month, ruleset, facts)
    return [ref.line(row) for row in (range(len(facts.enrollments)) if rows is None else rows)]


class ReferenceGrant(NamedTuple):
    class_index: int
    grant_id: str
    amount_fen: int
    first_due_in_month: bool


def reference_grants(month: Month, ruleset: RuleSet, facts: MonthFacts, refused: Collection[int] = ()
                     ) -> list[ReferenceGrant]:
    """The one-time grants each class has earned by the month's end, read day by day (POLICY `construction_grant`):
    the first day on which the class is open, confirmed and its facility eligible. `refused`: facilities left out."""
    out = []
    for index, klass in enumerate(facts.classes):
        if klass.facility in refused or klass.confirmed_on is None:
            continue
        facility = facts.facilities[klass.facility]
        day, last = max(klass.opened_on, klass.confirmed_on), min(klass.closed_on or date.max, month.last_day)
        while day <= last and not status.eligible_on(facility, ruleset, day):
            day += timedelta(days=1)
        if day <= last:
            out += [ReferenceGrant(index, g.id, g.amount_fen, day >= month.first_day)
                    for g in ruleset.construction_grants]
    return out
