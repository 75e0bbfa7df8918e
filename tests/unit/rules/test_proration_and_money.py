"""`proration` by calendar days and `money`: each line rounded half-up once, shares adding up to the fee."""

from subsidy.rules.engine import compute_month
from tuoyu.months import Month

from .world import World

SEPTEMBER = Month(2022, 9)


def _line(putuo, month=SEPTEMBER, **enrollment):
    world = World()
    world.enroll(world.child(order=2), world.facility(), **enrollment)
    return compute_month(month, putuo, world.facts(month)).lines.row(0)


def test_start_and_end_days_are_both_counted(putuo):
    line = _line(putuo, start="2022-09-10", end="2022-09-10")
    assert (line["enrolled_days"], line["fee_fen"]) == (1, 6667)


def test_a_fee_change_mid_month_charges_each_run_its_own_fee(putuo):
    line = _line(putuo, start="2022-09-05",
                 fees=[("2022-09-05", "2022-09-19", "2000.00"), ("2022-09-20", "2022-09-30", "2600.00")])
    # 2000 × 15/30 + 2600 × 11/30 = 1000.00 + 953.333… = 1953.33
    assert (line["fee_fen"], line["reduction_fen"], line["family_due_fen"]) == (195333, 58600, 136733)


def test_an_exact_half_fen_rounds_up(putuo):
    # 0.03 × 15/30 = 1.5 fen → 2 fen; reduction 0.45 fen → 0, so the family pays the whole 2 fen.
    line = _line(putuo, start="2022-09-16", fee="0.03")
    assert (line["fee_fen"], line["reduction_fen"], line["family_due_fen"]) == (2, 0, 2)


def test_family_share_and_reduction_add_up_to_the_rounded_fee_even_when_both_round(putuo):
    line = _line(putuo, month=Month(2022, 10), start="2022-10-01", end="2022-10-10", fee="2000.00")
    # 645.161… → 645.16 and 193.548… → 193.55: the family pays the difference, 451.61, never a third rounding.
    assert line["family_due_fen"] + line["reduction_fen"] == line["fee_fen"] == 64516


def test_totals_are_sums_of_rounded_lines_not_rounded_sums(putuo):
    world = World()
    f = world.facility()
    for _ in range(3):
        world.enroll(world.child(order=2), f, "2022-10-01", "2022-10-01")
    totals = compute_month(Month(2022, 10), putuo, world.facts("2022-10")).totals()
    # One day of 31 at 2000.00 is 64.516… → 64.52 a line; three lines make 193.56 (rounding the exact sum: 193.55).
    assert totals["fee_fen"] == 3 * 6452
    assert totals["reduction_fen"] == 3 * 1935  # 19.3548… each; the exact sum would round to 58.06
    assert totals["operating_subsidy_fen"] == 3 * 774  # 7.7419… each; the exact sum would round to 23.23
    assert totals["family_due_fen"] == 3 * (6452 - 1935)
    assert totals["treasury_fen"] == 3 * 1935 + 3 * 774
