"""A facility whose facts the subsidy engine refused (POLICY "Guard rails"): it is issued nothing for that month,
neither bill nor reversal, every other facility is billed, and once fixed the next cycle issues what waited."""

from __future__ import annotations

from tests.unit.billing.conftest import due, line
from tests.unit.billing.ledger import Ledger, due_sums

SEP, OCT, NOV = "2022-09", "2022-10", "2022-11"
FEE = "enrollment E3: a monthly fee must be between 0.00 and 99999999.99 CNY"


def _sep(**blocked):
    """September: F1 with two enrollments, F2 with one; or F2 blocked (no line, a reason)."""
    if blocked:
        return due(SEP, line("F1", "E1", 2000), line("F1", "E2", 2000, 600), blocked={"F2": FEE})
    return due(SEP, line("F1", "E1", 2000), line("F1", "E2", 2000, 600), line("F2", "E3", 1800))


def test_a_facility_blocked_in_the_cycle_month_gets_no_document_and_the_others_are_billed():
    result = Ledger().bill(SEP, {SEP: _sep(blocked=True)})
    assert sorted({d["facility"] for d in result.family.rows()}) == ["F1"]
    assert [p.facility for p in result.payouts] == ["F1"]
    assert result.blocked == [(SEP, "F2", FEE)]


def test_a_facility_blocked_when_a_billed_month_is_re_read_is_not_reversed():
    ledger = Ledger()
    ledger.bill(SEP, {SEP: _sep()})
    # F2's fee goes wrong after September was billed: September and October both refuse its facts now.
    result = ledger.bill(OCT, {SEP: _sep(blocked=True),
                               OCT: due(OCT, line("F1", "E1", 2000), blocked={"F2": FEE})})
    assert [(d["service_month"], d["facility"], d["kind"]) for d in result.family.rows()] == [
        (OCT, "F1", "invoice")]
    assert [l for l in result.lines.rows() if l["amount"] < 0] == []
    assert [p.facility for p in result.payouts] == ["F1"]
    assert result.blocked == [(OCT, "F2", FEE), (SEP, "F2", FEE)]


def test_once_fixed_the_next_cycle_issues_what_waited_as_corrections_of_its_month():
    ledger = Ledger()
    ledger.bill(SEP, {SEP: _sep()})
    september_invoice = next(d["number"] for d in ledger.documents if d["enrollment"] == "E3")
    ledger.bill(OCT, {SEP: _sep(blocked=True), OCT: due(OCT, line("F1", "E1", 2000), blocked={"F2": FEE})})
    # Fixed, at another fee than September was billed at: September is corrected, October issued late.
    sep = due(SEP, line("F1", "E1", 2000), line("F1", "E2", 2000, 600), line("F2", "E3", 1900))
    oct_ = due(OCT, line("F1", "E1", 2000), line("F2", "E3", 1900))
    nov = due(NOV, line("F1", "E1", 2000), line("F2", "E3", 1900))
    result = ledger.bill(NOV, {SEP: sep, OCT: oct_, NOV: nov})
    assert sorted((d["service_month"], d["enrollment"], d["fee"], d["corrects"]) for d in result.family.rows()
                  if d["facility"] == "F2" or d["service_month"] == NOV) == [
        (SEP, "E3", 10000, september_invoice), (OCT, "E3", 190000, None), (NOV, "E1", 200000, None),
        (NOV, "E3", 190000, None)]
    adjustments = {(l["service_month"], l["amount"]) for l in result.lines.rows() if l["facility"] == "F2"}
    assert adjustments == {(SEP, 1200), (OCT, 22800), (NOV, 22800)}
    assert result.blocked == []
    family, lines = due_sums([sep, oct_, nov])
    assert ledger.family_sums() == family and ledger.line_sums() == lines


def test_a_facility_blocked_only_in_an_earlier_month_is_billed_for_the_cycle_month():
    ledger = Ledger()
    ledger.bill(SEP, {SEP: _sep()})
    result = ledger.bill(OCT, {SEP: _sep(blocked=True),
                               OCT: due(OCT, line("F1", "E1", 2000), line("F2", "E3", 1800))})
    assert sorted((d["service_month"], d["enrollment"]) for d in result.family.rows()) == [(OCT, "E1"), (OCT, "E3")]
    assert result.blocked == [(SEP, "F2", FEE)]


def test_a_held_payout_of_a_blocked_facility_is_neither_released_nor_cancelled_while_it_waits():
    ledger = Ledger()
    ledger.bill(SEP, {SEP: due(SEP, line("F1", "E1", 2000), line("F2", "E3", 1800), held={"F2"})})
    result = ledger.bill(OCT, {SEP: due(SEP, line("F1", "E1", 2000), blocked={"F2": FEE}),
                               OCT: due(OCT, line("F1", "E1", 2000), revoked={"F2"}, blocked={"F2": FEE})})
    assert result.released == [] and result.cancelled == []
    assert [p.facility for p in result.payouts] == ["F1"]
