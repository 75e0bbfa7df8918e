"""Requests the enrollment API accepts: validated shapes, money as decimal strings."""

from __future__ import annotations

from enum import Enum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from tuoyu.bounds import (
    BankAccount, BirthOrder, Capacity, Day, ExternalId, Label, MonthlyFee, Name, NationalId, Rate, Residents,
)
from tuoyu.jurisdictions import Code


MAX_CONFIRMATIONS = 10_000
"""Classes one bulk confirmation may name: a city's desk has thousands at most."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Kind(str, Enum):
    childcare_institution = "childcare_institution"
    inclusive_private_integrated = "inclusive_private_integrated"
    kindergarten_toddler_class = "kindergarten_toddler_class"
    employer = "employer"
    community = "community"


class Ownership(str, Enum):
    public = "public"
    private_nonprofit = "private_nonprofit"
    private_forprofit = "private_forprofit"


class Care(str, Enum):
    full_day = "full_day"
    half_day = "half_day"
    hourly = "hourly"
    temporary = "temporary"


class ReviewResult(str, Enum):
    passed = "pass"
    failed = "fail"


class NewFacility(Strict):
    external_id: ExternalId
    name: Name
    kind: Kind
    ownership: Ownership
    inclusive: bool = False
    serves_meals: bool = False
    bank_account: BankAccount | None = None
    jurisdiction: Code | None = Field(default=None, description="the county-level jurisdiction it is filed in "
                                                                "(POLICY \"Jurisdictions\"); may be set later")

    def content(self) -> dict:
        """What the facility was registered with, as compared when it is registered again (no jurisdiction: as
        before jurisdictions existed, so the facilities registered then compare the same)."""
        return self.model_dump(mode="json", exclude={"jurisdiction"} if self.jurisdiction is None else set())


class NewJurisdiction(Strict):
    code: Code = Field(description="six digits (GB/T 2260), such as 330903")
    name: Name
    parent: Code | None = Field(default=None, description="a jurisdiction already known; none: a city or province")


class NewPopulation(Strict):
    """A county-level jurisdiction's residents on a date (entering the same date again corrects the figure)."""
    as_of: Day = Field(description="the date the figure is for (a census, a register's year end)")
    residents: Residents = Field(description="people living there, a whole number")


class Move(Strict):
    """A facility in another county-level jurisdiction from a date (an administrative merger)."""
    jurisdiction: Code
    from_: Day = Field(alias="from")


class FacilityChange(Strict):
    """What may change about a facility after registration; a facility key may change only name and bank_account."""
    name: Name | None = None
    kind: Kind | None = None
    ownership: Ownership | None = None
    inclusive: bool | None = None
    serves_meals: bool | None = None
    bank_account: BankAccount | None = None


class NewKey(Strict):
    label: Label | None = None


class NewOfficialKey(Strict):
    """A health commission's or finance bureau's key for a jurisdiction and everything under it."""
    role: Literal["commission", "finance"]
    jurisdiction: Code = Field(description="the jurisdiction it acts on, with every one under it: 330900 舟山市 "
                                           "covers 330903 普陀区 and 330902 定海区")
    label: Label | None = None


class Filing(Strict):
    filed_on: Day
    subsidy_rate: Rate


class Certifications(Strict):
    fire_safety_certified_on: Day | None = None
    food_licence_on: Day | None = None


class RateChange(Strict):
    rate: Rate
    effective_from: Day


class Review(Strict):
    date: Day
    result: ReviewResult


class NewClass(Strict):
    external_id: ExternalId
    name: Name | None = None
    opened_on: Day
    closed_on: Day | None = None
    capacity: Capacity


class ClassChange(Strict):
    name: Name | None = None
    closed_on: Day | None = None
    capacity: Capacity | None = None


class ClassConfirmation(Strict):
    """The health commission confirms a class on a date (POLICY "Guard rails")."""
    confirmed_on: Day


class ConfirmedClass(ClassConfirmation):
    facility: ExternalId
    class_: ExternalId = Field(alias="class")


class ClassConfirmations(Strict):
    """A desk's list of confirmations, recorded all or none."""
    confirmations: list[ConfirmedClass] = Field(min_length=1, max_length=MAX_CONFIRMATIONS)


class NewFamily(Strict):
    external_id: ExternalId
    name: Name | None = None
    guardian_id: NationalId | None = None


class NewChild(Strict):
    external_id: ExternalId
    family: ExternalId
    birth_date: Day
    birth_order: BirthOrder
    national_id: NationalId | None = None


class ChildCorrection(Strict):
    """A correction of what was registered: a new birth order, a new birth date, or both."""
    birth_date: Day | None = None
    birth_order: BirthOrder | None = None


class NewEnrollment(Strict):
    external_id: ExternalId
    child: ExternalId
    class_: ExternalId = Field(alias="class")
    care: Care = Care.full_day
    monthly_fee: MonthlyFee
    start: Day
    end: Day | None = None

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Withdrawal(Strict):
    end: Day


class FeeChange(Strict):
    monthly_fee: MonthlyFee
    effective_from: Day = Field(alias="from")

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
