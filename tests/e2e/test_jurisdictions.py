"""Issue 13 end to end: three districts of one city under three rule sets, on the real services, to the fen.

`tests/scenarios/three-districts.yaml` says what the world is; every figure below is worked out by hand:
- Putuo (330903) bills under its own shipped rule set (20,000.00 a class, rates 8–15%, birth order: 30% off the
  second child); Dinghai (330902) under the city's (10,000.00 a class, rates 5–10%, enrolled siblings: 50% off the
  second); Daishan (330921) under the city's in September and its own from October (rates 10–20%, birth order: 20%).
- The city's fund has 15,000.00 for 2022: Dinghai's September payouts (160.00 for DA; 11,400.00 for MV) leave
  3,440.00, so Daishan's (11,080.00) waits, while Putuo's, from Putuo's fund, is issued.
"""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.scenarios import path
from tests.stack import ROOT, VENV_BIN
from tuoyu.cli.summary import AMOUNTS, grouped

PUTUO, DINGHAI, DAISHAN = "330903", "330902", "330921"


@pytest.fixture(scope="module")
def districts(world_of):
    return world_of(path("three-districts.yaml"))


def report(world, month: str, *options: str) -> dict:
    return json.loads(world.cli("report", "--month", month, "--format", "json", *options).stdout)


def invoices(document: dict, kind: str = "invoices") -> dict:
    return {i["enrollment"]: (i["jurisdiction"], i["fee"], i["reduction"], i["due"]) for i in document[kind]}


def payouts(document: dict) -> dict:
    return {(p["facility"], p["jurisdiction"]): (p["status"], p["operating_subsidy"], p["reduction_compensation"],
                                                 p["construction_grants"], p["adjustments"], p["total"])
            for p in document["payouts"]}


def test_each_district_bills_september_under_its_own_rule_set(districts):
    september = report(districts, "2022-09")
    assert {j["code"]: (j["ruleset"], j["ruleset_version"]) for j in september["jurisdictions"]} == {
        DINGHAI: ("zhoushan-city-2022", "1"),  # no rule set of its own: the city's
        PUTUO: ("zhoushan-putuo-2022", "1"),   # its own, more specific than the city's
        DAISHAN: ("zhoushan-city-2022", "1"),  # its own starts in October
    }
    assert invoices(september) == {
        "EP1": (PUTUO, "2000.00", "0.00", "2000.00"),
        "ED1": (DINGHAI, "2000.00", "0.00", "2000.00"),      # DK1, the household's elder child
        "ES2": (DAISHAN, "1800.00", "900.00", "900.00"),     # SK2, its second, in another district: 50% off
        "EM2": (DINGHAI, "2000.00", "0.00", "2000.00"),      # MK2, FM's elder
        "EM1": (DINGHAI, "2000.00", "1000.00", "1000.00"),   # MK1, FM's second: 50% off under the city's rules
    }
    assert payouts(september) == {
        # 2,000.00 × 0.08; the class waits for the commission's confirmation: no grant
        ("DA", DINGHAI): ("issued", "160.00", "0.00", "0.00", "0.00", "160.00"),
        # 2 × 2,000.00 × 0.10, MK1's 1,000.00 reduction, one class at 10,000.00
        ("MV", DINGHAI): ("issued", "400.00", "1000.00", "10000.00", "0.00", "11400.00"),
        # 2,000.00 × 0.15: the 0.20 accepted before any scheme is billed at Putuo's ceiling
        ("PA", PUTUO): ("issued", "300.00", "0.00", "20000.00", "0.00", "20300.00"),
        # 1,800.00 × 0.10, 900.00, 10,000.00: 11,080.00 > the 3,440.00 left
        ("SA", DAISHAN): ("awaiting_budget", "180.00", "900.00", "10000.00", "0.00", "11080.00"),
    }
    assert september["totals"] == {
        "fees": "9800.00", "family_due": "7900.00", "credit_notes": "0.00", "reductions": "1900.00",
        "operating_subsidy": "1040.00", "construction_grants": "40000.00", "adjustments": "0.00", "held": "0.00",
        "awaiting_budget": "11080.00", "payouts": "31860.00"}  # what is funded: SA's 11,080.00 waits


def test_a_rate_set_before_any_scheme_is_billed_at_the_nearest_bound_and_says_so(districts):
    september = report(districts, "2022-09")
    (pa,) = [p for p in september["payouts"] if p["facility"] == "PA"]
    (line,) = [line for line in pa["lines"] if line["kind"] == "operating_subsidy"]
    explanation = line["explanation"]
    assert (explanation["ruleset"], explanation["rate"], explanation["rate_set"], explanation["clamped"]) == (
        "zhoushan-putuo-2022", "0.15", "0.2", True)


def test_october_corrects_september_in_the_district_that_billed_it_after_the_move(districts):
    october = report(districts, "2022-10")
    assert {j["code"]: j["ruleset"] for j in october["jurisdictions"]} == {
        DINGHAI: "zhoushan-city-2022", PUTUO: "zhoushan-putuo-2022", DAISHAN: "daishan-2022"}
    assert invoices(october) == {
        "EP1": (PUTUO, "2000.00", "0.00", "2000.00"),
        "ED1": (DINGHAI, "2000.00", "0.00", "2000.00"),
        "EM1": (PUTUO, "2000.00", "600.00", "1400.00"),      # MV is Putuo's now: birth order 2, 30% off
        "ES2": (DAISHAN, "1800.00", "360.00", "1440.00"),    # Daishan's own rules: birth order 2, 20% off
    }
    (credit,) = october["credit_notes"]  # MK2 left on 15 September: 15 of 30 days, billed by Dinghai
    assert (credit["enrollment"], credit["jurisdiction"], credit["service_month"], credit["fee"], credit["due"]) == (
        "EM2", DINGHAI, "2022-09", "-1000.00", "-1000.00")
    september_numbers = {i["enrollment"]: i["number"] for i in report(districts, "2022-09")["invoices"]}
    assert credit["corrects"] == september_numbers["EM2"]
    assert payouts(october) == {
        # the class confirmed on 10 October earns its 10,000.00 now; with 160.00 it does not fit in 3,440.00
        ("DA", DINGHAI): ("awaiting_budget", "160.00", "0.00", "10000.00", "0.00", "10160.00"),
        # September's correction, from the fund that paid it: 2,000.00 × 0.10 × 15/30 − 200.00
        ("MV", DINGHAI): ("issued", "0.00", "0.00", "0.00", "-100.00", "-100.00"),
        ("MV", PUTUO): ("issued", "200.00", "600.00", "0.00", "0.00", "800.00"),   # the class was paid in September
        ("PA", PUTUO): ("issued", "300.00", "0.00", "0.00", "0.00", "300.00"),
        ("SA", DAISHAN): ("issued", "216.00", "360.00", "0.00", "0.00", "576.00"),  # 1,800.00 × 0.12 from October
    }


def test_each_fund_pays_only_its_own_districts(districts):
    api = districts.api()
    city = api.call(api.billing, "GET", "/budgets/zhoushan-city-fund/2022").json()
    # 160.00 + 11,400.00 − 100.00 drawn; DA's 10,160.00 and SA's 11,080.00 wait
    assert (city["amount"], city["drawn"], city["left"], city["awaiting_budget"]) == (
        "15000.00", "11460.00", "3540.00", "21240.00")
    putuo = api.call(api.billing, "GET", "/budgets/putuo-childcare-fund/2022").json()
    assert (putuo["drawn"], putuo["awaiting_budget"]) == ("21400.00", "0.00")  # 20,300.00 + 300.00 + 800.00
    daishan = api.call(api.billing, "GET", "/budgets/daishan-childcare-fund/2022").json()
    assert (daishan["drawn"], daishan["awaiting_budget"]) == ("576.00", "0.00")


def test_a_report_for_one_district_or_the_city_holds_only_theirs(districts):
    putuo = report(districts, "2022-10", "--jurisdiction", PUTUO)
    assert {p["facility"] for p in putuo["payouts"]} == {"PA", "MV"}
    assert {j["code"] for j in putuo["jurisdictions"]} == {PUTUO}
    city = report(districts, "2022-10", "--jurisdiction", "330900")
    assert city["totals"] == report(districts, "2022-10")["totals"]


def summary_table(world, month: str) -> dict[str, dict[str, str]]:
    """`tuoyu report --format table` read back: each column's heading → {figure: cell} (wide enough not to wrap)."""
    shown = subprocess.run([str(VENV_BIN / "tuoyu"), "report", "--month", month, "--format", "table"],
                           env={**world.env, "COLUMNS": "200"}, cwd=ROOT, capture_output=True, text=True, check=True)
    lines = shown.stdout.splitlines()
    headings = next(line for line in lines if line.startswith("┃")).strip("┃").split("┃")[1:]
    rows = [line.strip("│").split("│") for line in lines if line.startswith("│")]
    return {heading.strip(): {row[0].strip(): row[1 + i].strip() for row in rows}
            for i, heading in enumerate(headings)}


def test_the_months_summary_table_shows_each_districts_figures_of_the_report(districts):
    october = report(districts, "2022-10")
    shown = summary_table(districts, "2022-10")
    totals = {f"{j['name']} {j['code']}": j["totals"] for j in october["jurisdictions"]} | {"All": october["totals"]}
    assert set(shown) == set(totals) and len(totals) == 4  # the three districts and all of them
    for heading, figures in totals.items():
        assert {figure: shown[heading][figure] for figure, _ in AMOUNTS} == {
            figure: grouped(figures[key]) for figure, key in AMOUNTS}, heading
        code = heading.split()[-1]
        assert shown[heading]["Invoices"] == str(sum(1 for i in october["invoices"]
                                                      if heading == "All" or i["jurisdiction"] == code))


def test_billing_again_issues_nothing(districts):
    before = report(districts, "2022-10")
    districts.cli("bill", "--month", "2022-10")
    assert report(districts, "2022-10") == before
