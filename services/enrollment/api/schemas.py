"""What the enrollment API answers, for the OpenAPI document (requests are in `domain.models`)."""

from __future__ import annotations

from types import UnionType
from typing import Generic, TypeVar, Union, get_args, get_origin

import msgspec
from pydantic import BaseModel, ConfigDict, Field, create_model

from tuoyu.events import records

T = TypeVar("T")


class Out(BaseModel):
    model_config = ConfigDict(populate_by_name=True)


class Page(Out, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null on the last page")


def answer_of(record: type, *, drop: tuple[str, ...] = (), name: str | None = None, **descriptions: str
              ) -> type[Out]:
    """The API answer for an event record (`tuoyu.events.records`): the same fields, so the record is declared once.

    Nested records become their own answers, tuples lists, renamed fields ("from") aliases; `drop` leaves fields out.
    """
    fields = {}
    for field in msgspec.structs.fields(record):
        if field.name in drop:
            continue
        default = ... if field.required else field.default
        fields[field.name] = (_answer_type(field.type), Field(default, alias=field.encode_name,
                                                              description=descriptions.get(field.name)))
    return create_model(name or record.__name__, __base__=Out, **fields)


def _answer_type(annotation):
    if isinstance(annotation, type) and issubclass(annotation, msgspec.Struct):
        return answer_of(annotation, name=f"{annotation.__name__}Out")
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is tuple:
        return list[_answer_type(args[0])]
    if args and origin in (Union, UnionType):
        return Union[tuple(_answer_type(a) for a in args)]
    return annotation


STATUS = "registered | filed | rectification | revoked"
ReviewOut = answer_of(records.Review, name="ReviewOut")
# One facility, with what the subsidy rules and payouts read: its event record as it is.
Facility = answer_of(records.Facility, status=STATUS,
                     jurisdictions="the county-level jurisdiction it is in from each date (a move is a later entry; "
                                   "before the first entry, in none); empty: in none yet")
# What every answer about a facility says, in lists: what it is and where it stands.
FacilityCore = answer_of(records.Facility, name="FacilityCore", status=STATUS,
                         drop=("bank_account", "fire_safety_certified_on", "food_licence_on", "rates", "reviews",
                               "jurisdictions"))


Jurisdiction = answer_of(records.Jurisdiction, parent="the jurisdiction above it; null: a city or province")
Population = answer_of(records.Population, recorded_by="the jurisdiction of the commission key that entered it, "
                                                       "or platform")


class FacilityListed(FacilityCore):
    self_registered: bool


class IssuedKey(Out):
    facility: str
    key_id: int
    api_key: str = Field(description="shown this once: only its keyed hash is kept")
    label: str | None = None
    created_at: str


class KeyAnswer(Out):
    active: bool = Field(description="the key exists and is not revoked")
    role: str | None = Field(description="whom it serves, when active: facility, admin (the health commission) or "
                                         "finance")
    facility: str | None = Field(description="the facility it belongs to, for a facility key")
    jurisdiction: str | None = Field(description="the jurisdiction an official key was issued for")
    covers: list[str] | None = Field(description="an official key's jurisdiction and every one under it, now")


class OfficialKey(Out):
    key_id: int
    role: str = Field(description="commission or finance")
    jurisdiction: str
    label: str | None
    created_at: str
    revoked_at: str | None


class IssuedOfficialKey(OfficialKey):
    api_key: str = Field(description="shown this once: only its keyed hash is kept")


class KeyInfo(Out):
    key_id: int
    label: str | None
    created_at: str
    revoked_at: str | None


class Registration(Out):
    facility: Facility
    key: IssuedKey


class Klass(Out):
    external_id: str
    name: str | None
    opened_on: str
    closed_on: str | None
    capacity: int
    confirmed_on: str | None = Field(description="when the health commission confirmed the class (null: not yet, "
                                                 "and no construction grant)")
    status: str = Field(description="planned | open | closed, on `as_of`")
    enrolled: int = Field(description="children enrolled on `as_of`")
    as_of: str
    version: int


class ConfirmationsDone(Out):
    confirmed: int = Field(description="classes confirmed by this request")
    unchanged: int = Field(description="entries that confirmed nothing new (the same date again)")


class Family(Out):
    external_id: str
    name: str | None
    children: list[str]


class Child(Out):
    external_id: str
    family: str
    birth_date: str
    birth_order: int
    national_id_on_file: bool = Field(description="a national ID was given (it is kept only as a keyed hash)")
    version: int


class DuplicateEnrollment(Out):
    external_id: str
    start: str
    end: str | None


class DuplicateChild(Out):
    facility: str
    child: str = Field(description="the facility's external id of the child")
    birth_date: str
    enrollments: list[DuplicateEnrollment]


class DuplicateGroup(Out):
    group: int = Field(description="a number for this national ID, which is never shown (nor its hash)")
    children: list[DuplicateChild]
    enrolled_at_two_places_at_once: bool = Field(description="two facilities enroll the child on a same day")


class FeeOut(Out):
    from_: str = Field(alias="from")
    monthly_fee: str


class Enrollment(Out):
    external_id: str
    child: str
    class_: str = Field(alias="class")
    care: str
    start: str
    end: str | None
    fees: list[FeeOut]
    status: str = Field(description="upcoming | active | ended, on `as_of`")
    as_of: str
    version: int


class RowError(Out):
    row: int = Field(description="the spreadsheet's row number (the header is row 1)")
    column: str
    field: str
    reason: str


class RosterReport(Out):
    dry_run: bool
    format: str
    encoding: str | None
    rows: int
    created: dict[str, int] = Field(description="families, children and enrollments created (or, in a dry run, "
                                                "that would be)")
    unchanged: int = Field(description="rows whose records exist already with the same content")
    bad_rows: int
    errors: list[RowError]


class PublicFeeStandard(Out):
    care: str
    monthly_fee: str


class PublicFacility(Out):
    external_id: str
    name: str
    kind: str
    ownership: str
    inclusive: bool
    filed_on: str | None
    revoked_on: str | None
    status: str
    capacity: int = Field(description="places in classes open on the day")
    places_taken: int = Field(description="children enrolled on the day")
    subsidy_rate: str | None
    fee_standards: list[PublicFeeStandard]
    reviews: list[ReviewOut]


class PublicRuleSet(Out):
    id: str
    version: str
    fund: str = Field(description="the name of the fund that pays its subsidies")


class PublicJurisdiction(Out):
    code: str | None = Field(description="six digits (GB/T 2260); null: the facilities in no jurisdiction")
    name: str | None
    ruleset: PublicRuleSet | None = Field(description="the rule set in force there on the day; null: none is")
    unsubsidised: str | None = Field(description="why nothing is subsidised there on the day (no rule set in force)")
    facilities: list[str] = Field(description="the external ids of the facilities listed that are in it on the day")


class Disclosure(Out):
    as_of: str
    jurisdiction: str | None = Field(description="the jurisdiction asked for (its facilities and those under it); "
                                                 "null: every one")
    facilities: list[PublicFacility] = Field(description="ordered as `jurisdictions`, then by external id")
    jurisdictions: list[PublicJurisdiction] = Field(description="those the facilities are in on the day, by code, "
                                                                "the facilities in none last")
