"""An enrollment's decisions as functions of what the store read: enroll, withdraw, change the fee.

`decide` is the one check sequence of a new enrollment, asked by the API for one request (with what it read under
the class's and the child's locks) and by the roster import for each row (with what it holds in memory): the same
external id again, a revoked facility, the dates, an overlap, the class's capacity, the same child elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Iterable, Sequence

from enrollment.domain import rules
from enrollment.domain.rules import Occupancy, Span, refuse
from tuoyu.errors import InvalidInput
from tuoyu.money import format_cny


@dataclass(frozen=True, slots=True)
class Enrollment:
    """A new enrollment as plain values (an API request or a roster row)."""
    external_id: str
    child: str
    class_: str
    care: str
    start: date
    end: date | None
    fee_fen: int

    def fingerprint(self) -> dict:
        return fingerprint(self.child, self.class_, self.care, self.start, self.end, self.fee_fen)


def fingerprint(child: str, class_: str, care: str, start: date, end: date | None, fee_fen: int) -> dict:
    """What a repeated request must match: the enrollment as created, or as it is now (its first fee)."""
    return {"child": child, "class": class_, "care": care, "start": start.isoformat(),
            "end": end.isoformat() if end else None, "monthly_fee": format_cny(fee_fen)}


@dataclass(slots=True)
class Facts:
    """What a new enrollment is checked against. When an enrollment with its external id exists (`existing`: its
    fingerprints now and as created), nothing else is needed."""
    existing: Sequence[dict | None] | None = None
    revoked_on: date | None = None
    birth_date: date | None = None
    opened_on: date | None = None
    closed_on: date | None = None
    occupancy: Occupancy | None = None  # the class's, over at least the days of the new enrollment
    child_spans: Iterable[Span] = ()  # the child's enrollments here (at least those overlapping)
    elsewhere: Iterable[tuple[date, date | None]] = ()  # the same national ID's at other facilities


def decide(new: Enrollment, facts: Facts, today: date) -> bool:
    """True: enroll; False: the same enrollment again, nothing to write. Raises `Differs` or `InvalidInput`."""
    if facts.existing is not None:
        rules.same_or_differs("enrollment", new.external_id, new.fingerprint(), *facts.existing)
        return False
    refuse(rules.revoked_problem(facts.revoked_on))
    refuse(rules.ahead_problem("start", new.start, today))
    refuse(rules.enrollment_dates_problem(new.start, new.end, facts.birth_date, facts.opened_on, facts.closed_on))
    refuse(rules.overlap_problem(new.start, new.end, facts.child_spans))
    refuse(facts.occupancy.problem(new.start, new.end))
    refuse(rules.elsewhere_problem(new.start, new.end, facts.elsewhere))
    return True


def withdrawal(start: date, end: date | None, new_end: date) -> bool:
    """Whether bringing the last day of care to `new_end` changes anything; refused when it would not be earlier.

    Extending would need the capacity and overlap checks of a new enrollment: a child who stays on is enrolled again.
    """
    if end == new_end:
        return False
    if new_end < start:
        raise InvalidInput("end", f"must be on or after the enrollment's start {start}")
    if end is not None and new_end > end:
        raise InvalidInput("end", f"the enrollment already ends on {end}; a withdrawal may only bring the end earlier")
    return True


def fee_change(start: date, end: date | None, effective_from: date, fee_now: int | None, fee_fen: int,
               today: date) -> bool:
    """Whether a fee from `effective_from` changes anything (a second change for the same date corrects the first);
    refused outside the enrollment's dates or more than a year ahead."""
    refuse(rules.ahead_problem("from", effective_from, today))
    if effective_from < start or (end and effective_from > end):
        raise InvalidInput("from", f"must fall within the enrollment's dates ({start}..{end or 'open end'})")
    return fee_now != fee_fen
