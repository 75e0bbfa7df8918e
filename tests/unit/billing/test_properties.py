"""Property: whatever late changes arrive between cycles, what was issued plus its corrections equals what a
fresh world, billing the same months with the final facts, issues — per (service month, enrollment) for
families and per (service month, facility) for payouts (POLICY `late_change`)."""

from __future__ import annotations

from hypothesis import given, settings, strategies as st

from billing.cycle.due import MonthDue
from tests.unit.billing.conftest import due, line
from tests.unit.billing.ledger import Ledger, due_sums

MONTHS = ["2022-09", "2022-10", "2022-11", "2022-12", "2023-01"]
FACILITIES = ["F1", "F2", "F3"]


@st.composite
def month_due(draw, month: str) -> MonthDue:
    enrollments = draw(st.lists(st.sampled_from([f"E{i}" for i in range(8)]), max_size=8, unique=True))
    lines = []
    for e in enrollments:
        fee = draw(st.integers(0, 3000))
        reduction = draw(st.sampled_from([0, fee * 3 // 10, fee]))
        facility = FACILITIES[int(e[1:]) % 3]  # an enrollment stays at its facility
        lines.append(line(facility, e, fee, reduction, subsidy=draw(st.integers(0, 400))))
    held = draw(st.sets(st.sampled_from(FACILITIES), max_size=2))
    return due(month, *lines, held=held)


@st.composite
def histories(draw):
    """Per cycle, what the subsidy service says then about every month up to the cycle's month."""
    billed = draw(st.integers(1, len(MONTHS)))
    views = []
    for cycle in range(billed):
        views.append({m: draw(month_due(m)) for m in MONTHS[:cycle + 1]})
    return views


@settings(max_examples=150, deadline=None)
@given(histories(), st.integers(0, 10**6))
def test_issued_plus_corrections_equals_a_fresh_world_with_the_final_facts(views, budget_yuan):
    live = Ledger(budgets={2022: budget_yuan * 100, 2023: budget_yuan * 100})
    for cycle, view in enumerate(views):
        live.bill(MONTHS[cycle], view)
    final = views[-1]

    fresh = Ledger(budgets={2022: budget_yuan * 100, 2023: budget_yuan * 100})
    for cycle in range(len(views)):
        fresh.bill(MONTHS[cycle], final)

    assert live.family_sums() == fresh.family_sums()
    assert live.line_sums() == fresh.line_sums()
    assert live.facility_sums() == fresh.facility_sums()
    family, lines = due_sums([final[m] for m in MONTHS[:len(views)]])
    assert live.family_sums() == family
    assert live.line_sums() == lines


@settings(max_examples=100, deadline=None)
@given(histories())
def test_nothing_is_dropped_every_held_payout_is_released_or_still_held(views):
    ledger = Ledger()
    for cycle, view in enumerate(views):
        ledger.bill(MONTHS[cycle], view)
    for number, payout in ledger.payouts.items():
        if payout["status"] == "held" and payout["released_by"]:
            release = [l for l in ledger.lines if l["kind"] == "release" and l["subject"] == number]
            assert [l["amount"] for l in release] == [payout["total"]]
            assert release[0]["payout"] == payout["released_by"]
    released = [l["subject"] for l in ledger.lines if l["kind"] == "release"]
    assert len(released) == len(set(released)), "a held payout is released once"


@settings(max_examples=100, deadline=None)
@given(histories())
def test_every_credit_note_lowers_and_every_correction_names_the_first_invoice(views):
    ledger = Ledger()
    for cycle, view in enumerate(views):
        ledger.bill(MONTHS[cycle], view)
    first = {}
    for d in ledger.documents:
        key = (d["service_month"], d["facility"], d["enrollment"])
        if d["corrects"] is None:
            assert key not in first, "one original invoice per enrollment and month"
            first[key] = d["number"]
            assert d["kind"] == "invoice"
        else:
            assert d["corrects"] == first[key]
        if d["kind"] == "credit_note":
            assert d["fee"] - d["reduction"] <= 0 and d["corrects"] is not None
