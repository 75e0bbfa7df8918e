"""Hypothesis strategies: small random worlds and rule sets around one month, edge dates included."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

from hypothesis import strategies as st

from subsidy.rules.facts import (
    ChildRecord, ClassFacts, EnrollmentRecord, Facility, MonthFacts,
)
from subsidy.rules.ruleset import RuleSet
from tuoyu.money import parse_rate
from tuoyu.months import Month

MONTHS = [Month(2022, 9), Month(2022, 10), Month(2023, 2), Month(2024, 2), Month(2024, 3), Month(2022, 12)]
KINDS = ["childcare_institution", "inclusive_private_integrated", "kindergarten_toddler_class", "employer", "community"]
RATES = ["0", "0.05", "0.08", "0.1", "0.12", "0.123457", "0.15", "0.2", "0.333333"]
SHARES = ["0", "0.3", "0.333333", "0.5", "0.999999", "1"]


@st.composite
def rulesets(draw) -> RuleSet:
    low, high = sorted(draw(st.lists(st.sampled_from(RATES), min_size=2, max_size=2)), key=parse_rate)
    keys = draw(st.lists(st.integers(2, 5), unique=True, max_size=3))
    return RuleSet.model_validate({
        "id": "random-city", "version": "1", "valid_from": "2020-01-01",
        "source": {"seed": "none", "quote": "-"},
        "fund": {"id": "f", "name": "F", "default_budget": "700000.00"},
        "construction_grants": draw(st.sampled_from([
            [], [{"id": "c", "rule": "construction_grant", "amount": "20000.00"}],
            [{"id": "c", "rule": "construction_grant", "amount": "10000.00"},
             {"id": "e", "rule": "class_equipment_grant", "standard": "12345.67", "factor": "1.15"}],
        ])),
        "operating_subsidy": {"min_rate": low, "max_rate": high},
        "covered_kinds": draw(st.lists(st.sampled_from(KINDS), unique=True, min_size=1)),
        "sibling_reduction": {
            "basis": draw(st.sampled_from(["birth_order", "enrolled_siblings"])),
            "table": {k: draw(st.sampled_from(SHARES)) for k in keys},
        },
        "age_limit": {"years": 3},
    })


_PICK = st.integers(0, 7)
_MAYBE = st.integers(0, 3)


@lru_cache(maxsize=None)
def _offsets(before: int, after: int):
    return st.integers(-before, 31 + after)


def _near(draw, month: Month, before=70, after=40) -> date:
    """A day near the month; its first and last days and their neighbours come up often (strategies are cached,
    since building them per draw costs more than the tests themselves)."""
    pick = draw(_PICK)
    edges = [month.first_day, month.last_day, month.first_day - timedelta(days=1), month.last_day + timedelta(days=1)]
    if pick < len(edges):
        return edges[pick]
    return month.first_day + timedelta(days=draw(_offsets(before, after)))


def _maybe_near(draw, month: Month) -> date | None:
    pick = draw(_MAYBE)
    return None if pick == 0 else date(2019, 1, 1) if pick == 1 else _near(draw, month)


@st.composite
def worlds(draw) -> tuple[Month, MonthFacts]:
    month = draw(st.sampled_from(MONTHS))
    facilities = []
    for i in range(draw(st.integers(1, 4))):
        facilities.append(Facility(
            external_id=f"F{i}",
            kind=draw(st.sampled_from(KINDS)),
            serves_meals=draw(st.booleans()),
            filed_on=_maybe_near(draw, month),
            fire_safety_certified_on=_maybe_near(draw, month),
            food_licence_on=_maybe_near(draw, month),
            revoked_on=_near(draw, month) if draw(_MAYBE) == 0 else None,
            rates=tuple((_near(draw, month, 400), parse_rate(draw(st.sampled_from(RATES))))
                        for _ in range(draw(st.integers(0, 3)))),
            reviews=tuple((_near(draw, month, 200), draw(st.sampled_from(["pass", "fail"])))
                          for _ in range(draw(st.integers(0, 3)))),
        ))
    classes = [
        ClassFacts(draw(st.integers(0, len(facilities) - 1)), f"C{i}", _near(draw, month, 200),
                   _near(draw, month) if draw(_MAYBE) == 0 else None, _maybe_near(draw, month))
        for i in range(draw(st.integers(0, 3)))
    ]
    three_years_before = date(month.year - 3, month.month, 1)
    children = [
        ChildRecord(family=draw(_FAMILY), birth_date=_birth(draw, three_years_before), birth_order=draw(_ORDER))
        for _ in range(draw(st.integers(1, 8)))
    ]
    enrollments = []
    for _ in range(draw(st.integers(0, 10))):
        start = _near(draw, month, before=60, after=5)
        end = None if draw(_MAYBE) == 0 else start + timedelta(days=draw(_LENGTH))
        enrollments.append(EnrollmentRecord(
            child=draw(st.integers(0, len(children) - 1)),
            facility=draw(st.integers(0, len(facilities) - 1)),
            start=start, end=end, fees=_fee_runs(draw, month, start, end),
        ))
    return month, MonthFacts.from_records(facilities, classes, children, enrollments)


_FAMILY, _ORDER, _LENGTH = st.integers(1, 3), st.integers(1, 4), st.integers(0, 70)
_LEAP_DAYS = st.sampled_from([date(2020, 2, 29), date(2021, 2, 28), date(2021, 3, 1), date(2016, 2, 29)])
_AROUND_LIMIT, _YOUNGER = st.integers(-45, 45), st.integers(30, 1100)


def _birth(draw, three_years_before: date) -> date:
    """Around the age limit mostly, sometimes a leap day, sometimes well under 3."""
    pick = draw(_MAYBE)
    if pick == 0:
        return draw(_LEAP_DAYS)
    if pick == 1:
        return three_years_before + timedelta(days=draw(_YOUNGER))
    return three_years_before + timedelta(days=draw(_AROUND_LIMIT))


def _fee_runs(draw, month: Month, start: date, end: date | None):
    """Contiguous fee runs covering the enrollment's days in the month (none if it misses the month)."""
    lo, hi = max(start, month.first_day), min(end or date.max, month.last_day)
    if lo > hi:
        return ()
    span = (hi - lo).days
    cuts = sorted(set(draw(st.lists(st.integers(1, span), max_size=2)))) if span else []
    bounds = [lo + timedelta(days=c) for c in cuts]
    starts, ends = [lo, *bounds], [b - timedelta(days=1) for b in bounds] + [hi]
    return tuple((s, t, draw(_FEES)) for s, t in zip(starts, ends))


_FEES = st.one_of(st.integers(0, 500000), st.sampled_from([200000, 3, 1, 199999, 9999999999]))
