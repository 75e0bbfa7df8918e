"""POLICY `late_change` on the real stack: a late withdrawal and a corrected fee, after September was billed."""

from __future__ import annotations

from tests.integration.billing.conftest import (
    assert_issued_equals_due, by_facility, final_facts, issued_sums, report,
)

SEP, OCT = "2022-09", "2022-10"


def _invoice(month_report: dict, enrollment: str) -> dict:
    return next(i for i in month_report["invoices"] if i["enrollment"] == enrollment and i["corrects"] is None)


def _lines(payout: dict, month: str, enrollment: str) -> dict:
    return {l["kind"]: (l["amount"], l["corrects"]) for l in payout["lines"]
            if l["service_month"] == month and l.get("enrollment") == enrollment}


def test_late_withdrawal_gives_a_credit_note_naming_the_invoice_and_a_negative_adjustment_next_month(late_world):
    september, october = report(late_world, SEP), report(late_world, OCT)
    (credit,) = october["credit_notes"]
    assert credit["enrollment"] == "E2" and credit["service_month"] == SEP
    assert credit["corrects"] == _invoice(september, "E2")["number"]
    assert (credit["fee"], credit["reduction"], credit["due"]) == ("-1000.00", "-300.00", "-700.00")
    (payout,) = october["payouts"]
    (september_payout,) = september["payouts"]
    assert _lines(payout, SEP, "E2") == {"operating_subsidy": ("-120.00", september_payout["number"]),
                                         "reduction_compensation": ("-300.00", september_payout["number"])}


def test_fee_correction_gives_a_supplementary_invoice_and_a_positive_adjustment(late_world):
    september, october = report(late_world, SEP), report(late_world, OCT)
    (supplementary,) = [i for i in october["invoices"] if i["corrects"]]
    assert (supplementary["enrollment"], supplementary["service_month"]) == ("E3", SEP)
    assert supplementary["corrects"] == _invoice(september, "E3")["number"]
    assert (supplementary["fee"], supplementary["reduction"], supplementary["due"]) == ("400.00", "0.00", "400.00")
    (payout,) = october["payouts"]
    assert _lines(payout, SEP, "E3") == {"operating_subsidy": ("48.00", september["payouts"][0]["number"])}
    assert _invoice(october, "E3")["fee"] == "2400.00"
    # October: 240 + 288 of its own, −120 −300 +48 for September.
    assert (payout["operating_subsidy"], payout["adjustments"], payout["total"]) == ("528.00", "-372.00", "156.00")
    assert october["totals"]["credit_notes"] == "-700.00" and october["totals"]["adjustments"] == "-372.00"


def test_issued_plus_corrections_equals_what_is_due_now_and_a_second_run_issues_nothing(late_world):
    assert late_world.api().bill(OCT)["issued"] is False
    assert_issued_equals_due(late_world, [SEP, OCT])


def test_a_fresh_world_with_the_final_facts_issues_the_same_amounts(late_world, world_of, tmp_path):
    fresh = world_of(final_facts("late-changes.yaml", tmp_path))
    family, lines = issued_sums(late_world)
    fresh_family, fresh_lines = issued_sums(fresh)
    assert family == fresh_family
    assert by_facility(lines) == by_facility(fresh_lines)
    assert lines == fresh_lines
    # On time, September's documents carry the final amounts and October corrects nothing.
    assert report(fresh, OCT)["credit_notes"] == []
    assert _invoice(report(fresh, SEP), "E2")["due"] == "700.00"
