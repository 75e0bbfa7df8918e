"""The payload of each kind of enrollment event: which records (`tuoyu.events.records`) and values it carries.

An event's type names its payload model in the registry (`tuoyu.events.registry`); several types share one (every
facility event carries the facility snapshot). Payloads ignore fields they do not know, so a consumer built against
an older schema version still decodes a newer, backward-compatible one.
"""

from __future__ import annotations

import msgspec

from tuoyu.events.records import Child, Class, Enrollment, Facility, Family, Jurisdiction, Population


class Payload(msgspec.Struct, frozen=True, gc=False):
    """Base of every payload model."""


class FacilitySnapshot(Payload):
    facility: Facility


class JurisdictionAdded(Payload):
    jurisdiction: Jurisdiction


class PopulationRecorded(Payload):
    population: Population


class ClassSnapshot(Payload):
    class_: Class = msgspec.field(name="class")


class FamilySnapshot(Payload):
    family: Family


class ChildSnapshot(Payload):
    child: Child


class EnrollmentSnapshot(Payload):
    enrollment: Enrollment


class EnrollmentEnded(Payload):
    enrollment: Enrollment
    reason: str  # "facility_revoked": the facility's revocation ended it


class ApiKey(Payload):
    facility: str  # the facility's external id
    key_id: int
    key_hash: str  # the keyed hash (`tuoyu.hashing.keyed_hash`), never the key


class OfficialKey(Payload):
    key_id: int
    role: str  # "commission" or "finance"
    jurisdiction: str  # the code it was issued for; it acts on every jurisdiction under it too
