"""`construction_grant` and `class_equipment_grant`: one-time grants per class, due once open, confirmed by the health
commission and eligible."""

from subsidy.rules.engine import compute_month
from tuoyu.months import Month

from .world import World

SEPTEMBER = Month(2022, 9)


def test_a_class_opened_before_the_first_cycle_is_due_but_not_first_due_this_month(putuo):
    world = World()
    world.klass(world.facility(), "2022-03-01")
    (grant,) = compute_month(SEPTEMBER, putuo, world.facts(SEPTEMBER)).grants
    assert grant.amount_fen == 2000000 and not grant.first_due_in_month


def test_a_class_opening_next_month_is_not_due_yet(putuo):
    world = World()
    world.klass(world.facility(), "2022-10-01")
    assert compute_month(SEPTEMBER, putuo, world.facts(SEPTEMBER)).grants == ()


def test_a_class_becomes_due_in_the_month_its_facility_is_filed(putuo):
    world = World()
    world.klass(world.facility(filed="2022-09-30"), "2022-06-01")
    assert compute_month(Month(2022, 8), putuo, world.facts("2022-08")).grants == ()
    (grant,) = compute_month(SEPTEMBER, putuo, world.facts(SEPTEMBER)).grants
    assert grant.first_due_in_month


def test_a_class_closed_before_its_facility_became_eligible_is_never_due(putuo):
    world = World()
    world.klass(world.facility(filed="2022-09-10"), "2022-06-01", closed="2022-09-09")
    assert compute_month(SEPTEMBER, putuo, world.facts(SEPTEMBER)).grants == ()


def test_a_class_of_an_uncovered_kind_is_never_due(putuo):
    world = World()
    world.klass(world.facility(kind="employer"), "2022-09-01")
    assert compute_month(SEPTEMBER, putuo, world.facts(SEPTEMBER)).grants == ()


def test_a_class_of_a_facility_revoked_before_it_opened_is_never_due(putuo):
    world = World()
    world.klass(world.facility(revoked="2022-09-01"), "2022-09-01")
    assert compute_month(SEPTEMBER, putuo, world.facts(SEPTEMBER)).grants == ()


def test_songjiang_funds_toddler_class_equipment_at_the_small_class_standard_plus_15_percent(songjiang):
    world = World()
    world.klass(world.facility(kind="kindergarten_toddler_class", rate="0"), "2022-09-01")
    (grant,) = compute_month(SEPTEMBER, songjiang, world.facts(SEPTEMBER)).grants
    assert (grant.rule, grant.amount_fen) == ("class_equipment_grant", 2300000)


def test_a_class_nobody_confirmed_is_never_due(putuo):
    world = World()
    world.klass(world.facility(), "2022-03-01", confirmed=None)
    assert compute_month(SEPTEMBER, putuo, world.facts(SEPTEMBER)).grants == ()


def test_a_class_becomes_due_in_the_month_the_health_commission_confirms_it(putuo):
    world = World()
    world.klass(world.facility(), "2022-03-01", confirmed="2022-09-20")
    assert compute_month(Month(2022, 8), putuo, world.facts("2022-08")).grants == ()
    (grant,) = compute_month(SEPTEMBER, putuo, world.facts(SEPTEMBER)).grants
    assert grant.amount_fen == 2000000 and grant.first_due_in_month


def test_a_class_confirmed_before_it_opens_is_due_from_its_opening(putuo):
    world = World()
    world.klass(world.facility(), "2022-09-05", confirmed="2022-08-15")
    assert compute_month(Month(2022, 8), putuo, world.facts("2022-08")).grants == ()
    (grant,) = compute_month(SEPTEMBER, putuo, world.facts(SEPTEMBER)).grants
    assert grant.first_due_in_month


def test_a_class_confirmed_only_after_it_closed_is_never_due(putuo):
    world = World()
    world.klass(world.facility(), "2022-03-01", closed="2022-08-31", confirmed="2022-09-01")
    assert compute_month(SEPTEMBER, putuo, world.facts(SEPTEMBER)).grants == ()


def test_a_class_confirmed_before_its_facility_is_filed_is_due_from_the_filing(putuo):
    world = World()
    world.klass(world.facility(filed="2022-09-30"), "2022-06-01", confirmed="2022-06-10")
    assert compute_month(Month(2022, 8), putuo, world.facts("2022-08")).grants == ()
    (grant,) = compute_month(SEPTEMBER, putuo, world.facts(SEPTEMBER)).grants
    assert grant.first_due_in_month
