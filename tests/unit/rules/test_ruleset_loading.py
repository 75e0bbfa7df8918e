"""Rule sets are data: an unseen city's document works without code, and a bad one lists every error."""

from datetime import date

import pytest

from subsidy.rules.catalog import in_force, load_shipped, shipped_names, shipped_text
from subsidy.rules.engine import compute_month
from subsidy.rules.ruleset import RuleSetInvalid, dump_ruleset, load_ruleset
from tuoyu.months import Month

from .world import World

UNSEEN = """
id: example-city-2024
version: "3"
valid_from: 2024-01-01
source: {seed: none, quote: "每个托班补助1万元; 二孩减免50%; 四孩及以上免费"}
fund: {id: example-fund, name: Example fund, default_budget: "500000.00"}
construction_grants:
  - {id: per-class, rule: construction_grant, amount: "10000.00"}
operating_subsidy: {min_rate: "0.05", max_rate: "0.20"}
covered_kinds: [childcare_institution, community]
sibling_reduction:
  basis: birth_order
  table: {2: "0.50", 4: "1.00"}
age_limit: {years: 3}
"""


def test_a_rule_set_never_seen_by_the_code_gives_its_own_amounts():
    ruleset = load_ruleset(UNSEEN)
    world = World()
    f = world.facility(kind="community", rate="0.20")
    world.klass(f, "2024-03-01")
    rows = [world.enroll(world.child(family=1, born="2023-01-01", order=n), f) for n in (1, 2, 3, 4)]
    due = compute_month(Month(2024, 3), ruleset, world.facts("2024-03"))
    assert [due.lines.reduction_fen[r] for r in rows] == [0, 100000, 100000, 200000]
    assert [due.lines.family_due_fen[r] for r in rows] == [200000, 100000, 100000, 0]
    assert set(due.lines.operating_subsidy_fen.tolist()) == {40000}
    assert [(g.rule, g.amount_fen) for g in due.grants] == [("construction_grant", 1000000)]
    assert ruleset.fund.default_budget == 50000000


def test_the_unseen_rule_set_refuses_nothing_in_its_wider_rate_bounds():
    ruleset = load_ruleset(UNSEEN)
    world = World()
    world.enroll(world.child(born="2023-01-01"), world.facility(rate="0.05"))
    assert compute_month(Month(2024, 3), ruleset, world.facts("2024-03")).lines.row(0)["operating_subsidy_fen"] == 10000


BAD = """
id: Example City
version: 3
valid_from: 2024-13-01
source: {seed: none}
fund: {id: f, name: F, default_budget: 500000.00}
construction_grants:
  - {id: a, rule: construction_grant, amount: "10000.00", factor: "1.15"}
  - {id: a, rule: construction_grant, amount: "ten thousand"}
operating_subsidy: {min_rate: "0.20", max_rate: "0.05"}
covered_kinds: [childcare_institution, daycare, childcare_institution]
sibling_reduction:
  basis: birth_rank
  table: {1: "0.50", 2: "1.50", 3: 0.30}
age_limit: {years: 0}
surprise: true
"""


def test_a_bad_document_lists_every_error_with_its_path():
    with pytest.raises(RuleSetInvalid) as caught:
        load_ruleset(BAD)
    paths = {e["path"] for e in caught.value.errors}
    assert paths >= {
        "id", "version", "valid_from", "source.quote", "fund.default_budget",
        "construction_grants.0", "construction_grants.1.id", "construction_grants.1.amount",
        "operating_subsidy", "covered_kinds.1", "covered_kinds.2",
        "sibling_reduction.basis", "sibling_reduction.table.1", "sibling_reduction.table.2",
        "sibling_reduction.table.3", "age_limit.years", "surprise",
    }
    reasons = {e["path"]: e["reason"] for e in caught.value.errors}
    assert "quoted decimal string" in reasons["fund.default_budget"]
    assert "between" in reasons["sibling_reduction.table.2"]
    assert "above max_rate" in reasons["operating_subsidy"]


def test_a_document_that_is_not_a_mapping_is_refused_with_one_clear_error():
    with pytest.raises(RuleSetInvalid) as caught:
        load_ruleset("- just\n- a list\n")
    assert caught.value.errors[0]["path"] == ""


def test_the_shipped_rule_sets_load_and_survive_a_round_trip():
    assert shipped_names() == ["shanghai-songjiang-2021", "zhoushan-putuo-2022"]
    for name in shipped_names():
        ruleset = load_shipped(name)
        assert ruleset.id == name
        assert load_ruleset(dump_ruleset(ruleset)) == ruleset
        assert ruleset.source.seed in shipped_text(name)


def test_the_putuo_set_holds_the_numbers_of_its_seed(putuo):
    assert [g.amount_fen for g in putuo.construction_grants] == [2000000]
    assert (str(putuo.operating_subsidy.min_rate), str(putuo.operating_subsidy.max_rate)) == ("2/25", "3/20")
    assert putuo.sibling_reduction.rate_for(1) == 0
    assert str(putuo.sibling_reduction.rate_for(2)) == "3/10"
    assert putuo.sibling_reduction.rate_for(7) == 1
    assert putuo.fund.default_budget == 70000000
    assert putuo.valid_from == date(2022, 1, 1)


def test_the_version_in_force_is_the_latest_valid_on_the_months_first_day(putuo):
    text = dump_ruleset(putuo).replace("version: '1'", "version: '2'").replace("2022-01-01", "2023-01-01")
    later = load_ruleset(text)
    assert in_force([putuo, later], putuo.id, date(2022, 12, 1)).version == "1"
    assert in_force([putuo, later], putuo.id, date(2023, 1, 1)).version == "2"
    assert in_force([putuo, later], putuo.id, date(2021, 12, 1)) is None
