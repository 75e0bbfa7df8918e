"""A facility's standing on a day: `facility_eligibility` and `annual_review` (POLICY).

Certificates and filing, once obtained, are not lost in our facts; only a revocation ends eligibility. So a
facility is eligible over one interval [eligible_from, revoked_on − 1], which the engine uses; the reference
asks `eligible_on` day by day instead.
"""

from __future__ import annotations

from datetime import date, timedelta

from .facts import Facility
from .ruleset import RuleSet


def revocation_date(facility: Facility) -> date | None:
    """The day the facility is revoked: the recorded date, or a second consecutive failed review, if earlier."""
    derived = None
    previous_failed = False
    for day, outcome in sorted(facility.reviews, key=lambda review: review[0]):
        if outcome == "fail" and previous_failed:
            derived = day
            break
        previous_failed = outcome == "fail"
    candidates = [d for d in (facility.revoked_on, derived) if d is not None]
    return min(candidates) if candidates else None


def in_rectification(facility: Facility, day: date) -> bool:
    """True when the latest review on or before `day` failed (整改 runs from the failed review's date)."""
    past = [review for review in sorted(facility.reviews, key=lambda review: review[0]) if review[0] <= day]
    return bool(past) and past[-1][1] == "fail"


def is_revoked(facility: Facility, day: date) -> bool:
    revoked = revocation_date(facility)
    return revoked is not None and revoked <= day


def eligible_on(facility: Facility, ruleset: RuleSet, day: date) -> bool:
    """`facility_eligibility`: filed, fire-safety certified, food licence if it serves meals, covered, not revoked."""

    def held_by(since: date | None) -> bool:
        return since is not None and since <= day

    return (
        ruleset.covers(facility.kind)
        and held_by(facility.filed_on)
        and held_by(facility.fire_safety_certified_on)
        and (not facility.serves_meals or held_by(facility.food_licence_on))
        and not is_revoked(facility, day)
    )


def eligibility_interval(facility: Facility, ruleset: RuleSet, revoked: date | None) -> tuple[date, date] | None:
    """The first and last eligible days (last may be date.max), or None if the facility is never eligible.

    `revoked` is `revocation_date(facility)`, passed in because the caller needs it too.
    """
    if not ruleset.covers(facility.kind):
        return None
    needed = [facility.filed_on, facility.fire_safety_certified_on]
    if facility.serves_meals:
        needed.append(facility.food_licence_on)
    if any(d is None for d in needed):
        return None
    first = max(needed)
    last = revoked - timedelta(days=1) if revoked is not None else date.max
    return (first, last) if first <= last else None

