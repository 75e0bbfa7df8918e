"""`operating_subsidy`: the facility's rate of the full fee, day by day, inside the rule set's bounds."""

from subsidy.rules.engine import compute_month
from tuoyu.months import Month

from .world import World

SEPTEMBER = Month(2022, 9)


def _subsidy(ruleset, world, month=SEPTEMBER):
    return compute_month(month, ruleset, world.facts(month)).lines.row(0)["operating_subsidy_fen"]


def test_the_base_is_the_full_fee_not_what_the_family_pays(putuo):
    world = World()
    world.enroll(world.child(order=3), world.facility(rate="0.15"))
    assert _subsidy(putuo, world) == 30000


def test_a_rate_change_mid_month_applies_each_rate_to_its_own_days(putuo):
    world = World()
    f = world.facility(rates=[("2020-01-01", "0.08"), ("2022-09-21", "0.15")])
    world.enroll(world.child(), f, fee="3000.00")
    # 3000 × 20/30 × 8% + 3000 × 10/30 × 15% = 160.00 + 150.00
    assert _subsidy(putuo, world) == 31000


def test_a_rate_change_inside_an_exact_amount_rounds_once_not_per_run(putuo):
    world = World()
    f = world.facility(rates=[("2020-01-01", "0.08"), ("2022-10-17", "0.09")])
    world.enroll(world.child(), f, fee="2000.09")
    # 200009 fen × (16 × 0.08 + 15 × 0.09) / 31 = 8258.44 + 8710.07 = 16968.51 fen → 16969;
    # rounding each run first would give 8258 + 8710 = 16968.
    assert _subsidy(putuo, world, Month(2022, 10)) == 16969


def test_a_rate_above_the_rule_sets_bounds_is_held_at_the_maximum(putuo):
    world = World()
    world.enroll(world.child(), world.facility(rate="0.20"))
    assert _subsidy(putuo, world) == 30000


def test_a_facility_without_a_rate_gets_no_operating_subsidy_but_families_keep_their_reduction(putuo):
    world = World()
    world.enroll(world.child(order=2), world.facility(rate=None))
    line = compute_month(SEPTEMBER, putuo, world.facts(SEPTEMBER)).lines.row(0)
    assert (line["operating_subsidy_fen"], line["reduction_fen"]) == (0, 60000)
