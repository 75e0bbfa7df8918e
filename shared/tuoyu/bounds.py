"""Every bound on a value the platform accepts, written once with its reason.

Whoever checks such a value imports its bound from here: the enrollment API's request models, the roster
importer's row parser, the subsidy engine (`MonthFacts.check`) and rule-set loader, billing's budget API. A bound
written twice drifts: a fee the API accepted and the engine refused once stopped every month's billing. So the
API accepts nothing the engine cannot compute. What is *not* here: a rule set's own [min_rate, max_rate] and
other numbers a city chooses (they are data, in the rule set), and checks that need records (capacity used,
siblings, overlaps).

Each bound has a plain check (`ValueError` saying what a valid value looks like) for hand-written parsers, and a
pydantic `Annotated` type built on it for request models.
"""

from __future__ import annotations

import re
from datetime import date
from fractions import Fraction
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

from tuoyu.money import MoneyFormatError, format_cny, format_rate, parse_cny, parse_rate

# --- money ---------------------------------------------------------------------------------------------------------

MONTHLY_FEE_FEN = (0, 10**10 - 1)
"""0.00 to 99,999,999.99 CNY. The engine computes in int64: fee × 31 days × 10^6 ppm × 2 (half-up) < 2^63."""

RATE = (Fraction(0), Fraction(1))
"""A share of the fee ("0.12" is 12%); at most six decimals (`parse_rate`), as the engine holds rates in ppm and
multiplies fees by at most 10^6 (the fee bound's reason). A rule set narrows this to its own [min, max]."""


def _fen(text: str) -> int:
    try:
        return parse_cny(text)
    except MoneyFormatError as exc:
        raise ValueError(str(exc)) from None


def monthly_fee_fen(text: str) -> int:
    """A monthly fee as a decimal string → fen, inside `MONTHLY_FEE_FEN`; ValueError otherwise."""
    fen, (low, high) = _fen(text), MONTHLY_FEE_FEN
    if not low <= fen <= high:
        raise ValueError(f"must be between {format_cny(low)} and {format_cny(high)} CNY")
    return fen


def non_negative_fen(text: str) -> int:
    """An amount such as a budget → fen, not negative; its upper bound is what `parse_cny` reads (13 digits)."""
    fen = _fen(text)
    if fen < 0:
        raise ValueError("must not be negative")
    return fen


def rate(text: str) -> Fraction:
    """A rate as a decimal string → Fraction, inside `RATE`; ValueError otherwise."""
    try:
        value = parse_rate(text)
    except MoneyFormatError as exc:
        raise ValueError(str(exc)) from None
    check_rate(value)
    return value


def check_rate(value: Fraction) -> None:
    low, high = RATE
    if not low <= value <= high:
        raise ValueError(f"a rate is between \"{format_rate(low)}\" and \"{format_rate(high)}\" "
                         f"(\"0.30\" is 30%), got \"{format_rate(value)}\"")


# --- dates ---------------------------------------------------------------------------------------------------------

FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)
"""Dates a childcare record may carry (CONTRACT "Errors": nothing dated before 2000), so that no request makes a
day-by-day check span millennia; the last is the last month the services' month paths name (20xx). The engine
computes any date; only the API and the importer bound them, here, and by the clock (`ahead_problem`)."""


def latest_day(today: date) -> date:
    """The last day a record may be dated on, by the service's clock: a year after `today` (CONTRACT "Errors").
    Enrollments, fees and rates are planned ahead, but not by years; 29 February gives 28 February a year on."""
    try:
        return today.replace(year=today.year + 1)
    except ValueError:
        return today.replace(year=today.year + 1, day=28)


def ahead_problem(day: date, today: date) -> str | None:
    """Why `day` is too far ahead of the clock, or None."""
    latest = latest_day(today)
    return f"must not be after {latest}, a year from today ({today})" if day > latest else None


def check_day(day: date) -> date:
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(f"must be between {FIRST_DAY} and {LAST_DAY}")
    return day


# --- counts --------------------------------------------------------------------------------------------------------

BIRTH_ORDER = (1, 20)
"""A child's registered order among its mother's children; above 20 is a typing error, not a family."""

CLASS_CAPACITY = (1, 500)
"""Places in one class (托班); a class has some, and 500 is beyond any building's licence: a typing error."""


RESIDENTS = (1, 100_000_000)
"""A county-level jurisdiction's residents, as the health commission enters them for planning: the most populous
district has under six million; 10^8 (more than most provinces) is a typing error, not a district."""


def check_birth_order(order: int) -> int:
    low, high = BIRTH_ORDER
    if not low <= order <= high:
        raise ValueError(f"must be a whole number from {low} to {high}")
    return order


# --- text ----------------------------------------------------------------------------------------------------------

NAME_LENGTH = 200
"""A facility's name: the longest registered names are well under 100 characters; 200 leaves room, not essays."""
LABEL_LENGTH = 100
"""A key's label or an approver's name: a few words for the audit trail."""
EXTERNAL_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}")
"""The id a facility gives its records (CONTRACT "Errors"): safe in a URL path, a file name and a CSV cell without
quoting; it starts with a letter or digit, so "." and ".." can never name a path segment."""
BANK_ACCOUNT = re.compile(r"^[0-9 ]{8,34}$")
"""Digits and the spaces people group them with; 34 is the longest account number (IBAN)."""


def check_external_id(value: str) -> str:
    if not EXTERNAL_ID.fullmatch(value):
        raise ValueError(f"{value!r} is not an external id (a letter or digit, then letters, digits, _ . -; at most "
                         "64)")
    return value


# --- the same bounds as pydantic types, for request models ----------------------------------------------------------

def _keep(check):
    """A validator that checks the text and keeps it as sent (the API stores and echoes the decimal string)."""
    def validate(value):
        check(value)
        return value
    return AfterValidator(validate)


# Money and rates are checked as sent: a request model's whitespace stripping would turn "2000\u00a0" into "2000".
_AS_SENT = StringConstraints(strip_whitespace=False)
MonthlyFee = Annotated[str, _AS_SENT, _keep(monthly_fee_fen)]
Amount = Annotated[str, _AS_SENT, _keep(non_negative_fen)]
Rate = Annotated[str, _AS_SENT, _keep(rate)]
Day = Annotated[date, AfterValidator(check_day)]
BirthOrder = Annotated[int, Field(ge=BIRTH_ORDER[0], le=BIRTH_ORDER[1])]  # Field: the OpenAPI schema shows them
Capacity = Annotated[int, Field(ge=CLASS_CAPACITY[0], le=CLASS_CAPACITY[1])]
Residents = Annotated[int, Field(ge=RESIDENTS[0], le=RESIDENTS[1])]
ExternalId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64,
                                              pattern=f"^{EXTERNAL_ID.pattern}$")]
Name = Annotated[str, StringConstraints(min_length=1, max_length=NAME_LENGTH)]
Label = Annotated[str, StringConstraints(max_length=LABEL_LENGTH)]
# A national ID is checked with the child it belongs to (`tuoyu.national_id.problem`, asked by the enrollment
# domain): its birth date is the child's. Here only its length, so no request carries an essay in it.
NationalId = Annotated[str, StringConstraints(max_length=18)]
BankAccount = Annotated[str, StringConstraints(pattern=BANK_ACCOUNT.pattern)]
