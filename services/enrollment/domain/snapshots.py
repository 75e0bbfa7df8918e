"""Event payloads: each event carries the whole record after the change (event-carried state).

A consumer keeps the snapshot with the highest `version`, so it never needs to replay an aggregate's history,
and a late or redelivered event cannot roll a record back. No national ID number or key appears here.
"""

from __future__ import annotations

from datetime import date

from tuoyu.envelope import Envelope
from tuoyu.money import format_cny


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def status(filed_on: date | None, revoked_on: date | None, last_review: str | None) -> str:
    """registered → filed (备案) → rectification (整改, after a failed review) → filed again or revoked."""
    if revoked_on is not None:
        return "revoked"
    if last_review == "fail":
        return "rectification"
    return "filed" if filed_on is not None else "registered"


# The same, in SQL, for lists that filter on it (f = facilities).
STATUS_SQL = ("CASE WHEN f.revoked_on IS NOT NULL THEN 'revoked' "
              "WHEN (SELECT r.result FROM facility_reviews r WHERE r.facility_id = f.id "
              "      ORDER BY r.reviewed_on DESC LIMIT 1) = 'fail' THEN 'rectification' "
              "WHEN f.filed_on IS NOT NULL THEN 'filed' ELSE 'registered' END")


def family_of(facility: str, external_id: str) -> dict:
    return {"facility": facility, "external_id": external_id, "version": 1}


def child_of(facility: str, family: str, external_id: str, birth_date: date, birth_order: int, version: int) -> dict:
    return {"facility": facility, "family": family, "external_id": external_id, "birth_date": _iso(birth_date),
            "birth_order": birth_order, "version": version}


def enrollment_of(facility: str, external_id: str, child: str, class_: str, care: str, start: date,
                  end: date | None, fees: list[tuple[date, int]], version: int) -> dict:
    """An enrollment's snapshot from its values (a new enrollment's are all in hand: no need to read them back)."""
    return {"facility": facility, "external_id": external_id, "child": child, "class": class_, "care": care,
            "start": _iso(start), "end": _iso(end),
            "fees": [{"from": day.isoformat(), "monthly_fee": format_cny(fen)} for day, fen in fees],
            "version": version}


def event(type_: str, occurred_on: date, facility_key: str, **payload) -> Envelope:
    return Envelope(type=type_, occurred_on=occurred_on, key=facility_key, payload=payload)
