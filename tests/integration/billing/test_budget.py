"""POLICY `budget` on the real stack: the fund runs out mid-cycle; finance approves over budget, raises it."""

from __future__ import annotations

import json

import pytest

from tests.integration.billing.conftest import assert_issued_equals_due, billing_get, report
from tests.scenarios import path

FUND = "putuo-childcare-fund"


@pytest.fixture(scope="module")
def world(world_of):
    # One facility per batch: the cycle's batches must give what one batch of everything gives.
    return world_of(path("budget-runs-out.yaml"), TUOYU_CYCLE_BATCH_LINES="1")


def _statuses(month_report: dict) -> dict:
    return {p["facility"]: (p["status"], p["total"]) for p in month_report["payouts"]}


def test_budget_running_out_mid_cycle_leaves_the_payout_that_does_not_fit_awaiting_budget(world):
    september = report(world, "2022-09")
    assert _statuses(september) == {"F1": ("issued", "20240.00"), "F2": ("awaiting_budget", "43320.00"),
                                    "F3": ("issued", "20240.00")}  # a later, smaller payout still fits
    assert september["totals"]["awaiting_budget"] == "43320.00"
    (run,) = billing_get(world, "/audit", action="cycle_run")
    assert run["detail"]["batches"] == 3, "one facility per batch, funded in facility order across batches"
    standing = billing_get(world, f"/budgets/{FUND}/2022")
    assert (standing["amount"], standing["drawn"], standing["left"], standing["awaiting_budget"]) == (
        "45000.00", "40480.00", "4520.00", "43320.00")


def test_finance_approves_the_waiting_payout_over_budget_with_its_reason(world):
    waiting = next(p for p in report(world, "2022-09")["payouts"] if p["facility"] == "F2")
    refused = world.cli("payouts", "approve-over-budget", waiting["number"], "--reason", "", check=False)
    assert refused.returncode == 1 and "reason" in refused.stderr
    approved = json.loads(world.cli("payouts", "approve-over-budget", waiting["number"], "--reason",
                                    "区政府2022-11-02批复追加", "--by", "李科长").stdout)
    assert approved["status"] == "approved"
    payout = billing_get(world, f"/payouts/{waiting['number']}")
    assert payout["over_budget_reason"] == "区政府2022-11-02批复追加"
    assert payout["approved_by"] == "finance (李科长)" and payout["approved_at"]
    again = world.cli("payouts", "approve-over-budget", waiting["number"], "--reason", "again", check=False)
    assert again.returncode == 1 and "not awaiting_budget" in again.stderr
    (entry,) = billing_get(world, "/audit", action="payout_approved_over_budget")
    assert entry["detail"]["reason"] == "区政府2022-11-02批复追加" and entry["detail"]["total"] == "43320.00"


def test_raising_the_budget_funds_the_payouts_that_wait(world):
    world.cli("bill", "--month", "2022-10")
    october = report(world, "2022-10")
    assert {s for s, _ in _statuses(october).values()} == {"awaiting_budget"}  # over budget already
    raised = json.loads(world.cli("budget", "set", "--year", "2022", "--amount", "100000.00").stdout)
    assert raised["funded"] == sorted(p["number"] for p in october["payouts"])
    assert {s for s, _ in _statuses(report(world, "2022-10")).values()} == {"issued"}
    assert billing_get(world, f"/budgets/{FUND}/2022")["left"] == "12400.00"
    assert [e["action"] for e in billing_get(world, "/audit", limit=2)] == ["payouts_funded", "budget_set"]


def test_issued_equals_what_is_due_whatever_waited(world):
    assert_issued_equals_due(world, ["2022-09", "2022-10"])


def test_a_budget_below_what_the_fund_has_drawn_is_refused_naming_the_drawn_amount(world):
    drawn = billing_get(world, f"/budgets/{FUND}/2022")["drawn"]
    api = world.api()
    response = api.billing.put(f"/budgets/{FUND}/2022", json={"amount": "1.00"})
    assert response.status_code == 422 and response.headers["content-type"].startswith("application/problem+json")
    (error,) = response.json()["errors"]
    assert error["field"] == "amount" and f"must be at least {drawn}" in error["reason"]
    assert billing_get(world, f"/budgets/{FUND}/2022")["amount"] == "100000.00", "nothing changed"


def test_a_budget_for_a_fund_no_rule_set_names_is_refused(world):
    api = world.api()
    response = api.billing.put("/budgets/no-such-fund/2022", json={"amount": "10.00"})
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["field"] == "fund" and "no rule set names the fund 'no-such-fund'" in error["reason"]
    assert "no-such-fund" not in {b["fund"] for b in billing_get(world, "/budgets")}
