"""Facts the engine refuses rather than compute wrong (the month calendar: tests/unit/shared/test_months.py)."""

import pytest

from subsidy.rules.engine import compute_month
from subsidy.rules.facts import FactsInvalid
from tuoyu.months import Month

from .world import World


def test_overlapping_fee_runs_are_refused(putuo):
    world = World()
    world.enroll(world.child(), world.facility(),
                 fees=[("2022-09-01", "2022-09-20", "2000.00"), ("2022-09-15", "2022-09-30", "2500.00")])
    with pytest.raises(FactsInvalid, match="overlap"):
        compute_month(Month(2022, 9), putuo, world.facts("2022-09"))


def test_a_negative_fee_is_refused(putuo):
    world = World()
    world.enroll(world.child(), world.facility(), fee="-1.00")
    with pytest.raises(FactsInvalid, match="fee"):
        compute_month(Month(2022, 9), putuo, world.facts("2022-09"))


def test_an_empty_month_gives_empty_lines_and_zero_totals(putuo):
    due = compute_month(Month(2022, 9), putuo, World().facts("2022-09"))
    assert len(due.lines) == 0 and set(due.totals().values()) == {0}
