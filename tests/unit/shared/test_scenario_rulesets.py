"""A scenario's rule sets, as `tuoyu scenario load` plans them (CONTRACT "Scenario files"): files named relative to
the scenario, facilities placed under the old single `ruleset`, budgets with and without their fund, and the seeds'
places it adds."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.unit.shared.fake_services import PUTUO, Services
from tuoyu.cli.client import ApiError
from tuoyu.cli.scenario import steps
from tuoyu.cli.scenario_rulesets import budget_fund, known_lineage, placement, sources
from tuoyu.jurisdictions import CODE_PATTERN, KNOWN, county_level, lineage

FACILITY = {"external_id": "F1", "name": "园", "kind": "childcare_institution", "ownership": "private_nonprofit"}


def test_rule_set_files_are_named_relative_to_the_scenario_file_and_shipped_ids_by_id(tmp_path):
    (tmp_path / "rulesets").mkdir()
    (tmp_path / "rulesets" / "dinghai-2023.yaml").write_text("id: zhoushan-dinghai-2023\n", encoding="utf-8")
    found = sources({"rulesets": ["zhoushan-putuo-2022", "rulesets/dinghai-2023.yaml"]}, tmp_path)
    assert [(s.shipped, s.text) for s in found] == [("zhoushan-putuo-2022", None),
                                                    (None, "id: zhoushan-dinghai-2023\n")]
    services = Services()
    services.run({"rulesets": ["zhoushan-putuo-2022", "rulesets/dinghai-2023.yaml"]}, base=tmp_path)
    assert [(p, b) for h, m, p, b in services.requests if h == "subsidy"] == [
        ("/rulesets/shipped/zhoushan-putuo-2022", None), ("/rulesets", "id: zhoushan-dinghai-2023\n")]


def test_a_missing_rule_set_file_stops_the_plan_naming_where_it_was_looked_for(tmp_path):
    with pytest.raises(ApiError, match=r"rulesets\[1\]: cannot read rulesets/nowhere.yaml.*" + str(tmp_path)):
        sources({"rulesets": ["zhoushan-putuo-2022", "rulesets/nowhere.yaml"]}, tmp_path)


def test_a_world_naming_both_a_ruleset_and_a_rulesets_list_is_refused():
    with pytest.raises(ApiError, match="not both"):
        sources({"ruleset": "zhoushan-putuo-2022", "rulesets": ["zhoushan-putuo-2022"]}, Path("."))


def test_under_a_single_ruleset_a_facility_goes_in_its_first_jurisdiction_added_with_its_parents_first():
    services = Services()
    services.run({"ruleset": "zhoushan-putuo-2022", "facilities": [FACILITY]})
    assert services.sent("operator", path="/jurisdictions") == [
        {"code": "330000", "name": "浙江省"}, {"code": "330900", "name": "舟山市", "parent": "330000"},
        {"code": "330903", "name": "普陀区", "parent": "330900"}]
    (registered,) = services.sent("enrollment", path="/facilities")
    assert registered["jurisdiction"] == "330903"


def test_jurisdictions_the_platform_already_has_are_not_added_again():
    services = Services(on_platform=["330000", "330900"])
    services.run({"ruleset": "zhoushan-putuo-2022", "facilities": [FACILITY]})
    assert services.sent("operator", path="/jurisdictions") == [
        {"code": "330903", "name": "普陀区", "parent": "330900"}]


def test_a_world_listing_its_jurisdictions_gets_none_from_the_table_and_a_named_jurisdiction_is_kept():
    world = {"ruleset": "zhoushan-putuo-2022", "jurisdictions": [{"code": "330900", "name": "舟山市"}],
             "facilities": [FACILITY, {**FACILITY, "external_id": "F2", "jurisdiction": "330902"}]}
    services = Services()
    services.run(world)
    assert services.sent("operator", path="/jurisdictions") == [{"code": "330900", "name": "舟山市"}]
    assert [f.get("jurisdiction") for f in services.sent("enrollment", path="/facilities")] == ["330903", "330902"]


@pytest.mark.parametrize("world, answer", [
    ({"facilities": [FACILITY]}, PUTUO),                                          # no rule set at all
    ({"ruleset": "anywhere-2020", "facilities": [FACILITY]}, {**PUTUO, "jurisdictions": []}),  # platform-wide
    ({"ruleset": "older-2020", "facilities": [FACILITY]}, {"fund": {"id": "x"}}),  # an answer without the field
])
def test_a_facility_stays_unplaced_without_a_rule_set_that_covers_a_jurisdiction(world, answer):
    services = Services(shipped=answer)
    services.run(world)
    (registered,) = services.sent("enrollment", path="/facilities")
    assert "jurisdiction" not in registered and services.sent("operator") == []


def test_a_rule_set_covering_a_city_first_places_nothing_by_itself():
    assert placement("zhoushan-2024", []) is None
    with pytest.raises(ApiError, match="330900, a city or province"):
        placement("zhoushan-2024", ["330900", "330903"])


def test_under_a_rulesets_list_every_facility_names_its_jurisdiction():
    with pytest.raises(ApiError, match="facility F1: name its `jurisdiction`"):
        steps(Services().api(), {"rulesets": ["zhoushan-putuo-2022"], "facilities": [FACILITY]})


def test_a_budget_without_its_fund_takes_the_one_fund_of_the_world_and_one_with_it_keeps_it():
    services = Services()
    services.run({"ruleset": "zhoushan-putuo-2022", "budgets": [{"year": 2022, "amount": "700000.00"},
                                                                 {"fund": "f-2", "year": 2023, "amount": "1.00"}]})
    assert [(p, b) for h, m, p, b in services.requests if h == "billing"] == [
        ("/budgets/putuo-childcare-fund/2022", {"amount": "700000.00"}), ("/budgets/f-2/2023", {"amount": "1.00"})]


def test_a_budget_without_its_fund_among_several_funds_stops_the_load_before_any_record(tmp_path):
    (tmp_path / "d.yaml").write_text("dinghai", encoding="utf-8")
    services = Services()
    with pytest.raises(ApiError, match="budget 2023: the world's rule sets have the funds dinghai-childcare-fund, "
                                       "putuo-childcare-fund: name one with `fund:`"):
        services.run({"rulesets": ["zhoushan-putuo-2022", "d.yaml"], "budgets": [{"year": 2023, "amount": "1.00"}],
                      "facilities": [{**FACILITY, "jurisdiction": "330903"}]}, base=tmp_path)
    assert services.sent("enrollment") == []


def test_budget_fund_with_no_rule_set_asks_for_the_fund_and_one_fund_twice_is_one():
    assert budget_fund({"year": 2023}, ["a", "a"]) == "a"
    with pytest.raises(ApiError, match="loads no rule set"):
        budget_fund({"year": 2023}, [])


def test_the_seeds_places_form_one_tree_of_valid_codes_with_county_level_leaves():
    tree = {code: parent for code, (_, parent) in KNOWN.items()}
    assert all(parent is None or parent in KNOWN for parent in tree.values())
    assert all(re.fullmatch(CODE_PATTERN, code) for code in KNOWN)
    assert {code for code in KNOWN if county_level(code)} == {"330903", "330902", "330282", "330281", "330103",
                                                             "330105", "310117"}
    assert [KNOWN[c][0] for c in lineage("330903", tree)] == ["普陀区", "舟山市", "浙江省"]
    assert [KNOWN[c][0] for c in lineage("310117", tree)] == ["松江区", "上海市"]


def test_a_place_outside_the_seeds_is_asked_for_in_the_world():
    with pytest.raises(ApiError, match="330921 is not one of the seeds' places"):
        known_lineage("330921", set())
    assert known_lineage("330921", {"330921"}) == []


def test_a_bill_step_whose_cycle_failed_in_one_jurisdiction_stops_the_load_naming_it():
    services = Services(cycles=[{"jurisdiction": "330903", "issued": True},
                                {"jurisdiction": "330902", "issued": False, "error": "no budget table"}])
    with pytest.raises(ApiError, match="bill 2022-09: 330902 2022-09: failed: no budget table"):
        services.run({"timeline": [{"bill": "2022-09"}, {"review": {"facility": "F1", "date": "2022-10-20",
                                                                     "result": "fail"}}]})
    assert services.sent("enrollment", path="/facilities/F1/reviews") == []
    Services(cycles=[{"jurisdiction": "330903", "issued": False, "reason": "already billed"}]).run(
        {"timeline": [{"bill": "2022-09"}]})
