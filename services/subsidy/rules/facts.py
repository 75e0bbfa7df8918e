"""The facts the engine needs for one month, held in columns.

Facilities and classes are few (thousands at most) and stay plain Python objects; children, enrollments and
fee periods can run to millions of rows and are numpy columns. Indices link the tables: an enrollment's
`child` is a row of `ChildFacts`, its `facility` an index into `facilities`, a fee period's `enrollment` a row
of `EnrollmentFacts`. `MonthFacts.from_records` builds all of it from small records (tests, projections).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Collection, Literal, NamedTuple, Sequence

import numpy as np

from tuoyu.bounds import MONTHLY_FEE_FEN
from tuoyu.money import format_cny

OPEN_END = np.datetime64("9999-12-31", "D")
"""The end date of an enrollment that has none."""

FacilityKind = Literal[
    "childcare_institution", "inclusive_private_integrated", "kindergarten_toddler_class", "employer", "community"
]


class FactsInvalid(ValueError):
    """Facts no facility can be blamed for: a bad index, fee runs not sorted by enrollment (the loader's bugs)."""


class Refusal(NamedTuple):
    """Why the engine refuses a facility's facts: the reason, and the enrollment row it concerns (None: the
    facility's own facts)."""

    enrollment: int | None
    reason: str


@dataclass(frozen=True)
class Facility:
    """One facility's status history. `rates` are (effective date, rate); `reviews` are (date, "pass"|"fail")."""

    external_id: str
    kind: FacilityKind
    serves_meals: bool = False
    filed_on: date | None = None
    fire_safety_certified_on: date | None = None
    food_licence_on: date | None = None
    revoked_on: date | None = None
    rates: tuple[tuple[date, Fraction], ...] = ()
    reviews: tuple[tuple[date, Literal["pass", "fail"]], ...] = ()


@dataclass(frozen=True)
class ClassFacts:
    """A class (托班) of a facility; `facility` is an index into `MonthFacts.facilities`. `confirmed_on`: when the
    health commission confirmed it; None (not confirmed) earns no grant (POLICY "Guard rails")."""

    facility: int
    external_id: str
    opened_on: date
    closed_on: date | None = None
    confirmed_on: date | None = None


@dataclass(frozen=True)
class ChildFacts:
    """Children in columns: `family` key, `birth_date` (datetime64[D]) and registered `birth_order`.

    `family` is the key `enrolled_siblings` ranks within: the household's when the family has one, so the same
    guardian's children at several facilities are siblings (`family.sibling_groups`), else the family's."""

    family: np.ndarray
    birth_date: np.ndarray
    birth_order: np.ndarray

    def __len__(self) -> int:
        return len(self.family)


@dataclass(frozen=True)
class EnrollmentFacts:
    """Enrollments that overlap the month: `child` and `facility` indices, inclusive `start`/`end` dates."""

    child: np.ndarray
    facility: np.ndarray
    start: np.ndarray
    end: np.ndarray

    def __len__(self) -> int:
        return len(self.child)


@dataclass(frozen=True)
class FeePeriods:
    """Runs of one monthly fee standard, inclusive dates, sorted by `enrollment`; together they cover its days."""

    enrollment: np.ndarray
    start: np.ndarray
    end: np.ndarray
    fee_fen: np.ndarray

    def __len__(self) -> int:
        return len(self.enrollment)


@dataclass(frozen=True)
class ChildRecord:
    family: int
    birth_date: date
    birth_order: int


@dataclass(frozen=True)
class EnrollmentRecord:
    """One enrollment with its fee runs as (start, end, fee_fen); `end=None` means open."""

    child: int
    facility: int
    start: date
    end: date | None
    fees: tuple[tuple[date, date, int], ...]


@dataclass(frozen=True)
class MonthFacts:
    """Everything `compute_month` reads."""

    facilities: Sequence[Facility]
    classes: Sequence[ClassFacts]
    children: ChildFacts
    enrollments: EnrollmentFacts
    fee_periods: FeePeriods

    @classmethod
    def from_records(
        cls,
        facilities: Sequence[Facility],
        classes: Sequence[ClassFacts],
        children: Sequence[ChildRecord],
        enrollments: Sequence[EnrollmentRecord],
    ) -> MonthFacts:
        """Build the columns from small records; fee runs keep the order given within each enrollment."""
        kids = ChildFacts(
            family=np.array([c.family for c in children], dtype=np.int64),
            birth_date=np.array([c.birth_date for c in children], dtype="datetime64[D]"),
            birth_order=np.array([c.birth_order for c in children], dtype=np.int16),
        )
        enr = EnrollmentFacts(
            child=np.array([e.child for e in enrollments], dtype=np.int64),
            facility=np.array([e.facility for e in enrollments], dtype=np.int64),
            start=np.array([e.start for e in enrollments], dtype="datetime64[D]"),
            end=np.array([e.end or OPEN_END.item() for e in enrollments], dtype="datetime64[D]"),
        )
        runs = [(i, s, t, fee) for i, e in enumerate(enrollments) for s, t, fee in e.fees]
        periods = FeePeriods(
            enrollment=np.array([r[0] for r in runs], dtype=np.int64),
            start=np.array([r[1] for r in runs], dtype="datetime64[D]"),
            end=np.array([r[2] for r in runs], dtype="datetime64[D]"),
            fee_fen=np.array([r[3] for r in runs], dtype=np.int64),
        )
        return cls(list(facilities), list(classes), kids, enr, periods)

    def check(self) -> dict[int, Refusal]:
        """The facilities whose facts the engine refuses, each with the first reason found; cheap, vectorised.

        What can be pinned on a facility (a fee out of bounds, fee runs out of order or overlapping, a missing
        date, a rate the engine cannot hold exactly) blocks that facility alone (POLICY "Guard rails"); a bad
        index or unsorted fee runs is the loader's bug, not a fact, and raises `FactsInvalid` for the month.
        """
        n_fac, n_child, n_enr = len(self.facilities), len(self.children), len(self.enrollments)
        enr, fp = self.enrollments, self.fee_periods
        if n_enr and (enr.facility.min() < 0 or enr.facility.max() >= n_fac):
            raise FactsInvalid("an enrollment points at a facility index that does not exist")
        if n_enr and (enr.child.min() < 0 or enr.child.max() >= n_child):
            raise FactsInvalid("an enrollment points at a child index that does not exist")
        if len(fp) and (fp.enrollment.min() < 0 or fp.enrollment.max() >= n_enr):
            raise FactsInvalid("a fee period points at an enrollment row that does not exist")
        if np.any(np.diff(fp.enrollment) < 0):
            raise FactsInvalid("fee periods must be sorted by enrollment row")
        for cls_ in self.classes:
            if not 0 <= cls_.facility < n_fac:
                raise FactsInvalid(f"class {cls_.external_id} points at a facility index that does not exist")
        low, high = MONTHLY_FEE_FEN  # the bound's reason is this engine's int64 arithmetic
        same = fp.enrollment[1:] == fp.enrollment[:-1]
        unborn = np.isnat(self.children.birth_date)
        # Each check gives the enrollment rows at fault; the first check a facility fails names its reason.
        checks = (
            (np.nonzero(unborn[enr.child])[0] if unborn.any() else fp.enrollment[:0],
             "the child's birth date is missing"),
            (np.nonzero(np.isnat(enr.start) | np.isnat(enr.end))[0],
             "the enrollment's start or end date is missing (an open end is OPEN_END, not NaT)"),
            (fp.enrollment[np.isnat(fp.start) | np.isnat(fp.end)], "a fee period's date is missing"),
            (fp.enrollment[1:][same & (fp.start[1:] <= fp.end[:-1])],
             "the enrollment's fee periods overlap or are out of date order"),
            (fp.enrollment[(fp.fee_fen < low) | (fp.fee_fen > high)],
             f"a monthly fee must be between {format_cny(low)} and {format_cny(high)} CNY"),
        )
        refused: dict[int, Refusal] = {}
        for rows, reason in checks:
            facilities, first = np.unique(enr.facility[rows], return_index=True)
            for facility, row in zip(facilities.tolist(), rows[first].tolist()):
                refused.setdefault(facility, Refusal(row, reason))
        for index, facility in enumerate(self.facilities):
            if any(10**6 % rate.denominator for _, rate in facility.rates):  # not exact in ppm
                refused.setdefault(index, Refusal(None, "a subsidy rate has more than six decimals"))
        return refused

    def without(self, facilities: Collection[int]) -> tuple[MonthFacts, np.ndarray]:
        """These facts less the enrollments and fee runs of `facilities`, and the enrollment rows kept.

        Facilities, children and classes keep their indices, so what is computed from the rest still names them.
        """
        if not facilities:
            return self, np.arange(len(self.enrollments), dtype=np.int64)
        enr, fp = self.enrollments, self.fee_periods
        keep = ~np.isin(enr.facility, np.fromiter(facilities, np.int64, len(facilities)))
        rows = np.nonzero(keep)[0]
        new_row = np.cumsum(keep) - 1
        runs = keep[fp.enrollment]
        return MonthFacts(
            self.facilities, self.classes, self.children,
            EnrollmentFacts(enr.child[rows], enr.facility[rows], enr.start[rows], enr.end[rows]),
            FeePeriods(new_row[fp.enrollment[runs]], fp.start[runs], fp.end[runs], fp.fee_fen[runs]),
        ), rows
