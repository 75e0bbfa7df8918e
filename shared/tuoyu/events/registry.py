"""Every event type on the enrollment topic: its payload model, schema version, producer and consumers.

Each consumer lists the payload fields it reads, as paths of wire names (`enrollment.fees.monthly_fee`); the contract
tests hold every path to the producer's model, so a field a consumer reads cannot silently stop being sent. The
event catalogue in docs/architecture.md is printed from here (`python -m tuoyu.events.catalogue`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

import msgspec

from tuoyu.events import payloads

TOPIC = "enrollment.events"  # behind each world's prefix: `<prefix>.enrollment.events`, keyed by facility

FACILITY_FOR_SUBSIDY = tuple(f"facility.{name}" for name in (
    "external_id", "kind", "serves_meals", "filed_on", "fire_safety_certified_on", "food_licence_on", "revoked_on",
    "rates.from", "rates.rate", "reviews.date", "reviews.result", "version", "jurisdictions.from",
    "jurisdictions.jurisdiction"))
FACILITY_FOR_BILLING = ("facility.external_id", "facility.name", "facility.bank_account", "facility.version",
                        "facility.jurisdictions.from", "facility.jurisdictions.jurisdiction")
JURISDICTION_FOR_BOTH = ("jurisdiction.code", "jurisdiction.name", "jurisdiction.parent")
CLASS_FOR_SUBSIDY = tuple(f"class.{name}" for name in (
    "facility", "external_id", "opened_on", "closed_on", "confirmed_on", "version"))
FAMILY_FOR_BOTH = ("family.facility", "family.external_id")
CHILD_FOR_SUBSIDY = tuple(f"child.{name}" for name in (
    "facility", "external_id", "family", "birth_date", "birth_order", "version"))
ENROLLMENT_FOR_SUBSIDY = tuple(f"enrollment.{name}" for name in (
    "facility", "external_id", "child", "class", "start", "end", "fees.from", "fees.monthly_fee", "version"))


@dataclass(frozen=True)
class EventType:
    name: str
    payload: type[payloads.Payload]
    when: str
    reads: Mapping[str, tuple[str, ...]]  # consumer service → the payload paths it reads
    version: int = 1
    producer: str = "enrollment"
    # Payload models of earlier schema versions still on the topic, which consumers must keep reading.
    earlier: Mapping[int, type[payloads.Payload]] = field(default_factory=dict)
    fields: frozenset[str] = field(init=False)  # the payload's wire names, to check a payload at once

    def __post_init__(self) -> None:
        names = frozenset(f.encode_name for f in msgspec.structs.fields(self.payload))
        object.__setattr__(self, "fields", names)


def _facility(name: str, when: str) -> EventType:
    return EventType(name, payloads.FacilitySnapshot, when,
                     {"subsidy": FACILITY_FOR_SUBSIDY, "billing": FACILITY_FOR_BILLING})


def _class(name: str, when: str) -> EventType:
    return EventType(name, payloads.ClassSnapshot, when, {"subsidy": CLASS_FOR_SUBSIDY})


def _enrollment(name: str, when: str, payload: type[payloads.Payload] = payloads.EnrollmentSnapshot) -> EventType:
    return EventType(name, payload, when, {"subsidy": ENROLLMENT_FOR_SUBSIDY})


EVENTS: dict[str, EventType] = {e.name: e for e in (
    _facility("FacilityRegistered", "the commission registers a facility, or a facility registers itself"),
    _facility("FacilityChanged", "a facility's name, bank account, kind or meals change"),
    _facility("FacilityFiled", "the facility is filed (备案)"),
    _facility("CertificationRecorded", "a fire-safety certificate or food licence is recorded"),
    _facility("SubsidyRateSet", "the commission sets the facility's subsidy rate from a date"),
    _facility("ReviewRecorded", "an annual review passes, or fails for the first time (rectification)"),
    _facility("FacilityRevoked", "a second failed review in a row revokes the facility"),
    _facility("FacilityMoved", "the commission puts the facility in a jurisdiction from a date (`jurisdictions`)"),
    # Subsidy chooses a month's rule set by the jurisdictions' tree (the most specific cover); billing reports a
    # city as the sum of its districts.
    EventType("JurisdictionAdded", payloads.JurisdictionAdded, "the platform operator adds a jurisdiction",
              {"subsidy": JURISDICTION_FOR_BOTH, "billing": JURISDICTION_FOR_BOTH}),
    # No consumer yet: the planning figures are the enrollment service's own; the event records who entered which
    # figure, and lets a later consumer keep them.
    EventType("PopulationRecorded", payloads.PopulationRecorded,
              "the health commission enters a district's residents on a date, or corrects that day's figure "
              "(keyed by its code)", {}),
    _class("ClassOpened", "a facility opens a class"),
    _class("ClassChanged", "a class is renamed or resized"),
    _class("ClassClosed", "a class closes"),
    _class("ClassConfirmed", "the health commission confirms a class (its construction grant may be paid from then)"),
    EventType("FamilyRegistered", payloads.FamilySnapshot, "a facility registers a family (API or roster import)",
              {"subsidy": FAMILY_FOR_BOTH + ("family.household",), "billing": FAMILY_FOR_BOTH}),
    EventType("ChildRegistered", payloads.ChildSnapshot, "a facility registers a child (API or roster import)",
              {"subsidy": CHILD_FOR_SUBSIDY}),
    EventType("ChildCorrected", payloads.ChildSnapshot, "a child's birth order or birth date is corrected",
              {"subsidy": CHILD_FOR_SUBSIDY}),
    _enrollment("ChildEnrolled", "a child is enrolled in a class (API or roster import)"),
    _enrollment("ChildWithdrawn", "an enrollment's last day is set"),
    _enrollment("FeeChanged", "an enrollment's monthly fee changes from a date"),
    _enrollment("EnrollmentEnded", "the facility's revocation ends the enrollment (`reason`: facility_revoked)",
                payloads.EnrollmentEnded),
    # No service keeps a copy of the keys: each asks the enrollment service whose a key is, on every request, so a
    # revocation holds everywhere the moment it commits. The events record who was given a key and when.
    EventType("ApiKeyIssued", payloads.ApiKey, "the commission issues a facility key; self-registration issues one",
              {}),
    EventType("ApiKeyRevoked", payloads.ApiKey, "the commission revokes a facility key", {}),
    EventType("OfficialKeyIssued", payloads.OfficialKey,
              "the platform operator issues a commission or finance key for a jurisdiction (keyed by its code)", {}),
    EventType("OfficialKeyRevoked", payloads.OfficialKey, "the platform operator revokes an official's key", {}),
)}


class UnknownEvent(KeyError):
    """An event type the registry does not know."""


def event_type(name: str) -> EventType:
    try:
        return EVENTS[name]
    except KeyError:
        raise UnknownEvent(f"{name!r} is not an event type in tuoyu.events.registry") from None


def models() -> dict[tuple[str, int], type[payloads.Payload]]:
    """The payload model of every (event type, schema version) a consumer may meet, the current and the earlier."""
    found = {}
    for event in EVENTS.values():
        found.update({(event.name, version): model for version, model in event.earlier.items()})
        found[(event.name, event.version)] = event.payload
    return found


def consumers() -> list[str]:
    return sorted({c for e in EVENTS.values() for c in e.reads})


class InvalidPayload(ValueError):
    """A payload that does not match its event type's model: a field missing, unknown or of the wrong type."""


def payload_of(name: str, values: Mapping) -> payloads.Payload:
    """The event type's payload model built from `values` (records as dicts or structs), checked field by field."""
    event = event_type(name)
    if values.keys() != event.fields:
        raise InvalidPayload(f"{name} carries {sorted(event.fields)}, not {sorted(values)}")
    try:
        return msgspec.convert(values, event.payload)
    except msgspec.ValidationError as wrong:
        raise InvalidPayload(f"{name}: {wrong}") from None
