"""`sibling_reduction` on both bases: registered birth order, or rank among enrolled siblings."""

import numpy as np

from subsidy.rules.engine import compute_month
from subsidy.rules.family import sibling_groups
from subsidy.rules.reference import reference_lines
from subsidy.rules.ruleset import dump_ruleset, load_ruleset
from tuoyu.months import Month

from .test_ruleset_loading import UNSEEN
from .world import World

SEPTEMBER = Month(2022, 9)


def _enrolled_siblings(ruleset):
    data = dump_ruleset(ruleset).replace("basis: birth_order", "basis: enrolled_siblings")
    return load_ruleset(data)


def _lines(ruleset, world):
    return compute_month(SEPTEMBER, ruleset, world.facts(SEPTEMBER)).lines


def test_birth_order_basis_uses_the_registered_order_even_if_elder_children_are_not_enrolled(putuo):
    world = World()
    world.enroll(world.child(family=7, born="2021-05-01", order=3), world.facility())
    lines = _lines(putuo, world)
    assert (lines.sibling_rank[0], lines.reduction_fen[0]) == (3, 200000)


def test_enrolled_siblings_basis_makes_an_only_enrolled_child_the_first(putuo):
    world = World()
    world.enroll(world.child(family=7, born="2021-05-01", order=3), world.facility())
    lines = _lines(_enrolled_siblings(putuo), world)
    assert (lines.sibling_rank[0], lines.reduction_fen[0]) == (1, 0)


def test_enrolled_siblings_are_ranked_eldest_first_by_birth_date(putuo):
    world = World()
    f = world.facility()
    youngest = world.enroll(world.child(family=7, born="2022-01-10", order=3), f)
    eldest = world.enroll(world.child(family=7, born="2020-02-01", order=1), f)
    middle = world.enroll(world.child(family=7, born="2021-01-10", order=2), f)
    lines = _lines(_enrolled_siblings(putuo), world)
    assert [lines.sibling_rank[r] for r in (eldest, middle, youngest)] == [1, 2, 3]
    assert [lines.reduction_fen[r] for r in (eldest, middle, youngest)] == [0, 60000, 200000]


def test_twins_are_ranked_by_their_birth_order(putuo):
    world = World()
    f = world.facility()
    second_twin = world.enroll(world.child(family=7, born="2021-06-06", order=2), f)
    first_twin = world.enroll(world.child(family=7, born="2021-06-06", order=1), f)
    lines = _lines(_enrolled_siblings(putuo), world)
    assert (lines.sibling_rank[first_twin], lines.sibling_rank[second_twin]) == (1, 2)
    assert (lines.reduction_fen[first_twin], lines.reduction_fen[second_twin]) == (0, 60000)


def test_a_sibling_enrolled_only_at_an_ineligible_facility_does_not_count(putuo):
    world = World()
    world.enroll(world.child(family=7, born="2020-02-01", order=1), world.facility(kind="employer"))
    younger = world.enroll(world.child(family=7, born="2021-06-06", order=2), world.facility())
    lines = _lines(_enrolled_siblings(putuo), world)
    assert (lines.sibling_rank[younger], lines.reduction_fen[younger]) == (1, 0)


def test_a_sibling_who_left_before_the_month_does_not_count_but_one_leaving_on_the_1st_does(putuo):
    world = World()
    f = world.facility()
    world.enroll(world.child(family=7, born="2020-02-01", order=1), f, "2021-09-01", "2022-08-31")
    world.enroll(world.child(family=8, born="2020-02-01", order=1), f, "2021-09-01", "2022-09-01")
    alone = world.enroll(world.child(family=7, born="2021-06-06", order=2), f)
    with_sibling = world.enroll(world.child(family=8, born="2021-06-06", order=2), f)
    lines = _lines(_enrolled_siblings(putuo), world)
    assert (lines.sibling_rank[alone], lines.sibling_rank[with_sibling]) == (1, 2)
    # The reduction covers the whole month: rank is decided once for the month.
    assert lines.reduction_fen[with_sibling] == 60000


def test_a_sibling_moving_between_facilities_is_counted_once(putuo):
    world = World()
    a, b = world.facility(), world.facility()
    elder = world.child(family=7, born="2020-02-01", order=1)
    world.enroll(elder, a, "2021-09-01", "2022-09-15")
    world.enroll(elder, b, "2022-09-16")
    youngest = world.enroll(world.child(family=7, born="2021-06-06", order=2), a)
    assert _lines(_enrolled_siblings(putuo), world).sibling_rank[youngest] == 2


def test_a_table_starting_at_the_fourth_child_gives_nothing_to_the_second_and_third():
    ruleset = load_ruleset(UNSEEN.replace("2: \"0.50\"", "4: \"0.50\""))
    world = World()
    f = world.facility(rate="0.10")
    rows = [world.enroll(world.child(family=1, order=n), f) for n in (2, 3, 4, 5)]
    lines = compute_month(SEPTEMBER, ruleset, world.facts(SEPTEMBER)).lines
    assert [lines.reduction_fen[r] for r in rows] == [0, 0, 200000, 200000]


def _household_world(households):
    """Two families (7 and 8) at two facilities, with these households: the elder child at A, the younger at B."""
    key = sibling_groups(np.array([7, 8]), np.array(households, dtype=object))
    world = World()
    a, b = world.facility(), world.facility()
    elder = world.enroll(world.child(family=int(key[0]), born="2020-02-01", order=1), a)
    younger = world.enroll(world.child(family=int(key[1]), born="2021-06-06", order=1), b)
    return world, elder, younger


def test_two_families_of_one_household_at_two_facilities_are_siblings(putuo):
    world, elder, younger = _household_world(["h1", "h1"])
    lines = _lines(_enrolled_siblings(putuo), world)
    assert (lines.sibling_rank[elder], lines.reduction_fen[elder]) == (1, 0)
    assert (lines.sibling_rank[younger], lines.reduction_fen[younger]) == (2, 60000)  # 30% of 2,000.00


def test_two_families_without_a_household_each_have_a_first_child(putuo):
    for households in ([None, None], ["h1", "h2"], ["h1", None]):
        world, elder, younger = _household_world(households)
        lines = _lines(_enrolled_siblings(putuo), world)
        assert (lines.sibling_rank[younger], lines.reduction_fen[younger]) == (1, 0)


def test_a_household_ranks_its_children_as_the_reference_does(putuo):
    world, elder, younger = _household_world(["h1", "h1"])
    ruleset = _enrolled_siblings(putuo)
    facts = world.facts(SEPTEMBER)
    reference = reference_lines(SEPTEMBER, ruleset, facts)
    assert [reference[r].sibling_rank for r in (elder, younger)] == [1, 2]


def test_sibling_groups_keep_families_apart_from_households():
    key = sibling_groups(np.array([1, 2, 3, 4]), np.array([None, "h", None, "h"], dtype=object))
    assert key[1] == key[3] and len({int(k) for k in key}) == 3
