"""Facts the engine refuses rather than compute wrong, and how little they stop: one facility's bad fact blocks
that facility alone (POLICY "Guard rails"); the month calendar is tests/unit/shared/test_months.py."""

import dataclasses

import numpy as np
import pytest

from subsidy.rules.engine import compute_month
from subsidy.rules.facts import FactsInvalid, Refusal
from tuoyu.months import Month

from .world import World

SEPTEMBER = Month(2022, 9)


def _two_facilities(bad_fees=None, bad_fee="2000.00"):
    """F-GOOD with a first and a second child (a reduction) and a new class; F-BAD with one enrollment, whose fee
    runs are `bad_fees` (or one run at `bad_fee`), and a new class of its own."""
    world = World()
    good, bad = world.facility("F-GOOD"), world.facility("F-BAD")
    world.klass(good, "2022-09-01", external_id="C-GOOD")
    world.klass(bad, "2022-09-01", external_id="C-BAD")
    world.enroll(world.child(family=1, order=1), good)
    world.enroll(world.child(family=2), bad, fee=bad_fee, fees=bad_fees)
    world.enroll(world.child(family=1, order=2), good, start="2022-09-16")
    return world


def _alone():
    """F-GOOD's facts with F-BAD's enrollment gone: what F-GOOD must be computed as."""
    world = _two_facilities()
    del world.enrollments[1]
    return world


@pytest.mark.parametrize("bad", [
    dict(bad_fees=[("2022-09-01", "2022-09-20", "2000.00"), ("2022-09-15", "2022-09-30", "2500.00")]),
    dict(bad_fee="-1.00"),
    dict(bad_fee="100000000.00"),
], ids=["overlapping fee runs", "a negative fee", "a fee above the bound"])
def test_a_facility_with_a_bad_fee_is_left_out_and_the_other_is_computed_exactly(putuo, bad):
    due = compute_month(SEPTEMBER, putuo, _two_facilities(**bad).facts(SEPTEMBER))
    expected = compute_month(SEPTEMBER, putuo, _alone().facts(SEPTEMBER))
    assert due.lines.enrollment.tolist() == [0, 2]  # rows of the facts asked for: F-BAD's row 1 has no line
    assert [due.lines.row(i) | {"enrollment": 0} for i in range(2)] == [
        expected.lines.row(i) | {"enrollment": 0} for i in range(2)]
    assert due.lines.row(1)["reduction_fen"] == 30000  # the second child's 15 days of 30, 30% off
    assert [g.class_external_id for g in due.grants] == ["C-GOOD"]
    assert list(due.refused) == [1] and due.refused[1].enrollment == 1
    assert due.facilities.eligible_days.tolist() == [30, 0]


def test_the_reason_says_what_a_valid_fact_looks_like(putuo):
    overlapping = [("2022-09-01", "2022-09-20", "2000.00"), ("2022-09-15", "2022-09-30", "2500.00")]
    due = compute_month(SEPTEMBER, putuo, _two_facilities(bad_fees=overlapping).facts(SEPTEMBER))
    assert due.refused == {1: Refusal(1, "the enrollment's fee periods overlap or are out of date order")}
    due = compute_month(SEPTEMBER, putuo, _two_facilities(bad_fee="100000000.00").facts(SEPTEMBER))
    assert due.refused == {1: Refusal(1, "a monthly fee must be between 0.00 and 99999999.99 CNY")}


def test_a_missing_date_blocks_the_facility_of_its_enrollment(putuo):
    facts = _two_facilities().facts(SEPTEMBER)
    start = facts.enrollments.start.copy()
    start[1] = np.datetime64("NaT")
    facts = dataclasses.replace(facts, enrollments=dataclasses.replace(facts.enrollments, start=start))
    due = compute_month(SEPTEMBER, putuo, facts)
    assert list(due.refused) == [1] and "start or end date is missing" in due.refused[1].reason
    assert due.lines.enrollment.tolist() == [0, 2]


def test_a_missing_birth_date_blocks_every_facility_the_child_is_enrolled_at(putuo):
    facts = _two_facilities().facts(SEPTEMBER)
    born = facts.children.birth_date.copy()
    born[facts.enrollments.child[1]] = np.datetime64("NaT")
    facts = dataclasses.replace(facts, children=dataclasses.replace(facts.children, birth_date=born))
    assert compute_month(SEPTEMBER, putuo, facts).refused == {1: Refusal(1, "the child's birth date is missing")}


def test_every_facility_at_fault_is_named_once_with_its_first_reason(putuo):
    world = World()
    for name in ("F1", "F2", "F3"):
        world.facility(name)
    world.enroll(world.child(), 0, fee="-1.00")
    world.enroll(world.child(), 0, fee="-2.00")
    world.enroll(world.child(), 2, fees=[("2022-09-01", "2022-09-20", "1.00"), ("2022-09-10", "2022-09-30", "-1.00")])
    due = compute_month(SEPTEMBER, putuo, world.facts(SEPTEMBER))
    assert sorted(due.refused) == [0, 2] and len(due.lines) == 0
    assert due.refused[0].enrollment == 0 and "overlap" in due.refused[2].reason  # the first check it fails


def test_a_bad_index_is_a_programming_error_and_stops_the_month(putuo):
    facts = _two_facilities().facts(SEPTEMBER)
    facility = facts.enrollments.facility.copy()
    facility[1] = 7
    facts = dataclasses.replace(facts, enrollments=dataclasses.replace(facts.enrollments, facility=facility))
    with pytest.raises(FactsInvalid, match="facility index"):
        compute_month(SEPTEMBER, putuo, facts)


def test_an_empty_month_gives_empty_lines_and_zero_totals(putuo):
    due = compute_month(SEPTEMBER, putuo, World().facts("2022-09"))
    assert len(due.lines) == 0 and set(due.totals().values()) == {0} and due.refused == {}
