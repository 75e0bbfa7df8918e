"""The enrollment rules as pure functions: one check each, with its one message.

The API (one record at a time) and the roster import (thousands at once) gather the facts differently and then ask
these same functions, so both refuse the same things for the same reasons. Each returns the problem as
`(field, reason)`, or None when all is well; `refuse` turns it into `InvalidInput` (a 422, or a roster row error:
`problem_of` gives it back). A record created again with other content raises `Differs` (409, or a row error).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Iterable

import numpy as np

from tuoyu import bounds, national_id
from tuoyu.errors import Conflict, InvalidInput, TuoyuError

Problem = tuple[str, str] | None
# The days of an enrollment: (external_id, start, end), end None for an open end.
Span = tuple[str, date, date | None]
# The same words whatever the other facility and its days: a refusal tells a facility nothing about another.
ELSEWHERE = ("the child (recognised by national ID) is already enrolled at another facility on some of these days; "
             "a child is enrolled at one place at a time (the health commission sees such duplicates)")
UNFILED = ("only a filed (备案) facility may give a national ID (a child's or a guardian's): file with the health "
           "commission first, or register without it")
ID_HOLDS_BIRTH_DATE = ("the child was registered with a national ID, which holds its birth date: the birth date "
                       "cannot change apart from it (if the ID was wrong too, register the child again with both "
                       "right)")


def refuse(problem: Problem) -> None:
    """Raise the problem, if there is one, as `InvalidInput`."""
    if problem:
        raise InvalidInput(*problem)


def problem_of(error: TuoyuError) -> tuple[str, str]:
    """(field, reason) of a refusal raised by these rules: how the roster import reports it on the row."""
    if isinstance(error, Differs):
        return error.field, error.detail
    first = error.errors[0]
    return first["field"], first["reason"]


def missing(noun: str, external_id: str, field: str | None = None) -> Problem:
    """A record the request names is not at this facility."""
    return field or noun, f"no {noun} {external_id!r} at this facility"


def revoked_problem(revoked_on: date | None) -> Problem:
    if revoked_on is not None:
        return "facility", f"the facility was revoked on {revoked_on} and accepts nothing new"
    return None


def ahead_problem(field: str, day: date, today: date) -> Problem:
    """An enrollment, fee, rate or filing dated more than a year after the clock (`tuoyu.bounds.latest_day`)."""
    reason = bounds.ahead_problem(day, today)
    return (field, reason) if reason else None


def birth_date_problem(birth_date: date, today: date) -> Problem:
    if birth_date > today:
        return "birth_date", "must not be in the future"
    return None


def start_problem(start: date, birth_date: date) -> Problem:
    if start < birth_date:
        return "start", f"must not be before the child's birth date {birth_date}"
    return None


def end_problem(start: date, end: date | None) -> Problem:
    if end is not None and end < start:
        return "end", f"must be on or after start ({start})"
    return None


def twin_problem(registered_as: str | None) -> Problem:
    """The national ID is already registered at this facility, under another child id."""
    if registered_as is not None:
        return "national_id", f"this facility already registered the child as {registered_as!r}"
    return None


def national_id_problem(number: str | None, birth_date: date | None, filed: bool,
                        field: str = "national_id") -> Problem:
    """A national ID is 18 characters with its GB 11643 check character, holds the child's birth date (a
    guardian's: no date to match), and is accepted only from a filed facility: a facility that anyone can register
    cannot claim a stranger's child, nor join a stranger's household."""
    if number is None:
        return None
    reason = national_id.problem(number, birth_date)
    if reason:
        return field, reason
    if not filed:
        return field, UNFILED
    return None


def overlap_problem(start: date, end: date | None, child_spans: Iterable[Span]) -> Problem:
    """The child is enrolled (here) on a day of [start, end] already."""
    for external_id, s, e in child_spans:
        if overlaps(start, end, s, e):
            return "start", f"the child is already enrolled on some of these days ({external_id})"
    return None


def elsewhere_problem(start: date, end: date | None, elsewhere: Iterable[tuple[date, date | None]]) -> Problem:
    """The child (by national ID) is enrolled at another facility on a day of [start, end]."""
    if any(overlaps(start, end, s, e) for s, e in elsewhere):
        return "child", ELSEWHERE
    return None


@dataclass(frozen=True, slots=True)
class Sibling:
    external_id: str
    birth_date: date
    birth_order: int


def birth_order_problem(siblings: Iterable[Sibling]) -> Problem:
    """Birth orders are distinct within a family and follow birth dates: the elder child has the lower order,
    twins share a date and take consecutive orders. Elder siblings not in care need not be registered: gaps are fine.
    """
    by_order = sorted(siblings, key=lambda s: s.birth_order)
    for elder, younger in zip(by_order, by_order[1:]):
        if elder.birth_order == younger.birth_order:
            return "birth_order", (f"{younger.external_id} and {elder.external_id} of the same family both have "
                                   f"birth order {elder.birth_order}; each child has its own")
        if elder.birth_date > younger.birth_date:
            return "birth_order", (f"{elder.external_id} (born {elder.birth_date}) has birth order "
                                   f"{elder.birth_order} but {younger.external_id}, born earlier on "
                                   f"{younger.birth_date}, has {younger.birth_order}: an elder child has the lower order")
        if elder.birth_date == younger.birth_date and younger.birth_order != elder.birth_order + 1:
            return "birth_order", (f"{elder.external_id} and {younger.external_id} share the birth date "
                                   f"{elder.birth_date} (twins) and must take consecutive orders, not "
                                   f"{elder.birth_order} and {younger.birth_order}")
    return None


def enrollment_dates_problem(start: date, end: date | None, birth_date: date, opened_on: date,
                             closed_on: date | None) -> Problem:
    """An enrollment starts on or after the child's birth and ends on or after its start, inside the class's
    open period."""
    problem = start_problem(start, birth_date) or end_problem(start, end)
    if problem:
        return problem
    period = f"the class is open from {opened_on}" + (f" to {closed_on}" if closed_on else "")
    if start < opened_on:
        return "start", period
    if closed_on is not None:
        if start > closed_on:
            return "start", period
        if end is None or end > closed_on:
            return "end", period + ": the enrollment must end by then"
    return None


def overlaps(start: date, end: date | None, other_start: date, other_end: date | None) -> bool:
    return start <= (other_end or date.max) and other_start <= (end or date.max)


class Occupancy:
    """How many children a class holds on each day, to refuse an enrollment that would put it over capacity.

    A count per day from the earliest day seen to the latest start or end seen (`_last`); past that day only the
    open-ended enrollments remain, so no later day holds more than `_last` does and the array never needs to reach
    further. Checking and adding a span are each one slice operation, whatever the number of enrollments.
    """

    def __init__(self, capacity: int, spans: Iterable[tuple[date, date | None]] = (),
                 counts: Iterable[int] | None = None):
        """`counts`: how many enrollments each span stands for (one each without it): a class's enrollments read
        grouped by their dates, most of a class starting on the same few days."""
        self.capacity = capacity
        self._first: int | None = None  # the ordinal of day 0 of `_days`
        self._days = np.zeros(0, dtype=np.int32)
        self._open = 0  # open-ended enrollments: they fill every day from their start on
        spans = list(spans)
        self._add_all(spans, [1] * len(spans) if counts is None else list(counts))

    def _add_all(self, spans: list[tuple[date, date | None]], counts: list[int]) -> None:
        """What `add` does for each span (`counts` times), as one cumulative sum: a class's spans cost
        microseconds, not a loop."""
        counted = [(s.toordinal(), e.toordinal() if e is not None else None, n)
                   for (s, e), n in zip(spans, counts) if e is None or e >= s]
        if not counted:
            return
        starts = np.array([s for s, _, _ in counted], dtype=np.int64)
        weights = np.array([n for _, _, n in counted], dtype=np.int64)
        ends = np.array([e for _, e, _ in counted if e is not None], dtype=np.int64)
        end_weights = np.array([n for _, e, n in counted if e is not None], dtype=np.int64)
        first, last = int(starts.min()), int(max(starts.max(), ends.max() if len(ends) else 0))
        change = np.zeros(last - first + 2, dtype=np.int64)
        np.add.at(change, starts - first, weights)
        np.add.at(change, ends - first + 1, -end_weights)
        self._first, self._days = first, np.cumsum(change[:-1]).astype(np.int32)
        self._open = int(weights.sum() - end_weights.sum())

    def _cover(self, first: int, last: int) -> None:
        """Grow the array to hold days first..last."""
        if self._first is None:
            self._first = first
        if first < self._first:
            self._days = np.concatenate((np.zeros(self._first - first, dtype=np.int32), self._days))
            self._first = first
        size = last - self._first + 1
        if size > len(self._days):
            # Past the old last day, only the open-ended enrollments are there.
            self._days = np.concatenate((self._days, np.full(size - len(self._days), self._open, dtype=np.int32)))

    def _slice(self, start: date, end: date | None) -> slice:
        s = start.toordinal()
        e = end.toordinal() if end is not None else s
        self._cover(s, e)
        last = len(self._days) - 1 if end is None else e - self._first
        return slice(s - self._first, last + 1)

    def peak(self, start: date, end: date | None) -> int:
        """The most children on any day of [start, end] (end None: open)."""
        if end is not None and end < start:
            return 0
        span = self._slice(start, end)  # first: it may grow the array
        return int(self._days[span].max())

    def problem(self, start: date, end: date | None) -> Problem:
        peak = self.peak(start, end)
        if peak + 1 > self.capacity:
            return "class", (f"the class is full: it holds {peak} of {self.capacity} places on some day of "
                             f"{start}..{end or 'open end'}")
        return None

    def add(self, start: date, end: date | None) -> None:
        if end is not None and end < start:
            return  # an enrollment ended before it began (a revocation): no day
        span = self._slice(start, end)  # first: it may grow the array
        self._days[span] += 1
        if end is None:
            self._open += 1


def differing(wanted: dict, *accepted: dict | None) -> list[str]:
    """The fields of `wanted` that match none of the accepted versions (what it was created as, what it is now);
    empty when `wanted` is the same record again."""
    best: list[str] | None = None
    for version in accepted:
        if version is None:
            continue
        diff = sorted(k for k, v in wanted.items() if version.get(k) != v)
        if best is None or len(diff) < len(best):
            best = diff
    return best if best is not None else sorted(wanted)


# Hints for a record created again with other content: where its changes go instead.
_CHANGES = {"child": "; corrections go through PATCH /facilities/{f}/children/{c}"}


class Differs(Conflict):
    """The external_id exists with other content: 409 at the API, a bad row naming the first such field in an
    import."""

    def __init__(self, kind: str, external_id: str, fields: list[str]):
        self.field = fields[0]
        super().__init__(f"{kind} {external_id!r} already exists with other content ({', '.join(fields)})"
                         + _CHANGES.get(kind, ""))


def same_or_differs(kind: str, external_id: str, wanted: dict, *accepted: dict | None) -> None:
    """Nothing when `wanted` is the record again (as created, or as it is now); `Differs` otherwise."""
    if wanted in accepted:
        return
    diff = differing(wanted, *accepted)
    if diff:
        raise Differs(kind, external_id, diff)
