"""Facility decisions: registration, changes, filing (备案), certifications, rate changes and annual reviews.

Each is a function of what the store read (the facility's snapshot or the few values a decision needs): it returns
what to write, or nothing when the request changes nothing, and raises the problem otherwise.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from enrollment.domain import rules
from enrollment.domain.rules import refuse
from enrollment.domain.models import Certifications, FacilityChange, Filing, NewFacility, RateChange, Review
from tuoyu import standing
from tuoyu.errors import Conflict, InvalidInput
from tuoyu.money import format_rate, parse_rate

ADMIN_ONLY_CHANGES = ("kind", "ownership", "inclusive", "serves_meals")


def registration(new: NewFacility, existing: tuple[dict | None, dict] | None, *, self_registered: bool) -> bool:
    """True: the facility was created; False: the same facility again (`existing`: as created, as it is now).

    A facility registering itself (no key) never gets an existing record back: that would hand its key to anyone.
    """
    if existing is None:
        return True
    if self_registered:
        raise Conflict(f"facility {new.external_id!r} is already registered; further keys come from the "
                       "health commission")
    rules.same_or_differs("facility", new.external_id, new.content(), *existing)
    return False


def changes(change: FacilityChange, by_admin: bool, before: dict) -> dict:
    """The columns to set: what the request changes. Its own key may change a facility's name and bank account,
    the rest is the health commission's (kind, ownership, inclusive and meals decide subsidies)."""
    wanted = change.model_dump(exclude_unset=True, mode="json")
    if not by_admin:
        for field in ADMIN_ONLY_CHANGES:
            if field in wanted:
                raise InvalidInput(field, "only the health commission (admin key) may change this")
    for field in ("name", "kind", "ownership", "inclusive", "serves_meals"):
        if field in wanted and wanted[field] is None:
            raise InvalidInput(field, "must not be null")
    return {k: v for k, v in wanted.items() if before[k] != v}


def check_rate(rate: str, bounds: tuple, field: str = "subsidy_rate") -> None:
    low, high = bounds
    if not low <= parse_rate(rate) <= high:
        raise InvalidInput(field, f"must be between {format_rate(low)} and {format_rate(high)} (the rule set's bounds)")


def filing(external_id: str, filing_: Filing, filed_on: date | None, revoked_on: date | None,
           rate_then: Decimal | None, today: date) -> bool:
    """Whether filing changes anything (`rate_then`: the rate already set from the filing date)."""
    refuse(rules.ahead_problem("filed_on", filing_.filed_on, today))
    if filed_on == filing_.filed_on and rate_then is not None and rate_then == Decimal(filing_.subsidy_rate):
        return False
    if filed_on is not None and filed_on != filing_.filed_on:
        raise Conflict(f"facility {external_id!r} was filed on {filed_on}")
    if revoked_on is not None:
        raise InvalidInput("filed_on", "the facility is revoked")
    return True


def certification(before: dict, certs: Certifications, today: date) -> date | None:
    """The day the certification event is dated, or None when the dates are the ones recorded."""
    given = {k: v.isoformat() if v else None for k, v in certs.model_dump().items()}
    if all(before[k] == v for k, v in given.items()):
        return None
    return certs.fire_safety_certified_on or certs.food_licence_on or today


def rate_change(change: RateChange, existing: Decimal | None, today: date) -> bool:
    """Whether a rate from the day changes anything (`existing`: the rate already set from that day)."""
    refuse(rules.ahead_problem("effective_from", change.effective_from, today))
    if existing is not None and existing == Decimal(change.rate):
        return False
    if existing is not None:
        raise Conflict(f"a rate from {change.effective_from} is already set to {existing.normalize()}")
    return True


def review(review_: Review, same_day: str | None, revoked_on: date | None, past: list[tuple[date, str]]
           ) -> bool | None:
    """None: the same review again; otherwise whether it revokes the facility (`tuoyu.standing`: a second
    consecutive fail). `same_day`: the result already recorded on the review's date; `past`: the reviews recorded,
    (date, result) in date order."""
    if same_day == review_.result.value:
        return None
    if same_day is not None:
        raise Conflict(f"a review on {review_.date} is already recorded as {same_day}")
    if revoked_on is not None:
        raise InvalidInput("date", f"the facility was revoked on {revoked_on}")
    if past and past[-1][0] > review_.date:
        # "Consecutive" is by date: a review slipped in before the last one would change what that one meant.
        raise InvalidInput("date", f"must be after the last recorded review ({past[-1][0]})")
    return standing.revocation_date([*past, (review_.date, review_.result.value)]) == review_.date


def last_day_of_care(revoked_on: date) -> date:
    """Revocation ends every enrollment still running on the day at the day before."""
    return revoked_on - timedelta(days=1)
