"""Event payloads: each event carries the whole record after the change (event-carried state).

Every snapshot is built through its shared record model (`tuoyu.events.records`), so a misspelt or missing field
fails at once, and returned as plain JSON values (ISO dates, decimal text) for the API's answers and the callers'
comparisons; `event` checks a payload against its type's model in `tuoyu.events.registry`.

A consumer keeps the snapshot with the highest `version`, so it never needs to replay an aggregate's history,
and a late or redelivered event cannot roll a record back. No national ID number or key appears here.
"""

from __future__ import annotations

from datetime import date, datetime

from msgspec import to_builtins

from tuoyu import standing
from tuoyu.envelope import Envelope
from tuoyu.events import records, registry
from tuoyu.money import format_cny, format_rate, parse_rate


def facility_of(external_id: str, name: str, kind: str, ownership: str, inclusive: bool, serves_meals: bool,
                bank_account: str | None, filed_on: date | None, fire_safety_certified_on: date | None,
                food_licence_on: date | None, revoked_on: date | None, rates: list[tuple[date, str]],
                reviews: list[tuple[date, str]], version: int, jurisdictions: list[tuple[date, str]] = ()) -> dict:
    """A facility's snapshot from its values; rates are decimal text, reviews (date, "pass" or "fail") and
    jurisdictions (from, code) in date order."""
    return to_builtins(records.Facility(
        external_id=external_id, name=name, kind=kind, ownership=ownership, inclusive=inclusive,
        serves_meals=serves_meals, bank_account=bank_account, filed_on=filed_on,
        fire_safety_certified_on=fire_safety_certified_on, food_licence_on=food_licence_on, revoked_on=revoked_on,
        rates=tuple(records.Rate(effective_from=day, rate=format_rate(parse_rate(rate))) for day, rate in rates),
        reviews=tuple(records.Review(date=day, result=result) for day, result in reviews),
        status=standing.status(filed_on, revoked_on, reviews), version=version,
        jurisdictions=tuple(records.InJurisdiction(effective_from=day, jurisdiction=code)
                            for day, code in jurisdictions)))


def jurisdiction_of(code: str, name: str, parent: str | None) -> dict:
    return to_builtins(records.Jurisdiction(code=code, name=name, parent=parent))


def population_of(code: str, as_of: date, residents: int, recorded_by: str) -> dict:
    return to_builtins(records.Population(code=code, as_of=as_of, residents=residents, recorded_by=recorded_by))


def class_of(facility: str, external_id: str, name: str | None, opened_on: date, closed_on: date | None, capacity: int,
             confirmed_on: date | None, version: int) -> dict:
    return to_builtins(records.Class(facility=facility, external_id=external_id, name=name, opened_on=opened_on,
                                     closed_on=closed_on, capacity=capacity, confirmed_on=confirmed_on,
                                     version=version))


def family_of(facility: str, external_id: str, household: str | None = None) -> dict:
    return to_builtins(records.Family(facility=facility, external_id=external_id, version=1, household=household))


def child_of(facility: str, family: str, external_id: str, birth_date: date, birth_order: int, version: int) -> dict:
    return to_builtins(records.Child(facility=facility, family=family, external_id=external_id, birth_date=birth_date,
                                     birth_order=birth_order, version=version))


def enrollment_of(facility: str, external_id: str, child: str, class_: str, care: str, start: date,
                  end: date | None, fees: list[tuple[date, int]], version: int) -> dict:
    """An enrollment's snapshot from its values (a new enrollment's are all in hand: no need to read them back)."""
    return to_builtins(records.Enrollment(
        facility=facility, external_id=external_id, child=child, class_=class_, care=care, start=start, end=end,
        fees=tuple(records.Fee(effective_from=day, monthly_fee=format_cny(fen)) for day, fen in fees),
        version=version))


def event(type_: str, occurred_on: date, facility_key: str, *, recorded_at: datetime | None = None,
          **payload) -> Envelope:
    """An event of a registered type; its payload is checked against the type's model (`InvalidPayload` if not).

    `recorded_at` defaults to the moment the envelope is made (`tuoyu.envelope`): an import gives one per batch."""
    model = registry.event_type(type_)
    times = {"recorded_at": recorded_at} if recorded_at is not None else {}
    return Envelope(type=type_, schema_version=model.version, occurred_on=occurred_on, key=facility_key,
                    payload=registry.payload_of(type_, payload), **times)
