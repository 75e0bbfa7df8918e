"""Jurisdictions on one platform (POLICY "Jurisdictions"): each district's facilities under the rule set in force
there, on the real stack. Three districts of two cities: Putuo (330903) under its own rule set, Dinghai (330902)
under its city's (330900), Cixi (330282) under one valid only from October, before which nothing is subsidised.
Every amount is worked out by hand beside its assertion."""

from __future__ import annotations

import pytest
import yaml

from subsidy.rules.catalog import shipped_text
from tests.stack import World
from tuoyu.cli.client import ApiError
from tuoyu.contracts import due as contract

def _ruleset(id: str, valid_from: str, code: str, seed: str, fund: str, grant: str, second_child: str) -> str:
    """A rule set written for this test: bounds 5%-10% for childcare institutions, a per-class grant, a reduction
    for the second child."""
    return f"""
id: {id}
version: "1"
valid_from: {valid_from}
jurisdictions: ["{code}"]
source: {{seed: {seed}, quote: "a scheme written for this test"}}
fund: {fund}
construction_grants:
  - {{id: construction, rule: construction_grant, amount: "{grant}"}}
operating_subsidy: {{min_rate: "0.05", max_rate: "0.10"}}
covered_kinds: [childcare_institution]
sibling_reduction: {{basis: birth_order, table: {{2: "{second_child}"}}}}
age_limit: {{years: 3}}
"""


# 舟山市's, for every district of the city without its own; Cixi's only from October.
CITY = _ruleset("zhoushan-city-2022", "2022-01-01", "330900", "001_c1a71b064fc26ba5.txt",
                '{id: zhoushan-city-fund, name: 舟山市托育补助资金, default_budget: "900000.00"}', "10000.00", "0.50")
CIXI = _ruleset("cixi-2022", "2022-10-01", "330282", "000_cc0012ab62bf9a12.txt",
                '{id: cixi-childcare-fund, name: 慈溪市托育专项资金, default_budget: "700000.00"}', "5000.00", "0.20")


def _facility(external_id: str, jurisdiction: str, filed_on: str, rate: str) -> dict:
    return {"external_id": external_id, "jurisdiction": jurisdiction, "name": f"托育园{external_id}",
            "kind": "childcare_institution", "ownership": "public", "inclusive": True, "filed_on": filed_on,
            "fire_safety_certified": True, "serves_meals": False, "subsidy_rate": rate,
            "classes": [{"external_id": "C1", "opened_on": "2022-09-01", "capacity": 10}]}


def _enrollment(external_id: str, child: str, facility: str, fee: str, start: str = "2022-09-01") -> dict:
    return {"external_id": external_id, "child": child, "facility": facility, "class": "C1", "monthly_fee": fee,
            "start": start}


WORLD = {
    "jurisdictions": [
        {"code": "330000", "name": "浙江省"},
        {"code": "330900", "name": "舟山市", "parent": "330000"},
        {"code": "330903", "name": "普陀区", "parent": "330900"},
        {"code": "330902", "name": "定海区", "parent": "330900"},
        {"code": "330200", "name": "宁波市", "parent": "330000"},
        {"code": "330282", "name": "慈溪市", "parent": "330200"}],
    "facilities": [
        _facility("PUTUO", "330903", "2021-12-16", "0.12"),  # filed before Putuo's scheme began: not refused
        _facility("DINGHAI", "330902", "2022-03-01", "0.08"),
        _facility("CIXI", "330282", "2022-09-01", "0.20")],  # no scheme in Cixi yet: any rate is accepted
    "families": [
        {"external_id": "FP", "children": [{"external_id": "K1", "birth_date": "2020-06-01", "birth_order": 1},
                                           {"external_id": "K2", "birth_date": "2021-08-01", "birth_order": 2}]},
        {"external_id": "FD", "children": [{"external_id": "K3", "birth_date": "2020-06-01", "birth_order": 1},
                                           {"external_id": "K4", "birth_date": "2021-08-01", "birth_order": 2}]},
        {"external_id": "FC", "children": [{"external_id": "K5", "birth_date": "2021-08-01", "birth_order": 2}]}],
    "enrollments": [
        _enrollment("E1", "K1", "PUTUO", "2000.00"), _enrollment("E2", "K2", "PUTUO", "2000.00"),
        _enrollment("E3", "K3", "DINGHAI", "3000.00"), _enrollment("E4", "K4", "DINGHAI", "3000.00"),
        _enrollment("E5", "K5", "CIXI", "2500.00", start="2022-09-16")],
}


@pytest.fixture(scope="module")
def platform(infra, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("world")
    world = World(tmp).start()
    api = world.api()
    for name in ("zhoushan-putuo-2022", "shanghai-songjiang-2021"):
        api.call(api.subsidy, "POST", f"/rulesets/shipped/{name}")
    for text in (CITY, CIXI):
        api.call(api.subsidy, "POST", "/rulesets", content=text.encode(), headers={"Content-Type": "application/yaml"})
    path = tmp / "scenario.yaml"
    path.write_text(yaml.safe_dump(WORLD, allow_unicode=True), encoding="utf-8")
    world.cli("scenario", "load", str(path))
    api.wait_for_outbox()
    yield world
    world.close()


def due(world: World, month: str, jurisdiction: str) -> contract.Due:
    api = world.api()
    return contract.decode(api.call(api.subsidy, "GET", f"/due/{month}",
                                    params={"jurisdiction": jurisdiction, "caught_up": "true"}).content)


def amounts(answer: contract.Due) -> dict[str, tuple[int, int, int]]:
    lines = answer.lines
    return {e: (fee, reduction, subsidy) for e, fee, reduction, subsidy in zip(
        lines.enrollment, lines.fee_fen, lines.reduction_fen, lines.operating_subsidy_fen)}


def test_each_district_is_due_under_its_own_rule_set_or_its_citys(platform):
    putuo = due(platform, "2022-09", "330903")
    assert (putuo.jurisdiction, putuo.ruleset, putuo.fund.id) == (
        "330903", contract.RuleSetRef("zhoushan-putuo-2022", "1"), "putuo-childcare-fund")
    assert amounts(putuo) == {"E1": (200000, 0, 24000),       # first child: 12% of 2,000.00
                              "E2": (200000, 60000, 24000)}   # second child: 30% of 2,000.00 off
    assert [(g.facility, g.class_id, g.amount_fen) for g in putuo.grants] == [("PUTUO", "C1", 2000000)]
    dinghai = due(platform, "2022-09", "330902")
    assert (dinghai.jurisdiction, dinghai.ruleset, dinghai.fund.id) == (
        "330902", contract.RuleSetRef("zhoushan-city-2022", "1"), "zhoushan-city-fund")
    assert amounts(dinghai) == {"E3": (300000, 0, 24000),      # 8% of 3,000.00
                                "E4": (300000, 150000, 24000)}  # the city's second child: 50% off
    assert [(g.facility, g.class_id, g.amount_fen) for g in dinghai.grants] == [("DINGHAI", "C1", 1000000)]
    assert [f.facility for f in putuo.facilities] == ["PUTUO"] and [f.facility for f in dinghai.facilities] == [
        "DINGHAI"]


def test_a_district_with_no_rule_set_in_force_is_due_its_fees_only_and_says_why(platform):
    cixi = due(platform, "2022-09", "330282")
    assert (cixi.ruleset, cixi.fund) == (None, None)
    assert cixi.unsubsidised == "no rule set covers 330282 慈溪市 on 2022-09-01"
    assert amounts(cixi) == {"E5": (125000, 0, 0)}  # 2,500.00 × 15 / 30 days, nothing subsidised
    assert (cixi.lines.subsidised_days, cixi.grants) == ([0], [])
    constant, *_ = contract.line_explanations(cixi)
    assert constant["unsubsidised"] == cixi.unsubsidised


def test_a_rule_set_valid_from_a_later_month_applies_from_it_and_clamps_a_rate_set_before(platform):
    cixi = due(platform, "2022-10", "330282")
    assert cixi.ruleset == contract.RuleSetRef("cixi-2022", "1") and cixi.unsubsidised is None
    assert amounts(cixi) == {"E5": (250000, 50000, 25000)}  # 20% off 2,500.00; 10% (not 20%) of it
    assert [(g.facility, g.class_id, g.amount_fen) for g in cixi.grants] == [("CIXI", "C1", 500000)]
    (standing,) = cixi.facilities
    assert standing.explanation() == {"held": False, "revoked": False, "in_rectification": False,
                                      "eligible_days": 31, "rate": "0.1", "revoked_on": None, "rate_set": "0.2",
                                      "clamped": True}


def test_the_months_jurisdictions_name_the_rule_set_and_fund_in_force_in_each(platform):
    api = platform.api()
    answer = api.call(api.subsidy, "GET", "/due/2022-09/jurisdictions").json()
    assert answer == {"month": "2022-09", "jurisdictions": [
        {"code": "330282", "name": "慈溪市", "ruleset": None, "fund": None},
        {"code": "330902", "name": "定海区", "ruleset": {"id": "zhoushan-city-2022", "version": "1"},
         "fund": {"id": "zhoushan-city-fund", "name": "舟山市托育补助资金", "default_budget": "900000.00"}},
        {"code": "330903", "name": "普陀区", "ruleset": {"id": "zhoushan-putuo-2022", "version": "1"},
         "fund": {"id": "putuo-childcare-fund", "name": "普陀区婴幼儿照护服务补助资金",
                  "default_budget": "700000.00"}}]}


def test_a_month_of_several_jurisdictions_must_name_one(platform):
    api = platform.api()
    for path in ("/due/2022-09", "/due/2022-09/batches", "/rulesets/in-force"):
        response = api.subsidy.get(path, params={"on": "2022-09-01"} if "in-force" in path else {})
        assert response.status_code == 422, path
        (error,) = response.json()["errors"]
        assert error["field"] == "jurisdiction" and "330282, 330902, 330903" in error["reason"]
    batches = api.call(api.subsidy, "GET", "/due/2022-09/batches", params={"jurisdiction": "330902", "lines": 1})
    assert batches.json() == {"month": "2022-09", "jurisdiction": "330902", "batches": [{"from": None, "to": None}]}


def test_rates_are_checked_against_the_bounds_in_force_in_the_facilitys_jurisdiction(platform):
    api = platform.api()
    in_force = api.call(api.subsidy, "GET", "/rulesets/in-force", params={"on": "2022-10-01", "jurisdiction": "330902"})
    assert in_force.json()["id"] == "zhoushan-city-2022"
    assert api.subsidy.get("/rulesets/in-force", params={"on": "2022-09-01", "jurisdiction": "330282"}
                           ).status_code == 404
    # 0.14 is within Putuo's 8%-15% but above the city's 10%, which governs Dinghai.
    api.call(api.enrollment, "POST", "/facilities/PUTUO/rates", json={"rate": "0.14", "effective_from": "2022-11-01"})
    with pytest.raises(ApiError, match="between 0.05 and 0.1"):
        api.call(api.enrollment, "POST", "/facilities/DINGHAI/rates",
                 json={"rate": "0.14", "effective_from": "2022-11-01"})


def test_loading_songjiangs_next_version_leaves_putuos_due_unchanged(platform):
    before = due(platform, "2022-09", "330903")
    api = platform.api()
    later = shipped_text("shanghai-songjiang-2021").replace('version: "1"', 'version: "2"').replace(
        "valid_from: 2021-01-01", "valid_from: 2022-06-01")
    api.call(api.subsidy, "POST", "/rulesets", content=later.encode(), headers={"Content-Type": "application/yaml"})
    assert api.call(api.subsidy, "GET", "/rulesets/in-force", params={"on": "2022-09-01", "jurisdiction": "310117"}
                    ).json()["version"] == "2"
    assert due(platform, "2022-09", "330903") == before


def test_what_if_prices_a_draft_over_one_jurisdictions_enrollments(platform):
    api = platform.api()
    draft = shipped_text("zhoushan-putuo-2022")
    result = api.call(api.subsidy, "POST", "/whatif", json={
        "draft": draft, "from": "2022-09", "to": "2022-09", "jurisdiction": "330902"}).json()
    assert (result["jurisdiction"], result["current"]["id"]) == ("330902", "zhoushan-city-2022")
    (september,) = result["months"]
    # Dinghai's E4 (a second child at 3,000.00): the city takes 50% off, Putuo's draft 30%; one class, 10,000.00
    # under the city, 20,000.00 under the draft; 8% of 3,000.00 for each child under both.
    assert (september["current"]["reduction"], september["draft"]["reduction"]) == ("1500.00", "900.00")
    assert (september["current"]["grants"], september["draft"]["grants"]) == ("10000.00", "20000.00")
    assert september["difference"]["operating_subsidy"] == "0.00"


def test_a_line_of_a_district_is_explained_under_its_rule_set(platform):
    api = platform.api()
    explanation = api.call(api.subsidy, "GET", "/explanations/2022-09/DINGHAI/E4").json()
    assert (explanation["jurisdiction"], explanation["ruleset"]) == (
        "330902", {"id": "zhoushan-city-2022", "version": "1"})
    assert explanation["reduction"]["amount"] == "1500.00"
    unsubsidised = api.call(api.subsidy, "GET", "/explanations/2022-09/CIXI/E5").json()
    assert (unsubsidised["ruleset"], unsubsidised["unsubsidised"]) == (
        None, "no rule set covers 330282 慈溪市 on 2022-09-01")
    assert unsubsidised["fee"]["amount"] == "1250.00" and unsubsidised["reduction"]["amount"] == "0.00"


def test_a_rate_accepted_before_its_districts_scheme_is_clamped_when_billed_and_the_payout_says_so(world_under):
    cixi_only = dict(
        jurisdictions=[j for j in WORLD["jurisdictions"] if j["code"] in ("330000", "330200", "330282")],
        facilities=[f for f in WORLD["facilities"] if f["external_id"] == "CIXI"],
        families=[f for f in WORLD["families"] if f["external_id"] == "FC"],
        enrollments=[e for e in WORLD["enrollments"] if e["facility"] == "CIXI"], timeline=[{"bill": "2022-10"}])
    world = world_under(CIXI, cixi_only)
    api = world.api()
    report = api.call(api.billing, "GET", "/reports/2022-10").json()
    assert [(i["enrollment"], i["fee"], i["reduction"], i["due"]) for i in report["invoices"]] == [
        ("E5", "2500.00", "500.00", "2000.00")]  # a second child: 20% off 2,500.00
    (payout,) = report["payouts"]
    assert (payout["operating_subsidy"], payout["construction_grants"]) == ("250.00", "5000.00")  # 10%, not 20%
    explanation = api.call(api.billing, "GET", f"/payouts/{payout['number']}").json()["explanation"]
    assert (explanation["rate"], explanation["rate_set"], explanation["clamped"]) == ("0.1", "0.2", True)
