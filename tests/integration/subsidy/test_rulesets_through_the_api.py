"""Rule sets are data: loaded through the admin API, applied with no code change, explained, simulated."""

from __future__ import annotations

import pytest

from subsidy.rules.catalog import shipped_text

UNSEEN = """
id: lakeside-2024
version: "1"
valid_from: 2024-01-01
source: {seed: none, quote: "a city the code has never seen"}
fund: {id: lakeside-fund, name: 湖滨托育基金, default_budget: "500000.00"}
construction_grants:
  - {id: class-grant, rule: construction_grant, amount: "10000.00"}
operating_subsidy: {min_rate: "0.05", max_rate: "0.20"}
covered_kinds: [childcare_institution]
sibling_reduction:
  basis: birth_order
  table: {2: "0.50", 4: "1.00"}
age_limit: {years: 3}
"""

WORLD = {
    "facilities": [{
        "external_id": "L1", "name": "湖滨托育园", "kind": "childcare_institution", "ownership": "public",
        "inclusive": True, "filed_on": "2024-01-10", "fire_safety_certified": True, "serves_meals": False,
        "subsidy_rate": "0.20", "classes": [{"external_id": "C1", "opened_on": "2024-03-01", "capacity": 10}]}],
    "families": [{"external_id": "FAM", "children": [
        {"external_id": f"K{n}", "birth_date": f"2022-0{n}-01", "birth_order": n} for n in (1, 2, 3, 4)]}],
    "enrollments": [
        {"external_id": f"E{n}", "child": f"K{n}", "facility": "L1", "class": "C1", "monthly_fee": "3000.00",
         "start": "2024-03-01"} for n in (1, 2, 3, 4)],
    "timeline": [{"bill": "2024-03"}],
}


@pytest.fixture(scope="module")
def lakeside(world_under):
    return world_under(UNSEEN, WORLD)


def test_a_rule_set_the_code_has_never_seen_gives_its_own_amounts(lakeside):
    api = lakeside.api()
    report = api.call(api.billing, "GET", "/reports/2024-03").json()
    assert report["ruleset"] == "lakeside-2024"
    invoices = {i["enrollment"]: (i["fee"], i["reduction"], i["due"]) for i in report["invoices"]}
    assert invoices == {
        "E1": ("3000.00", "0.00", "3000.00"),
        "E2": ("3000.00", "1500.00", "1500.00"),   # 50% off the second child
        "E3": ("3000.00", "1500.00", "1500.00"),   # the third still pays half: free only from the fourth
        "E4": ("3000.00", "3000.00", "0.00"),
    }
    (payout,) = report["payouts"]
    assert payout["operating_subsidy"] == "2400.00"  # 20% of 3,000.00 × 4, allowed by bounds 5%–20%
    assert payout["construction_grants"] == "10000.00"
    assert payout["reduction_compensation"] == "6000.00"


def test_a_rate_outside_the_rule_sets_bounds_is_refused_naming_them(lakeside):
    api = lakeside.api()
    response = api.enrollment.post("/facilities/L1/rates", json={"rate": "0.21", "effective_from": "2024-05-01"})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["errors"] == [{"field": "rate", "reason": "must be between 0.05 and 0.2 (the rule set's bounds)"}]


def test_a_bad_rule_set_is_refused_with_every_error_listed(lakeside):
    api = lakeside.api()
    bad = UNSEEN.replace('min_rate: "0.05"', "min_rate: 0.05").replace("childcare_institution]", "daycare]")
    response = api.subsidy.post("/rulesets", content=bad.encode(), headers={"Content-Type": "application/yaml"})
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"operating_subsidy.min_rate", "covered_kinds.0"} <= fields


def test_any_line_can_be_explained_with_its_rule_and_inputs(lakeside):
    api = lakeside.api()
    explanation = api.call(api.subsidy, "GET", "/explanations/2024-03/L1/E3").json()
    assert explanation["ruleset"] == {"id": "lakeside-2024", "version": "1"}
    assert explanation["reduction"]["rule"] == "sibling_reduction"
    assert explanation["reduction"]["birth_order"] == 3 and explanation["reduction"]["rate"] == "0.5"
    assert explanation["reduction"]["amount"] == "1500.00"
    assert explanation["days_in_month"] == 31


def test_what_if_prices_a_draft_beside_the_rule_set_in_force_and_touches_nothing(lakeside):
    api = lakeside.api()
    draft = shipped_text("zhoushan-putuo-2022")
    before = api.call(api.billing, "GET", "/reports/2024-03").json()
    result = api.call(api.subsidy, "POST", "/whatif", json={"draft": draft, "from": "2024-03", "to": "2024-04"}).json()
    march = result["months"][0]
    assert march["month"] == "2024-03"
    # In force: reductions 0 + 1500 + 1500 + 3000; Putuo: 0 + 900 + 3000 + 3000.
    assert march["current"]["reduction"] == "6000.00"
    assert march["draft"]["reduction"] == "6900.00"
    assert march["difference"]["reduction"] == "900.00"
    # Putuo clamps the 20% rate into its 8%–15% bounds.
    assert march["draft"]["operating_subsidy"] == "1800.00"
    assert result["total"]["current"]["fee"] == "24000.00"
    assert api.call(api.billing, "GET", "/reports/2024-03").json() == before
    assert len(api.call(api.subsidy, "GET", "/rulesets").json()) == 1


def test_an_unknown_shipped_rule_set_is_a_404_naming_the_shipped_ones(lakeside):
    api = lakeside.api()
    response = api.subsidy.post("/rulesets/shipped/atlantis-2030")
    assert response.status_code == 404
    assert "zhoushan-putuo-2022" in response.json()["detail"]
    assert len(api.call(api.subsidy, "GET", "/rulesets").json()) == 1
