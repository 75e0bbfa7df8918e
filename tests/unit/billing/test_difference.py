"""The billing difference (POLICY `late_change`): what is due now minus what was issued, to the fen."""

from __future__ import annotations

import json

from billing.cycle.difference import plan_cycle
from billing.cycle.issued import Issued
from tests.unit.billing.conftest import YUAN, due, line
from tests.unit.billing.ledger import Ledger, due_sums

SEP, OCT, NOV = "2022-09", "2022-10", "2022-11"


def _docs(result) -> list[dict]:
    return result.family.rows()


def test_first_cycle_issues_one_invoice_per_enrollment_and_one_payout_per_facility():
    result = plan_cycle(SEP, due(SEP, line("F1", "E1", 2000), line("F1", "E2", 2000, 600), line("F2", "E3", 1000)),
                        [], Issued())
    docs = _docs(result)
    assert [(d["kind"], d["enrollment"], d["fee"], d["reduction"], d["corrects"]) for d in docs] == [
        ("invoice", "E1", 200000, 0, None), ("invoice", "E2", 200000, 60000, None),
        ("invoice", "E3", 100000, 0, None)]
    assert [(p.facility, p.status, p.total) for p in result.payouts] == [
        ("F1", "issued", (240 + 240 + 600) * YUAN), ("F2", "issued", 120 * YUAN)]
    kinds = sorted((l["kind"], l["subject"], l["amount"]) for l in result.lines_of(result.payout("F1")))
    assert kinds == [("operating_subsidy", "E1", 24000), ("operating_subsidy", "E2", 24000),
                     ("reduction_compensation", "E2", 60000)]


def test_every_document_and_line_carries_a_json_explanation_with_the_rule_set():
    result = plan_cycle(SEP, due(SEP, line("F1", "E2", 2000, 600)), [], Issued())
    explanation = json.loads(_docs(result)[0]["explanation"])
    assert explanation["ruleset"] == "rs" and explanation["days"] == 30
    rules = {l["kind"]: json.loads(l["explanation"])["rule"] for l in result.lines.rows()}
    assert rules == {"operating_subsidy": "operating_subsidy", "reduction_compensation": "sibling_reduction"}


def test_nothing_changed_means_nothing_issued_for_an_earlier_month():
    ledger = Ledger()
    sep = due(SEP, line("F1", "E1", 2000))
    ledger.bill(SEP, {SEP: sep})
    result = ledger.bill(OCT, {SEP: sep, OCT: due(OCT)})
    assert len(result.family) == 0 and result.payouts == []


def test_late_withdrawal_gives_a_credit_note_naming_the_invoice_and_a_negative_adjustment():
    ledger = Ledger()
    ledger.bill(SEP, {SEP: due(SEP, line("F1", "E2", 2000, 600))})
    invoice = ledger.documents[0]["number"]
    september_payout = next(iter(ledger.payouts))
    # Withdrawn on the 15th, after September was billed: half the month is due.
    result = ledger.bill(OCT, {SEP: due(SEP, line("F1", "E2", 1000, 300)), OCT: due(OCT)})

    (credit,) = _docs(result)
    assert (credit["kind"], credit["service_month"], credit["corrects"]) == ("credit_note", SEP, invoice)
    assert (credit["fee"], credit["reduction"]) == (-100000, -30000)
    assert json.loads(credit["explanation"])["previously_billed_fee"] == "2000.00"
    (payout,) = result.payouts
    lines = {(l["kind"], l["service_month"]): (l["amount"], l["corrects"]) for l in result.lines_of(payout)}
    assert lines == {("operating_subsidy", SEP): (-12000, september_payout),
                     ("reduction_compensation", SEP): (-30000, september_payout)}
    assert payout.total == -42000


def test_withdrawal_before_the_month_began_credits_the_whole_invoice():
    ledger = Ledger()
    ledger.bill(SEP, {SEP: due(SEP, line("F1", "E1", 2000), line("F1", "E2", 2000))})
    result = ledger.bill(OCT, {SEP: due(SEP, line("F1", "E1", 2000)), OCT: due(OCT, line("F1", "E1", 2000))})
    credits = [d for d in _docs(result) if d["kind"] == "credit_note"]
    assert [(d["enrollment"], d["fee"], d["family"], d["child"]) for d in credits] == [
        ("E2", -200000, "FAM-E2", "K-E2")]
    adjustments = [(l["kind"], l["amount"]) for l in result.lines.rows() if l["service_month"] == SEP]
    assert adjustments == [("operating_subsidy", -24000)]


def test_fee_correction_gives_a_supplementary_invoice_and_a_positive_adjustment():
    ledger = Ledger()
    ledger.bill(SEP, {SEP: due(SEP, line("F1", "E1", 2000))})
    result = ledger.bill(OCT, {SEP: due(SEP, line("F1", "E1", 2200)), OCT: due(OCT, line("F1", "E1", 2200))})
    supplementary = [d for d in _docs(result) if d["service_month"] == SEP]
    assert [(d["kind"], d["fee"], d["corrects"]) for d in supplementary] == [("invoice", 20000, "INV-2022-000001")]
    october = [d for d in _docs(result) if d["service_month"] == OCT]
    assert [(d["kind"], d["fee"], d["corrects"]) for d in october] == [("invoice", 220000, None)]
    (payout,) = result.payouts
    assert sorted((l["service_month"], l["amount"]) for l in result.lines_of(payout)) == [(SEP, 2400), (OCT, 26400)]


def test_a_free_third_child_whose_fee_rises_gets_a_supplementary_invoice_due_nothing():
    ledger = Ledger()
    ledger.bill(SEP, {SEP: due(SEP, line("F1", "E3", 2000, 2000))})
    result = ledger.bill(OCT, {SEP: due(SEP, line("F1", "E3", 2200, 2200)), OCT: due(OCT)})
    (doc,) = _docs(result)
    assert (doc["kind"], doc["fee"], doc["reduction"]) == ("invoice", 20000, 20000)


def test_an_enrollment_registered_late_for_a_billed_month_is_invoiced_for_that_month():
    ledger = Ledger()
    ledger.bill(SEP, {SEP: due(SEP, line("F1", "E1", 2000))})
    result = ledger.bill(OCT, {SEP: due(SEP, line("F1", "E1", 2000), line("F1", "E9", 500)), OCT: due(OCT)})
    (doc,) = _docs(result)
    assert (doc["kind"], doc["service_month"], doc["enrollment"], doc["corrects"]) == ("invoice", SEP, "E9", None)


def test_corrections_reach_only_months_already_billed():
    ledger = Ledger()
    ledger.bill(OCT, {OCT: due(OCT, line("F1", "E1", 2000))})
    # September was never billed: its own cycle will bill it, October's corrections do not touch it.
    result = ledger.bill(NOV, {SEP: due(SEP, line("F1", "E1", 2000)), OCT: due(OCT, line("F1", "E1", 2000)),
                               NOV: due(NOV, line("F1", "E1", 2000))})
    assert {d["service_month"] for d in _docs(result)} == {NOV}


def test_held_payout_is_kept_and_a_later_passing_review_releases_it_in_one_release_line():
    ledger = Ledger()
    ledger.bill(SEP, {SEP: due(SEP, line("F1", "E1", 2000), held={"F1"})})
    (held,) = ledger.payouts
    assert ledger.payouts[held]["status"] == "held" and ledger.payouts[held]["total"] == 24000
    result = ledger.bill(OCT, {SEP: due(SEP, line("F1", "E1", 2000)), OCT: due(OCT, line("F1", "E1", 2000))})
    (payout,) = result.payouts
    release = [l for l in result.lines_of(payout) if l["kind"] == "release"]
    assert [(l["subject"], l["amount"], l["service_month"]) for l in release] == [(held, 24000, SEP)]
    assert payout.status == "issued" and payout.total == 48000
    assert result.released == [(held, "F1")]


def test_a_facility_still_in_rectification_keeps_its_payouts_held():
    ledger = Ledger()
    ledger.bill(SEP, {SEP: due(SEP, line("F1", "E1", 2000), held={"F1"})})
    result = ledger.bill(OCT, {SEP: due(SEP, line("F1", "E1", 2000)), OCT: due(OCT, line("F1", "E1", 2000), held={"F1"})})
    assert result.released == [] and [p.status for p in result.payouts] == ["held"]


def test_revocation_cancels_held_money_and_what_was_earned_in_rectification():
    ledger = Ledger()
    ledger.bill(SEP, {SEP: due(SEP, line("F1", "E1", 2000), line("F2", "E2", 2000), held={"F1"})})
    held = next(n for n, p in ledger.payouts.items() if p["facility"] == "F1")
    # Second failed review on 10 October: revoked; 9 days of October were earned in rectification.
    result = ledger.bill(OCT, {SEP: due(SEP, line("F1", "E1", 2000), line("F2", "E2", 2000)),
                               OCT: due(OCT, line("F1", "E1", 580), line("F2", "E2", 2000),
                                        revoked={"F1"}, rectifying={"F1"})})
    assert result.cancelled == [held]
    assert {p.facility: p.status for p in result.payouts} == {"F1": "cancelled", "F2": "issued"}
    assert ledger.payouts[held]["status"] == "cancelled"


def test_a_facility_revoked_without_rectification_is_paid_for_its_eligible_days():
    ledger = Ledger()
    result = ledger.bill(SEP, {SEP: due(SEP, line("F1", "E1", 1000), revoked={"F1"})})
    assert [p.status for p in result.payouts] == ["issued"]


def test_construction_grants_are_paid_once_per_class():
    ledger = Ledger()
    first = ledger.bill(SEP, {SEP: due(SEP, line("F1", "E1", 2000), grants=[("F1", "C1", 20000), ("F1", "C2", 20000)])})
    grant_lines = [(l["kind"], l["subject"], l["amount"]) for l in first.lines.rows() if l["kind"] != "operating_subsidy"]
    assert grant_lines == [("construction_grant", "C1", 2000000), ("construction_grant", "C2", 2000000)]
    second = ledger.bill(OCT, {SEP: due(SEP, line("F1", "E1", 2000)),
                               OCT: due(OCT, line("F1", "E1", 2000), grants=[("F1", "C1", 20000), ("F1", "C2", 20000)])})
    assert [l for l in second.lines.rows() if l["kind"] == "construction_grant"] == []


def test_a_class_confirmed_in_a_month_already_billed_is_paid_by_the_next_cycle_as_an_adjustment_of_that_month():
    ledger = Ledger()
    ledger.bill(SEP, {SEP: due(SEP, line("F1", "E1", 2000))})
    ledger.bill(OCT, {SEP: due(SEP, line("F1", "E1", 2000)), OCT: due(OCT, line("F1", "E1", 2000))})
    # Confirmed on 20 September, after September and October were billed: due since September.
    late = [("F1", "C2", 20000)]
    third = ledger.bill(NOV, {SEP: due(SEP, line("F1", "E1", 2000), grants=late),
                              OCT: due(OCT, line("F1", "E1", 2000), grants=late),
                              NOV: due(NOV, line("F1", "E1", 2000), grants=late)})
    grants = [(l["kind"], l["service_month"], l["subject"], l["amount"]) for l in third.lines.rows()
              if l["kind"] == "construction_grant"]
    assert grants == [("construction_grant", SEP, "C2", 2000000)]
    assert third.grants == [("F1", "C2", "construction")]


def test_a_class_due_before_the_first_cycle_is_paid_in_the_first_cycles_month():
    result = plan_cycle(SEP, due(SEP, grants=[("F1", "C1", 20000)]), [], Issued())
    assert [(l["service_month"], l["subject"]) for l in result.lines.rows()] == [(SEP, "C1")]


def test_issued_plus_corrections_equals_what_is_due_after_many_late_changes():
    ledger = Ledger()
    sep_v1 = due(SEP, line("F1", "E1", 2000), line("F1", "E2", 2000, 600), line("F2", "E3", 2000, 2000))
    ledger.bill(SEP, {SEP: sep_v1})
    sep_v2 = due(SEP, line("F1", "E1", 2200), line("F1", "E2", 1000, 300), line("F2", "E4", 700))
    oct_v1 = due(OCT, line("F1", "E1", 2200), line("F2", "E4", 2000))
    ledger.bill(OCT, {SEP: sep_v2, OCT: oct_v1})
    sep_v3 = due(SEP, line("F1", "E1", 2000), line("F1", "E2", 1000, 300), line("F2", "E4", 700))
    oct_v2 = due(OCT, line("F1", "E1", 2000), line("F2", "E4", 1800, 540))
    ledger.bill(NOV, {SEP: sep_v3, OCT: oct_v2, NOV: due(NOV)})
    family, lines = due_sums([sep_v3, oct_v2])
    assert ledger.family_sums() == family
    assert ledger.line_sums() == lines
