"""Reconciliation: issued vs approved vs paid, every difference named, none when all is well."""

from __future__ import annotations

from datetime import date

from billing.payouts.reconcile import PayoutState, reconcile


def state(number, status, total=1000, **kw) -> PayoutState:
    return PayoutState(number, kw.pop("facility", "F" + number[-1]), status, total, kw.pop("lines", total), **kw)


def test_paid_in_full_is_in_order():
    result = reconcile("2022-09", [state("P1", "paid", paid_amount=1000, paid_on=date(2022, 10, 8))])
    assert result["in_order"] and result["differences"] == []
    assert result["totals"] == {"issued": "10.00", "approved": "10.00", "paid": "10.00"}


def test_released_and_cancelled_payouts_owe_nothing():
    result = reconcile("2022-10", [state("P1", "held", released_by="P9"), state("P2", "cancelled")])
    assert result["in_order"] and result["totals"]["issued"] == "0.00"


def test_every_other_state_is_a_named_difference():
    result = reconcile("2022-09", [
        state("P1", "issued"), state("P2", "awaiting_budget"), state("P3", "held"), state("P4", "approved"),
        state("P5", "paid", paid_amount=900), state("P6", "approved", total=-500), state("P7", "paid", lines=999,
                                                                                          paid_amount=1000)])
    assert [(d["payout"], d["difference"]) for d in result["differences"]] == [
        ("P1", "issued 10.00, not yet approved"),
        ("P2", "10.00 awaits budget: raise the fund's budget or approve it over budget"),
        ("P3", "10.00 held (the facility is in rectification), not released"),
        ("P4", "approved 10.00, not yet paid"),
        ("P5", "paid 9.00, but 10.00 was approved"),
        ("P6", "5.00 to recover from the facility (corrections exceed what it is owed)"),
        ("P7", "its lines add up to 9.99, not its total 10.00")]
    assert not result["in_order"]


def test_a_payout_the_bank_failed_is_a_difference_naming_the_banks_reason():
    result = reconcile("2022-09", [state("P1", "approved", bank_failed_on=date(2022, 10, 10),
                                         bank_failure="账户已销户")])
    assert not result["in_order"]
    assert [d["difference"] for d in result["differences"]] == [
        "approved 10.00, failed at the bank on 2022-10-10 (账户已销户): it goes into the next bank file"]
    assert result["totals"] == {"issued": "10.00", "approved": "10.00", "paid": "0.00"}
