"""The billing difference: what is due now minus what was issued, as new documents (POLICY `late_change`).

Pure: no database, no clock. `plan_cycle` takes what the subsidy service says is due for the cycle's month and
for every earlier month already billed, and what was issued so far, and returns only what is new.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from billing.cycle.documents import (
    CANCELLED, CREDIT_NOTE, HELD, INVOICE, ISSUED, OPERATING_SUBSIDY, REDUCTION_COMPENSATION, RELEASE,
    CycleResult, FamilyDocument, HeldPayout, PayoutDraft, PayoutLine,
)
from billing.cycle.due import DueLine, MonthDue


@dataclass(frozen=True)
class IssuedFamily:
    """What the family documents of one (service month, enrollment) add up to so far."""

    fee: int
    reduction: int
    first_number: str
    family: str
    child: str


@dataclass
class Issued:
    """Everything issued before this cycle, in the shape the difference needs."""

    family: dict[tuple[str, str, str], IssuedFamily] = field(default_factory=dict)  # (month, facility, enrollment)
    payout_lines: dict[tuple[str, str, str, str], int] = field(default_factory=dict)  # (month, facility, kind, subject)
    grants_paid: set[tuple[str, str, str]] = field(default_factory=set)  # (facility, class, grant)
    held: list[HeldPayout] = field(default_factory=list)


def _family_line(kind, line: DueLine, month: str, corrects, fee: int, reduction: int) -> FamilyDocument:
    return FamilyDocument(kind, month, line.facility, line.family, line.child, line.enrollment, corrects,
                          fee, reduction, line.explanation)


def _family_documents(due: MonthDue, issued: Issued, is_cycle_month: bool) -> list[FamilyDocument]:
    documents = []
    due_keys = set()
    for line in due.lines:
        due_keys.add(line.key)
        before = issued.family.get((due.month, *line.key))
        if before is None:
            if line.fee or line.reduction or is_cycle_month:
                documents.append(_family_line(INVOICE, line, due.month, None, line.fee, line.reduction))
            continue
        fee, reduction = line.fee - before.fee, line.reduction - before.reduction
        if fee or reduction:
            credit = (fee - reduction) < 0 or (fee - reduction == 0 and fee < 0)
            documents.append(_family_line(CREDIT_NOTE if credit else INVOICE, line, due.month, before.first_number,
                                          fee, reduction))
    # An enrollment billed before but due nothing now (withdrawn before the month began, say): credit it all.
    for (month, facility, enrollment), before in issued.family.items():
        if month == due.month and (facility, enrollment) not in due_keys and (before.fee or before.reduction):
            gone = DueLine(facility, before.family, before.child, enrollment, 0, 0, 0, {"rule": "late_change"})
            documents.append(_family_line(CREDIT_NOTE, gone, month, before.first_number, -before.fee,
                                          -before.reduction))
    return documents


def _payout_amounts(due: MonthDue) -> dict[tuple[str, str, str], tuple[int, str, dict]]:
    amounts = {}
    for line in due.lines:
        for kind, amount in ((OPERATING_SUBSIDY, line.operating_subsidy), (REDUCTION_COMPENSATION, line.reduction)):
            if amount:
                amounts[(line.facility, kind, line.enrollment)] = (amount, kind if kind == OPERATING_SUBSIDY
                                                                   else "sibling_reduction", line.explanation)
    return amounts


def _payout_lines(due: MonthDue, issued: Issued) -> dict[str, list[PayoutLine]]:
    lines: dict[str, list[PayoutLine]] = {}
    wanted = _payout_amounts(due)
    subjects = set(wanted) | {(f, k, s) for (m, f, k, s) in issued.payout_lines if m == due.month
                              and k in (OPERATING_SUBSIDY, REDUCTION_COMPENSATION)}
    for facility, kind, subject in sorted(subjects):
        amount, rule, explanation = wanted.get((facility, kind, subject), (0, kind, {"rule": "late_change"}))
        difference = amount - issued.payout_lines.get((due.month, facility, kind, subject), 0)
        if difference:
            lines.setdefault(facility, []).append(
                PayoutLine(kind, due.month, difference, rule, subject, explanation))
    return lines


def plan_cycle(month: str, due_now: MonthDue, earlier: list[MonthDue], issued: Issued) -> CycleResult:
    """New documents for `month`'s cycle: its own bills, corrections of earlier billed months, grants, releases."""
    documents = _family_documents(due_now, issued, True)
    payout_lines = _payout_lines(due_now, issued)
    for past in sorted(earlier, key=lambda d: d.month):
        documents += _family_documents(past, issued, False)
        for facility, extra in _payout_lines(past, issued).items():
            payout_lines.setdefault(facility, []).extend(extra)

    for grant in sorted(due_now.grants, key=lambda g: (g.facility, g.klass, g.grant)):
        if (grant.facility, grant.klass, grant.rule) not in issued.grants_paid:
            payout_lines.setdefault(grant.facility, []).append(
                PayoutLine("construction_grant", month, grant.amount, grant.rule, grant.klass, grant.explanation))

    released, cancelled = [], []
    for held in sorted(issued.held, key=lambda h: h.number):
        status = due_now.facilities.get(held.facility)
        if status is not None and status.revoked:
            cancelled.append(held.number)
        elif status is not None and not status.held:
            payout_lines.setdefault(held.facility, []).append(
                PayoutLine(RELEASE, held.cycle_month, held.total, "annual_review", held.number,
                           {"rule": "annual_review", "releases": held.number}))
            released.append((held.number, held.facility))

    payouts = []
    for facility, lines in sorted(payout_lines.items()):
        status = due_now.facilities.get(facility)
        state = ISSUED
        if status is not None and status.held:
            state = CANCELLED if status.revoked else HELD
        payouts.append(PayoutDraft(facility, state, lines))
    return CycleResult(documents, payouts, released, cancelled)
