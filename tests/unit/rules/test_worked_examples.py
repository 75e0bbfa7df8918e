"""POLICY's worked examples (zhoushan-putuo-2022, fee 2,000.00, rate 12%), all in one September."""

from subsidy.rules.engine import compute_month
from tuoyu.months import Month

from .world import World

SEPTEMBER = Month(2022, 9)


def test_the_worked_example_table_in_one_month(putuo):
    world = World()
    f = world.facility(rate="0.12")
    first = world.enroll(world.child(family=1, order=1), f)
    second = world.enroll(world.child(family=2, order=2), f)
    third = world.enroll(world.child(family=3, order=3), f)
    half = world.enroll(world.child(family=4, order=2), f, "2022-09-16", "2022-09-30")
    aged_out = world.enroll(world.child(family=5, born="2019-08-10", order=1), f)
    lines = compute_month(SEPTEMBER, putuo, world.facts(SEPTEMBER)).lines

    def amounts(row):
        return lines.family_due_fen[row], lines.reduction_fen[row], lines.operating_subsidy_fen[row]

    assert amounts(first) == (200000, 0, 24000)
    assert amounts(second) == (140000, 60000, 24000)
    assert amounts(third) == (0, 200000, 24000)
    assert amounts(half) == (70000, 30000, 12000)
    assert amounts(aged_out) == (200000, 0, 0)


def test_ten_days_of_a_31_day_month_round_once_per_amount(putuo):
    world = World()
    world.enroll(world.child(order=2), world.facility(rate="0.12"), "2022-10-01", "2022-10-10")
    line = compute_month(Month(2022, 10), putuo, world.facts("2022-10")).lines.row(0)
    assert (line["fee_fen"], line["family_due_fen"], line["reduction_fen"], line["operating_subsidy_fen"]) == (
        64516, 45161, 19355, 7742)


def test_a_facility_opening_two_classes_in_september_is_due_two_construction_grants(putuo):
    world = World()
    f = world.facility()
    world.klass(f, "2022-09-01")
    world.klass(f, "2022-09-19")
    due = compute_month(SEPTEMBER, putuo, world.facts(SEPTEMBER))
    assert [(g.rule, g.amount_fen) for g in due.grants] == [("construction_grant", 2000000)] * 2
    assert due.totals()["grants_fen"] == 4000000
