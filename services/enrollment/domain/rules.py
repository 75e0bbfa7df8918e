"""The enrollment rules as pure functions: birth orders, enrollment dates, class capacity, same-content checks.

The API (one record at a time) and the roster import (thousands at once) gather the facts differently and then ask
these same functions, so both refuse the same things for the same reasons. Each returns the problem as
`(field, reason)`, or None when all is well; the caller turns it into `InvalidInput` or a roster row error.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Iterable

import numpy as np

Problem = tuple[str, str] | None


@dataclass(frozen=True)
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
    if start < birth_date:
        return "start", f"must not be before the child's birth date {birth_date}"
    if end is not None and end < start:
        return "end", f"must be on or after start ({start})"
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


_OPEN = np.iinfo(np.int64).max


class Occupancy:
    """How many children a class holds on each day, to refuse an enrollment that would put it over capacity.

    Kept as two sorted arrays of day numbers, starts and (exclusive) ends: the children on day d are the starts on
    or before d minus the ends on or before d. Over a span, the count is highest on its first day or on a day some
    other enrollment starts, so only those days are looked at.
    """

    def __init__(self, capacity: int, spans: Iterable[tuple[date, date | None]] = ()):
        self.capacity = capacity
        spans = list(spans)
        self._starts = np.sort(np.array([s.toordinal() for s, _ in spans], dtype=np.int64))
        self._ends = np.sort(np.array([_end(e) for _, e in spans], dtype=np.int64))

    def peak(self, start: date, end: date | None) -> int:
        """The most children on any day of [start, end] (end None: open)."""
        s, e = start.toordinal(), _end(end) - 1
        lo, hi = np.searchsorted(self._starts, [s, e], side="right")
        days = np.concatenate(([s], self._starts[lo:hi]))
        counts = np.searchsorted(self._starts, days, side="right") - np.searchsorted(self._ends, days, side="right")
        return int(counts.max())

    def problem(self, start: date, end: date | None) -> Problem:
        peak = self.peak(start, end)
        if peak + 1 > self.capacity:
            return "class", (f"the class is full: it holds {peak} of {self.capacity} places on some day of "
                             f"{start}..{end or 'open end'}")
        return None

    def add(self, start: date, end: date | None) -> None:
        s, e = start.toordinal(), _end(end)
        self._starts = np.insert(self._starts, np.searchsorted(self._starts, s, side="right"), s)
        self._ends = np.insert(self._ends, np.searchsorted(self._ends, e, side="right"), e)


def _end(end: date | None) -> int:
    """The first day no longer enrolled."""
    return _OPEN if end is None else end.toordinal() + 1


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
