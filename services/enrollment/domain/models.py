"""Requests the enrollment API accepts: validated shapes, money as decimal strings."""

from __future__ import annotations

from datetime import date
from enum import Enum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from tuoyu.money import MoneyFormatError, parse_cny, parse_rate

ExternalId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64,
                                              pattern=r"^[A-Za-z0-9_.\-]+$")]


def _cny(value: str) -> str:
    try:
        fen = parse_cny(value)
    except MoneyFormatError as exc:
        raise ValueError(str(exc)) from None
    if fen < 0:
        raise ValueError("must not be negative")
    return value


def _rate(value: str) -> str:
    try:
        parse_rate(value)
    except MoneyFormatError as exc:
        raise ValueError(str(exc)) from None
    return value


# Dates a childcare record can carry. Bounded so that no request can make a day-by-day check span millennia.
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2199, 12, 31)


def _day(value: date) -> date:
    if not FIRST_DAY <= value <= LAST_DAY:
        raise ValueError(f"must be between {FIRST_DAY} and {LAST_DAY}")
    return value


Day = Annotated[date, AfterValidator(_day)]
Cny = Annotated[str, AfterValidator(_cny)]
Rate = Annotated[str, AfterValidator(_rate)]


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
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    kind: Kind
    ownership: Ownership
    inclusive: bool = False
    serves_meals: bool = False
    bank_account: Annotated[str, StringConstraints(pattern=r"^[0-9 ]{8,34}$")] | None = None


class FacilityChange(Strict):
    """What may change about a facility after registration; a facility key may change only name and bank_account."""
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    kind: Kind | None = None
    ownership: Ownership | None = None
    inclusive: bool | None = None
    serves_meals: bool | None = None
    bank_account: Annotated[str, StringConstraints(pattern=r"^[0-9 ]{8,34}$")] | None = None


class NewKey(Strict):
    label: Annotated[str, StringConstraints(max_length=100)] | None = None


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
    name: str | None = None
    opened_on: Day
    closed_on: Day | None = None
    capacity: int = Field(gt=0, le=500)


class ClassChange(Strict):
    name: str | None = None
    closed_on: Day | None = None
    capacity: int | None = Field(default=None, gt=0, le=500)


class NewFamily(Strict):
    external_id: ExternalId
    name: str | None = None


class NewChild(Strict):
    external_id: ExternalId
    family: ExternalId
    birth_date: Day
    birth_order: int = Field(ge=1, le=20)
    national_id: Annotated[str, StringConstraints(pattern=r"^[0-9]{17}[0-9Xx]$")] | None = None


class ChildCorrection(Strict):
    """A correction of what was registered: a new birth order, a new birth date, or both."""
    birth_date: Day | None = None
    birth_order: int | None = Field(default=None, ge=1, le=20)


class NewEnrollment(Strict):
    external_id: ExternalId
    child: ExternalId
    class_: ExternalId = Field(alias="class")
    care: Care = Care.full_day
    monthly_fee: Cny
    start: Day
    end: Day | None = None

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Withdrawal(Strict):
    end: Day


class FeeChange(Strict):
    monthly_fee: Cny
    effective_from: Day = Field(alias="from")

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
