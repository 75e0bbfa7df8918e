"""The records enrollment events carry: each one whole, after the change, with its `version` (event-carried state).

One frozen msgspec Struct per record, shared by the producer (which builds snapshots through them, so a misspelt or
missing field fails at once) and every consumer (which decodes with them). Dates are `date` here and ISO text on the
wire; money and rates stay decimal text (`tuoyu.money` parses them). No national ID number or key appears in a
record. Nothing here is tracked by the garbage collector (`gc=False`, no cycles): a replay holds tens of thousands
of them at once.
"""

from __future__ import annotations

from datetime import date

import msgspec


class Record(msgspec.Struct, frozen=True, gc=False, forbid_unknown_fields=False):
    """Base of every record: frozen, untracked, and tolerant of fields added by a later schema version."""


class Rate(Record):
    effective_from: date = msgspec.field(name="from")
    rate: str  # a subsidy rate as a decimal string (`tuoyu.money.parse_rate`)


class Review(Record):
    date: date
    result: str  # "pass" or "fail"


class InJurisdiction(Record):
    """One entry of a facility's jurisdiction history: in `jurisdiction` from `from` (`tuoyu.jurisdictions`)."""
    effective_from: date = msgspec.field(name="from")
    jurisdiction: str  # six-digit code (GB/T 2260)


class Jurisdiction(Record):
    code: str  # six digits (GB/T 2260)
    name: str
    parent: str | None  # None: a city or a province; with a parent: county-level


class Population(Record):
    """A county-level jurisdiction's residents on a date, as its health commission entered them (for planning)."""
    code: str  # six digits (GB/T 2260), county-level
    as_of: date
    residents: int
    recorded_by: str  # the code of the commission key that entered it, or "platform" for a platform-wide one


class Facility(Record):
    external_id: str
    name: str
    kind: str
    ownership: str
    inclusive: bool
    serves_meals: bool
    bank_account: str | None
    filed_on: date | None
    fire_safety_certified_on: date | None
    food_licence_on: date | None
    revoked_on: date | None
    rates: tuple[Rate, ...]
    reviews: tuple[Review, ...]
    status: str  # registered, filed, rectification or revoked
    version: int
    # Where it is filed, from each date (a move is a later entry); empty: in no jurisdiction yet.
    jurisdictions: tuple[InJurisdiction, ...] = ()


class Class(Record):
    facility: str
    external_id: str
    name: str | None
    opened_on: date
    closed_on: date | None
    capacity: int
    version: int
    confirmed_on: date | None = None  # the health commission's confirmation; None: not confirmed (no grant)


class Family(Record, omit_defaults=True):
    """`household` is left out when the family has none, so such a family's payload is as it always was."""
    facility: str
    external_id: str
    version: int
    household: str | None = None  # the same guardian's families at any facility share it (POLICY "Households")


class Child(Record):
    facility: str
    family: str
    external_id: str
    birth_date: date
    birth_order: int
    version: int


class Fee(Record):
    effective_from: date = msgspec.field(name="from")
    monthly_fee: str  # CNY as a decimal string; `tuoyu.money.parse_cny` makes it fen


class Enrollment(Record):
    facility: str
    external_id: str
    child: str
    class_: str = msgspec.field(name="class")
    care: str
    start: date
    end: date | None
    fees: tuple[Fee, ...]
    version: int
