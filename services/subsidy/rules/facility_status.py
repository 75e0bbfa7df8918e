"""A facility's eligibility on a day (POLICY `facility_eligibility`), on the shared `annual_review` rule.

The review sequence and revocation are `tuoyu.standing`'s, shared with the enrollment service; what is the
subsidy's own is eligibility: the rule set's covered kinds, filing and certificates.

Certificates and filing, once obtained, are not lost in our facts; only a revocation ends eligibility. So a
facility is eligible over one interval [eligible_from, revoked_on − 1], which the engine uses; the reference
asks `eligible_on` day by day instead.
"""

from __future__ import annotations

from datetime import date, timedelta

from tuoyu import standing

from .facts import Facility
from .ruleset import RuleSet


def revocation_date(facility: Facility) -> date | None:
    """The day the facility is revoked, by the shared review rule (`tuoyu.standing`)."""
    return standing.revocation_date(facility.reviews, facility.revoked_on)


def in_rectification(facility: Facility, day: date) -> bool:
    return standing.in_rectification(day, facility.reviews)


def is_revoked(facility: Facility, day: date) -> bool:
    return standing.is_revoked(day, facility.reviews, facility.revoked_on)


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

