"""What the subsidy view reads from enrollment events (docs/architecture.md, event catalogue), typed.

Each payload carries whole records after the change, with a `version`. Only the fields the view keeps are declared;
msgspec skips the rest (names, bank accounts, capacities) without building them. The structs are not tracked by the
garbage collector (`gc=False`, they hold no cycles): a replay keeps tens of thousands alive at once, and collections
walking them all cost more than decoding them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import msgspec

from tuoyu.envelope import Received, received_decoder


class Facility(msgspec.Struct, frozen=True, gc=False):
    external_id: str
    kind: str
    serves_meals: bool
    filed_on: date | None
    fire_safety_certified_on: date | None
    food_licence_on: date | None
    revoked_on: date | None
    rates: list[dict[str, Any]]
    reviews: list[dict[str, Any]]
    version: int


class Class(msgspec.Struct, frozen=True, gc=False):
    facility: str
    external_id: str
    opened_on: date
    closed_on: date | None
    version: int


class Family(msgspec.Struct, frozen=True, gc=False):
    facility: str
    external_id: str


class Child(msgspec.Struct, frozen=True, gc=False):
    facility: str
    external_id: str
    family: str
    birth_date: date
    birth_order: int
    version: int


class Fee(msgspec.Struct, frozen=True, gc=False):
    effective_from: date = msgspec.field(name="from")
    monthly_fee: str  # CNY as a decimal string; `tuoyu.money.parse_cny` makes it fen


class Enrollment(msgspec.Struct, frozen=True, gc=False):
    facility: str
    external_id: str
    child: str
    class_: str = msgspec.field(name="class")
    start: date
    end: date | None
    fees: tuple[Fee, ...]
    version: int


class Payload(msgspec.Struct, frozen=True, gc=False):
    # `facility` is a facility's external id (a string) in the API key events, a snapshot everywhere else.
    facility: Facility | str | None = None
    class_: Class | None = msgspec.field(default=None, name="class")
    family: Family | None = None
    child: Child | None = None
    enrollment: Enrollment | None = None


Event = Received[Payload]
decode = received_decoder(Payload)
