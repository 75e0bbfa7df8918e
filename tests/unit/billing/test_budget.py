"""POLICY `budget`: facility order, a payout waits whole, a later smaller one may fit, nothing is dropped."""

from __future__ import annotations

from dataclasses import dataclass

from billing.cycle import budget
from tests.unit.billing.conftest import YUAN, due, line
from tests.unit.billing.ledger import Ledger


@dataclass
class P:
    facility: str
    cost_by_year: dict
    status: str = "issued"
    number: str = ""


def test_payouts_are_funded_in_ascending_facility_order_and_one_that_does_not_fit_waits():
    payouts = [P("F3", {2022: 300}), P("F1", {2022: 500}), P("F2", {2022: 600})]
    left = budget.fund(payouts, {2022: 1000})
    assert {p.facility: p.status for p in payouts} == {"F1": "issued", "F2": "awaiting_budget", "F3": "issued"}
    assert left == {2022: 200}


def test_a_later_smaller_payout_still_fits_after_a_larger_one_waited():
    payouts = [P("F1", {2022: 900}), P("F2", {2022: 100})]
    budget.fund(payouts, {2022: 500})
    assert [p.status for p in payouts] == ["awaiting_budget", "issued"]


def test_a_payout_that_lowers_what_is_drawn_always_fits():
    payouts = [P("F1", {2022: -400})]
    assert budget.fund(payouts, {2022: 0}) == {2022: 400}
    assert payouts[0].status == "issued"


def test_a_payout_spanning_two_years_needs_room_in_both():
    payouts = [P("F1", {2022: 100, 2023: 100}), P("F2", {2023: 50})]
    budget.fund(payouts, {2022: 1000, 2023: 60})
    assert [p.status for p in payouts] == ["awaiting_budget", "issued"]


def test_held_payouts_are_left_alone_and_draw_nothing():
    payouts = [P("F1", {2022: 100}, status="held")]
    assert budget.fund(payouts, {2022: 50}) == {2022: 50}
    assert payouts[0].status == "held"


def test_re_funding_takes_waiting_payouts_in_facility_order_oldest_first():
    waiting = [P("F2", {2022: 300}, "awaiting_budget", "PAY-2022-000002"),
               P("F1", {2022: 300}, "awaiting_budget", "PAY-2022-000009"),
               P("F1", {2022: 300}, "awaiting_budget", "PAY-2022-000001")]
    budget.fund(waiting, {2022: 650}, waiting="awaiting_budget")
    assert [(p.number, p.status) for p in waiting] == [
        ("PAY-2022-000002", "awaiting_budget"), ("PAY-2022-000009", "issued"), ("PAY-2022-000001", "issued")]


def test_budget_running_out_mid_cycle_leaves_the_bigger_payout_waiting_and_funds_the_rest():
    ledger = Ledger(budgets={2022: 1000 * YUAN})
    result = ledger.bill("2022-09", {"2022-09": due("2022-09", line("F1", "E1", 2000, subsidy=400),
                                                   line("F2", "E2", 2000, subsidy=800),
                                                   line("F3", "E3", 2000, subsidy=300))})
    assert {p.facility: p.status for p in result.payouts} == {
        "F1": "issued", "F2": "awaiting_budget", "F3": "issued"}
    assert ledger.remaining({2022}) == {2022: 300 * YUAN}


def test_released_money_draws_on_the_budget_when_released():
    ledger = Ledger(budgets={2022: 300 * YUAN})
    ledger.bill("2022-09", {"2022-09": due("2022-09", line("F1", "E1", 2000, subsidy=240), held={"F1"})})
    assert ledger.remaining({2022}) == {2022: 300 * YUAN}
    result = ledger.bill("2022-10", {"2022-09": due("2022-09", line("F1", "E1", 2000, subsidy=240)),
                                     "2022-10": due("2022-10", line("F1", "E1", 2000, subsidy=240))})
    # The release (240) and October (240) together do not fit in 300: the whole payout waits.
    assert [p.status for p in result.payouts] == ["awaiting_budget"]
