"""POLICY's worked examples through the real services, Kafka and PostgreSQL, checked to the fen."""

from __future__ import annotations

import json

from tests.scenarios import path

EXPECTED_INVOICES = {  # enrollment: (fee, reduction, due)
    "E1": ("2000.00", "0.00", "2000.00"),     # first child, whole month
    "E2": ("2000.00", "600.00", "1400.00"),   # second child
    "E3": ("2000.00", "2000.00", "0.00"),     # third child: free
    "E4": ("1000.00", "300.00", "700.00"),    # second child, 16–30 of a 30-day month
    "E6": ("2000.00", "0.00", "2000.00"),     # turned 3 on 10 August: full fee
}
EXPECTED_SUBSIDY = {"E1": "240.00", "E2": "240.00", "E3": "240.00", "E4": "120.00"}
EXPECTED_COMPENSATION = {"E2": "600.00", "E3": "2000.00", "E4": "300.00"}


def report(world, month: str) -> dict:
    return json.loads(world.cli("report", "--month", month, "--format", "json").stdout)


def test_worked_examples_come_out_to_the_fen(world):
    world.cli("scenario", "load", str(path("worked-examples.yaml")))
    september = report(world, "2022-09")

    assert september["ruleset"] == "zhoushan-putuo-2022"
    invoices = {i["enrollment"]: (i["fee"], i["reduction"], i["due"]) for i in september["invoices"]}
    assert invoices == EXPECTED_INVOICES
    assert september["credit_notes"] == []
    (payout,) = september["payouts"]
    assert payout["facility"] == "F1"
    assert payout["status"] == "issued"
    subsidy = {l["enrollment"]: l["amount"] for l in payout["lines"] if l["kind"] == "operating_subsidy"}
    compensation = {l["enrollment"]: l["amount"] for l in payout["lines"] if l["kind"] == "reduction_compensation"}
    assert subsidy == EXPECTED_SUBSIDY
    assert compensation == EXPECTED_COMPENSATION
    grants = sorted((l["class"], l["amount"]) for l in payout["lines"] if l["kind"] == "construction_grant")
    assert grants == [("C1", "20000.00"), ("C2", "20000.00")]
    assert payout["operating_subsidy"] == "840.00"
    assert payout["reduction_compensation"] == "2900.00"
    assert payout["construction_grants"] == "40000.00"
    assert payout["total"] == "43740.00"
    assert september["totals"] == {
        "fees": "9000.00", "family_due": "6100.00", "credit_notes": "0.00", "reductions": "2900.00",
        "operating_subsidy": "840.00", "construction_grants": "40000.00", "adjustments": "0.00", "held": "0.00",
        "awaiting_budget": "0.00", "payouts": "43740.00"}
    for invoice in september["invoices"]:
        assert invoice["service_month"] == "2022-09" and invoice["corrects"] is None
        assert invoice["lines"][0]["explanation"]["ruleset"] == "zhoushan-putuo-2022"


def test_thirty_one_day_month_rounds_each_line_once(world):
    world.cli("scenario", "load", str(path("worked-examples.yaml")))
    world.cli("bill", "--month", "2022-10")
    october = report(world, "2022-10")
    e5 = next(i for i in october["invoices"] if i["enrollment"] == "E5")
    assert (e5["fee"], e5["reduction"], e5["due"]) == ("645.16", "193.55", "451.61")
    (payout,) = october["payouts"]
    e5_subsidy = [l["amount"] for l in payout["lines"] if l.get("enrollment") == "E5" and l["kind"] == "operating_subsidy"]
    assert e5_subsidy == ["77.42"]
    # The classes were paid their grants in September: never twice.
    assert [l for l in payout["lines"] if l["kind"] == "construction_grant"] == []
    e6 = next(i for i in october["invoices"] if i["enrollment"] == "E6")
    assert (e6["fee"], e6["reduction"]) == ("2000.00", "0.00")
