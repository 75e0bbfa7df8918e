"""Cycles per county-level jurisdiction on the real stack (POLICY "Jurisdictions", issue 13): two districts' cycles
run at the same time and both commit; the same district twice at once issues once; a city's run bills each of its
districts, a district's finance key reaches only its own cycles, reports and payouts.

Needs the subsidy service's answers per jurisdiction (`/due/{month}/jurisdictions`, `?jurisdiction=`): before
those, every facility is billed as unplaced and these tests fail (issue 13 merges them together)."""

from __future__ import annotations

import httpx
import pytest

from tests.integration.billing.conftest import at_once, two_districts

SEPTEMBER = "2022-09"


@pytest.fixture(scope="module")
def world(world_of, tmp_path_factory):
    """Two districts of Zhoushan with a facility each (`two_districts`); no bill yet."""
    return world_of(two_districts(tmp_path_factory.mktemp("districts")))


def _bill(world, month: str, jurisdiction: str | None = None) -> dict:
    api = world.api()
    params = {"jurisdiction": jurisdiction} if jurisdiction else {}
    return api.call(api.billing, "POST", f"/cycles/{month}", params=params).json()


def test_two_districts_cycles_at_the_same_time_both_commit_and_the_same_district_twice_issues_once(world):
    results = at_once(lambda: _bill(world, SEPTEMBER, "330903"), lambda: _bill(world, SEPTEMBER, "330902"),
                      lambda: _bill(world, SEPTEMBER, "330903"), lambda: _bill(world, SEPTEMBER, "330902"))
    issued = sorted((c["jurisdiction"], c["issued"]) for r in results for c in r["cycles"])
    assert issued == [("330902", False), ("330902", True), ("330903", False), ("330903", True)]
    assert world.query("billing", "SELECT jurisdiction, month FROM cycles ORDER BY 1") == [
        ("330902", SEPTEMBER), ("330903", SEPTEMBER)]
    rows = world.query("billing", "SELECT jurisdiction, facility, count(*), count(DISTINCT number) "
                                  "FROM family_documents GROUP BY 1, 2 ORDER BY 1")
    assert rows == [("330902", "F2", 3, 3), ("330903", "F1", 3, 3)]
    numbers = [n for (n,) in world.query("billing", "SELECT number FROM family_documents ORDER BY number")]
    assert numbers[0].startswith("INV-2022-330902-") and numbers[-1].startswith("INV-2022-330903-")
    assert _bill(world, SEPTEMBER)["issued"] is False  # the whole platform: both already billed


def test_the_report_lists_each_district_with_its_rule_set_and_a_district_reads_its_own(world):
    api = world.api()
    report = api.call(api.billing, "GET", f"/reports/{SEPTEMBER}").json()
    assert [(j["code"], j["name"], j["ruleset"]) for j in report["jurisdictions"]] == [
        ("330902", "定海区", None), ("330903", "普陀区", "zhoushan-putuo-2022")]
    assert {d["jurisdiction"] for d in report["invoices"]} == {"330902", "330903"}
    dinghai = next(j for j in report["jurisdictions"] if j["code"] == "330902")
    assert dinghai["totals"]["fees"] == "6000.00" and dinghai["totals"]["reductions"] == "0.00"
    assert [p["facility"] for p in report["payouts"]] == ["F1"]  # nothing is subsidised in Dinghai
    own = api.call(api.billing, "GET", f"/reports/{SEPTEMBER}", params={"jurisdiction": "330903"}).json()
    assert [j["code"] for j in own["jurisdictions"]] == ["330903"] and {d["facility"] for d in own["invoices"]} == {"F1"}
    city = api.call(api.billing, "GET", f"/reports/{SEPTEMBER}", params={"jurisdiction": "330900"}).json()
    assert [j["code"] for j in city["jurisdictions"]] == ["330902", "330903"]


def test_a_citys_run_bills_each_district_and_its_year_report_sums_them(world):
    october = _bill(world, "2022-10", "330900")
    assert sorted((c["jurisdiction"], c["issued"]) for c in october["cycles"]) == [("330902", True), ("330903", True)]
    api = world.api()
    year = api.call(api.billing, "GET", "/reports/year/2022", params={"by": "jurisdiction"}).json()
    rows = {r["jurisdiction"]: r for r in year["rows"]}
    assert rows["330900"]["fees"] == "24000.00" and rows["330902"]["fees"] == "12000.00"
    assert year["totals"]["fees"] == "24000.00"  # the city's row is a subtotal, not counted again


def test_a_district_key_reaches_only_its_own_cycles_reports_and_payouts(world):
    """Scoped finance keys come from the enrollment service's key directory (issue 13, decision 10)."""
    api = world.api()
    key = api.call(api.operator, "POST", "/official-keys",
                   json={"role": "finance", "jurisdiction": "330902"}).json()["api_key"]
    dinghai = httpx.Client(base_url=str(api.billing.base_url), headers={"Authorization": f"Bearer {key}"}, timeout=60)
    assert [c["jurisdiction"] for c in dinghai.get("/cycles").json()] == ["330902", "330902"]
    assert dinghai.get(f"/reports/{SEPTEMBER}", params={"jurisdiction": "330903"}).status_code == 404
    putuo_payout = world.query("billing", "SELECT number FROM payouts WHERE jurisdiction = '330903' LIMIT 1")[0][0]
    assert dinghai.get(f"/payouts/{putuo_payout}").status_code == 404
    assert dinghai.post(f"/cycles/{SEPTEMBER}", params={"jurisdiction": "330903"}).status_code == 404
    assert dinghai.get(f"/reconcile/{SEPTEMBER}", params={"jurisdiction": "330903"}).status_code == 404
    assert dinghai.get("/payouts").json() == []  # Dinghai's families paid the full fee: no payout
    assert dinghai.get("/facilities/F1/bank-account").status_code == 404
    assert dinghai.get("/facilities/F2/bank-account").status_code == 200
    assert dinghai.get("/budgets/putuo-childcare-fund/2022").status_code == 404
    refused = dinghai.put("/budgets/putuo-childcare-fund/2022", json={"amount": "1.00"})
    assert refused.status_code == 404 and world.query("billing", "SELECT count(*) FROM budgets")[0][0] == 0
    assert {e["detail"]["jurisdiction"] for e in dinghai.get("/audit").json()} == {"330902"}
