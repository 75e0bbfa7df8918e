"""What the enrollment API answers, for the OpenAPI document (requests are in `domain.models`)."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")


class Out(BaseModel):
    model_config = ConfigDict(populate_by_name=True)


class Page(Out, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null on the last page")


class RateOut(Out):
    from_: str = Field(alias="from")
    rate: str


class ReviewOut(Out):
    date: str
    result: str


class FacilityCore(Out):
    """What every answer about a facility says: what it is and where it stands."""
    external_id: str
    name: str
    kind: str
    ownership: str
    inclusive: bool
    serves_meals: bool
    filed_on: str | None
    revoked_on: str | None
    status: str = Field(description="registered | filed | rectification | revoked")
    version: int


class Facility(FacilityCore):
    """One facility, with what the subsidy rules and payouts read."""
    bank_account: str | None = None
    fire_safety_certified_on: str | None = None
    food_licence_on: str | None = None
    rates: list[RateOut] = []
    reviews: list[ReviewOut] = []


class FacilityListed(FacilityCore):
    self_registered: bool


class IssuedKey(Out):
    facility: str
    key_id: int
    api_key: str = Field(description="shown this once: only its keyed hash is kept")
    label: str | None = None
    created_at: str


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
    status: str = Field(description="planned | open | closed, on `as_of`")
    enrolled: int = Field(description="children enrolled on `as_of`")
    as_of: str
    version: int


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
    same_child_elsewhere: bool = Field(
        description="another facility registered a child with the same national ID (nothing more is said)")
    version: int


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


class Disclosure(Out):
    as_of: str
    facilities: list[PublicFacility]
