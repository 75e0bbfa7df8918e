"""What-if pricing: a draft rule set against the one in force, month by month and over the range."""

from subsidy.rules.ruleset import dump_ruleset, load_ruleset
from subsidy.rules.whatif import compare
from tuoyu.months import Month

from .world import World


def test_a_draft_with_a_bigger_second_child_reduction_costs_the_difference(putuo):
    draft = load_ruleset(dump_ruleset(putuo).replace("'0.3'", "'0.5'").replace("version: '1'", "version: 'draft'"))
    world = World()
    f = world.facility(rate="0.12")
    world.klass(f, "2022-10-03")
    world.enroll(world.child(family=1, order=1), f)
    world.enroll(world.child(family=1, order=2), f)
    months = [(Month(2022, 9), world.facts("2022-09")), (Month(2022, 10), world.facts("2022-10"))]
    result = compare(putuo, draft, months)
    assert (result["current"]["version"], result["draft"]["version"]) == ("1", "draft")
    september, october = result["months"]
    assert september["difference"]["reduction_fen"] == 40000  # 2000.00 × (50% − 30%)
    assert september["difference"]["family_due_fen"] == -40000
    assert september["current"]["grants_fen"] == 0 and october["current"]["grants_fen"] == 2000000
    assert result["total"]["difference"]["treasury_fen"] == 80000
    assert result["total"]["current"]["treasury_fen"] == 2 * (60000 + 2 * 24000) + 2000000


def test_comparing_a_rule_set_with_itself_costs_nothing(putuo):
    world = World()
    world.enroll(world.child(order=3), world.facility())
    result = compare(putuo, putuo, [(Month(2022, 9), world.facts("2022-09"))])
    assert set(result["total"]["difference"].values()) == {0}
