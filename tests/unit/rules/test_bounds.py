"""Anything the enrollment API accepts, the engine computes: the shared bounds (`tuoyu.bounds`) at their edges."""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from enrollment.domain.models import Filing, NewChild, NewEnrollment
from enrollment.importing.rows import parse as parse_row
from subsidy.rules.engine import compute_month
from tuoyu.months import Month
from subsidy.rules.reference import reference_lines
from subsidy.rules.ruleset import OperatingSubsidy
from tuoyu import bounds
from tuoyu.money import format_cny, format_rate, parse_cny, parse_rate, round_half_up

from .world import World

LOW_FEE, HIGH_FEE = bounds.MONTHLY_FEE_FEN
LARGEST_FEE = format_cny(HIGH_FEE)


def _generous(ruleset):
    """The rule set with the widest rate bounds a rule set may have: the engine's worst case."""
    low, high = bounds.RATE
    return ruleset.model_copy(update={"operating_subsidy": OperatingSubsidy(min_rate=format_rate(low), max_rate=format_rate(high))})


def _accepted(fee: str, rate: str, start: date, end: date, born: date, order: int) -> None:
    """The enrollment API's models accept these values (raise otherwise)."""
    NewEnrollment(external_id="E1", child="K1", **{"class": "C1"}, monthly_fee=fee, start=start, end=end)
    NewChild(external_id="K1", family="FAM1", birth_date=born, birth_order=order)
    Filing(filed_on=start, subsidy_rate=rate)


def _month_of(fee: str, rate: str, month: Month, born: date, order: int, ruleset):
    world = World()
    facility = world.facility(rates=[(bounds.FIRST_DAY, rate)], filed=bounds.FIRST_DAY, fire_safety=bounds.FIRST_DAY)
    world.klass(facility, bounds.FIRST_DAY)
    world.enroll(world.child(born=born, order=order), facility, start=bounds.FIRST_DAY, end=bounds.LAST_DAY, fee=fee)
    facts = world.facts(month)
    assert facts.check() == {}
    return compute_month(month, ruleset, facts), facts


def test_the_largest_fee_rate_and_birth_order_the_api_accepts_are_computed_to_the_fen(putuo):
    ruleset = _generous(putuo)
    month = Month(2022, 9)
    _accepted(LARGEST_FEE, "1", bounds.FIRST_DAY, bounds.LAST_DAY, date(2021, 3, 1), bounds.BIRTH_ORDER[1])
    due, _ = _month_of(LARGEST_FEE, "1", month, date(2021, 3, 1), bounds.BIRTH_ORDER[1], ruleset)
    line = due.lines.row(0)
    # A third or later child is free (reduction 1.00) and the rate is 1: both equal the whole fee.
    assert (line["fee_fen"], line["reduction_fen"], line["operating_subsidy_fen"]) == (HIGH_FEE, HIGH_FEE, HIGH_FEE)
    assert line["family_due_fen"] == 0


@pytest.mark.parametrize("month", [Month(bounds.FIRST_DAY.year, bounds.FIRST_DAY.month),
                                   Month(bounds.LAST_DAY.year, bounds.LAST_DAY.month)])
def test_the_first_and_last_months_a_record_may_carry_are_computed(putuo, month):
    born = month.first_day
    due, _ = _month_of(LARGEST_FEE, "1", month, born, 1, _generous(putuo))
    line = due.lines.row(0)
    assert line["fee_fen"] == HIGH_FEE and line["enrolled_days"] == month.days


def test_a_fee_a_fen_above_the_bound_is_refused_by_the_api_the_importer_and_the_engine(putuo):
    above = format_cny(HIGH_FEE + 1)
    with pytest.raises(ValidationError, match="monthly_fee"):
        NewEnrollment(external_id="E1", child="K1", **{"class": "C1"}, monthly_fee=above, start="2022-09-01")
    cells = {"family": "FAM1", "child": "K1", "birth_date": "2021-03-01", "birth_order": "1", "class": "C1",
             "enrollment": "E1", "monthly_fee": above, "start": "2022-09-01"}
    row, problems = parse_row(2, cells, date(2022, 9, 1))
    assert row is None and [column for column, _ in problems] == ["monthly_fee"]
    world = World()
    world.enroll(world.child(), world.facility(), fee=above)
    due = compute_month(Month(2022, 9), putuo, world.facts("2022-09"))
    assert len(due.lines) == 0 and "99999999.99" in due.refused[0].reason


def test_a_rate_above_one_or_a_date_outside_the_bounds_is_refused_by_the_api():
    with pytest.raises(ValidationError, match="subsidy_rate"):
        Filing(filed_on="2022-09-01", subsidy_rate="1.000001")
    for day in (bounds.FIRST_DAY - timedelta(days=1), bounds.LAST_DAY + timedelta(days=1)):
        with pytest.raises(ValidationError, match="start"):
            NewEnrollment(external_id="E1", child="K1", **{"class": "C1"}, monthly_fee="1.00", start=day)


fees = st.integers(LOW_FEE, HIGH_FEE)
rates = st.integers(0, 10**6).map(lambda ppm: format_rate(Fraction(ppm, 10**6)))
months = st.dates(bounds.FIRST_DAY, bounds.LAST_DAY).map(lambda d: Month(d.year, d.month))


@settings(max_examples=60, deadline=None)
@given(fee=fees, rate=rates, month=months, order=st.integers(*bounds.BIRTH_ORDER))
def test_every_value_inside_the_bounds_is_accepted_by_the_api_and_computed_exactly_by_the_engine(
        putuo, fee, rate, month, order):
    text = format_cny(fee)
    born = month.first_day - timedelta(days=365)  # under the age limit all month
    if born < bounds.FIRST_DAY:
        born = bounds.FIRST_DAY
    _accepted(text, rate, bounds.FIRST_DAY, bounds.LAST_DAY, born, order)
    ruleset = _generous(putuo)
    due, facts = _month_of(text, rate, month, born, order, ruleset)
    line = due.lines.row(0)
    assert line["fee_fen"] == fee
    assert line["operating_subsidy_fen"] == round_half_up(fee * parse_rate(rate))
    (expected,) = reference_lines(month, ruleset, facts)
    assert (line["reduction_fen"], line["family_due_fen"]) == (expected.reduction_fen, expected.family_due_fen)


@settings(max_examples=60, deadline=None)
@given(fen=st.one_of(st.integers(HIGH_FEE + 1, 10**15 - 1), st.integers(-(10**15) + 1, LOW_FEE - 1)))
def test_every_fee_outside_the_bounds_is_refused_by_the_api_and_by_the_engine(putuo, fen):
    text = format_cny(fen)
    assert parse_cny(text) == fen  # a well-formed amount: refused for its size alone
    with pytest.raises(ValidationError, match="monthly_fee"):
        NewEnrollment(external_id="E1", child="K1", **{"class": "C1"}, monthly_fee=text, start="2022-09-01")
    world = World()
    world.enroll(world.child(), world.facility(), fee=text)
    due = compute_month(Month(2022, 9), putuo, world.facts("2022-09"))
    assert len(due.lines) == 0 and "monthly fee" in due.refused[0].reason
