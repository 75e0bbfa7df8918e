"""A facility's standing: POLICY `annual_review` and its status on a day, as pure functions of plain dates.

One definition for every service: the enrollment service decides a revocation and labels a facility with it, the
subsidy engine holds and cancels payouts with it. Reviews are (date, "pass" | "fail") pairs in any order; no
function reads a clock.

- Rectification (整改) runs from a failed review's date until a later review passes.
- Revocation is the recorded revocation date, or the date of a second consecutive failed review if earlier.
- The status on a day: revoked, else rectification, else filed (备案) once the filing date is reached, else
  registered.
"""

from __future__ import annotations

from datetime import date
from typing import Iterable, Literal

Review = tuple[date, str]
Status = Literal["registered", "filed", "rectification", "revoked"]


def revocation_date(reviews: Iterable[Review], recorded: date | None = None) -> date | None:
    """The day the facility is revoked: `recorded`, or a second consecutive failed review, whichever is earlier."""
    derived = None
    previous_failed = False
    for day, result in sorted(reviews, key=lambda review: review[0]):
        if result == "fail" and previous_failed:
            derived = day
            break
        previous_failed = result == "fail"
    candidates = [d for d in (recorded, derived) if d is not None]
    return min(candidates) if candidates else None


def is_revoked(day: date, reviews: Iterable[Review], recorded: date | None = None) -> bool:
    revoked = revocation_date(reviews, recorded)
    return revoked is not None and revoked <= day


def in_rectification(day: date, reviews: Iterable[Review]) -> bool:
    """True when the latest review on or before `day` failed."""
    past = sorted((review for review in reviews if review[0] <= day), key=lambda review: review[0])
    return bool(past) and past[-1][1] == "fail"


def status(filed_on: date | None, revoked_on: date | None, reviews: Iterable[Review], day: date | None = None
           ) -> Status:
    """registered → filed → rectification (after a failed review) → filed again or revoked, on `day`.

    `day=None` asks for the status once every recorded date has passed: what a record's snapshot shows.
    """
    on = date.max if day is None else day
    reviews = tuple(reviews)
    if is_revoked(on, reviews, revoked_on):
        return "revoked"
    if in_rectification(on, reviews):
        return "rectification"
    return "filed" if filed_on is not None and filed_on <= on else "registered"
