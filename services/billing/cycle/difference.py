"""The billing difference: what is due now minus what was issued, as new documents (POLICY `late_change`).

Pure: no database, no clock. `plan_cycle` takes what the subsidy service says is due for the cycle's month and
for every earlier month already billed, and what was issued so far, and returns only what is new:
- per (service month, enrollment), a family document for the change in fee and reduction: an invoice when the
  month was never billed for it, otherwise a credit note (the family owes less) or a supplementary invoice
  (it owes more), naming the first invoice;
- per (service month, facility, kind, enrollment), a payout line for the change in operating subsidy and
  reduction compensation, naming the payout whose line it corrects;
- construction grants not paid before, each in the first billed month it is due (an earlier month's: a correction),
  release lines for held payouts whose facility passed its review,
  and cancellation of held payouts whose facility was revoked (POLICY `annual_review`).
So what was issued plus what this returns always equals what is due now, to the fen, except for a facility
blocked in a month (the subsidy engine refused its facts: POLICY "Guard rails"): it is issued nothing for that
month, neither bill nor reversal, and `CycleResult.blocked` says so; once its facts are fixed, the month's answer
has its lines again and the next cycle issues what waited, as a correction of that month.
"""

from __future__ import annotations

import json

import numpy as np

from billing.cycle.documents import (
    CANCELLED, CREDIT_NOTE, HELD, INVOICE, ISSUED, OPERATING_SUBSIDY, REDUCTION_COMPENSATION, RELEASE,
    CycleResult, FamilyDocuments, PayoutDraft, PayoutLines,
)
from billing.cycle.due import MonthDue, objects
from billing.cycle.issued import Issued, IssuedFamily, IssuedLines
from tuoyu.money import format_cny

# The rule that gives each payout line kind drawn from the month's lines.
LINE_RULES = {OPERATING_SUBSIDY: "operating_subsidy", REDUCTION_COMPENSATION: "sibling_reduction"}


def due_rows(due: MonthDue) -> dict[tuple[str, str], int]:
    """Each (facility, enrollment) of the month's lines and its row: built once per month, used for every match."""
    return {key: i for i, key in enumerate(zip(due.lines.facility.tolist(), due.lines.enrollment.tolist()))}


def _match(keys: dict | None, due: MonthDue, before_facility: np.ndarray, before_subject: np.ndarray
           ) -> np.ndarray:
    """For each due line, the row of `before` with the same (facility, enrollment), or -1."""
    n = len(due.lines)
    index = np.full(n, -1, dtype=np.int64)
    if not len(before_facility):
        return index
    keys = due_rows(due) if keys is None else keys
    hit = np.fromiter((keys.get(key, -1) for key in zip(before_facility.tolist(), before_subject.tolist())),
                      np.int64, len(before_facility))
    found = np.nonzero(hit >= 0)[0]
    index[hit[found]] = found
    return index


def _gathered(values: np.ndarray, index: np.ndarray, default=0) -> np.ndarray:
    """values[index] where index >= 0, `default` elsewhere."""
    if not len(values):
        return np.full(len(index), default, dtype=values.dtype)
    return np.where(index >= 0, values[np.maximum(index, 0)], default)


def _credit(fee: np.ndarray, reduction: np.ndarray) -> np.ndarray:
    due = fee - reduction
    return (due < 0) | ((due == 0) & (fee < 0))


def _ruleset(due: MonthDue) -> dict:
    """What a reversal's explanation says of the rule set now in force (none: why nothing is subsidised)."""
    if due.ruleset is None:
        return {"ruleset": None, "ruleset_version": None, "unsubsidised": due.unsubsidised}
    return {"ruleset": due.ruleset.id, "ruleset_version": due.ruleset.version}


def _money_texts(fen: np.ndarray) -> list[str]:
    return [format_cny(v) for v in fen.tolist()]


def family_difference(due: MonthDue, before: IssuedFamily, cycle_month: bool, keys: dict | None = None
                      ) -> FamilyDocuments:
    """The family documents that bring `before` to `due` for one service month (`keys`: `due_rows(due)`)."""
    lines = due.lines
    index = _match(keys, due, before.facility, before.enrollment)
    matched = index >= 0
    fee = lines.fee - _gathered(before.fee, index)
    reduction = lines.reduction - _gathered(before.reduction, index)
    new = ~matched & ((lines.fee != 0) | (lines.reduction != 0) | cycle_month)
    changed = matched & ((fee != 0) | (reduction != 0))
    blocks = []

    rows = np.nonzero(new)[0]
    if len(rows):
        blocks.append(FamilyDocuments(
            objects([INVOICE] * len(rows)), objects([due.month] * len(rows)), lines.facility[rows],
            lines.family[rows], lines.child[rows], lines.enrollment[rows], objects([None] * len(rows)),
            fee[rows], reduction[rows], lines.explanation.take(rows).texts()))

    rows = np.nonzero(changed)[0]
    if len(rows):
        was = index[rows]
        explanation = (lines.explanation.take(rows).with_constant(late_change=True)
                       .with_column("previously_billed_fee", objects(_money_texts(before.fee[was])))
                       .with_column("previously_billed_reduction", objects(_money_texts(before.reduction[was]))))
        blocks.append(FamilyDocuments(
            objects(np.where(_credit(fee[rows], reduction[rows]), CREDIT_NOTE, INVOICE).tolist()),
            objects([due.month] * len(rows)), lines.facility[rows], lines.family[rows], lines.child[rows],
            lines.enrollment[rows], before.first_number[was], fee[rows], reduction[rows], explanation.texts()))

    # Billed before but due nothing now (withdrawn before the month began, say): credit all of it.
    gone = np.ones(len(before), dtype=bool)
    gone[index[matched]] = False
    gone &= (before.fee != 0) | (before.reduction != 0)
    rows = np.nonzero(gone)[0]
    if len(rows):
        texts = [json.dumps({**_ruleset(due), "rule": "late_change", "late_change": True, "days": 0,
                             "previously_billed_fee": format_cny(f), "previously_billed_reduction": format_cny(r)},
                            ensure_ascii=False, sort_keys=True)
                 for f, r in zip(before.fee[rows].tolist(), before.reduction[rows].tolist())]
        fee, reduction = -before.fee[rows], -before.reduction[rows]
        blocks.append(FamilyDocuments(
            objects(np.where(_credit(fee, reduction), CREDIT_NOTE, INVOICE).tolist()),
            objects([due.month] * len(rows)), before.facility[rows], before.family[rows], before.child[rows],
            before.enrollment[rows], before.first_number[rows], fee, reduction, objects(texts)))
    return FamilyDocuments.concat(blocks)


def payout_difference(due: MonthDue, before: IssuedLines, keys: dict | None = None) -> PayoutLines:
    """Operating-subsidy and reduction-compensation lines that bring `before` to `due` for one service month."""
    lines = due.lines
    blocks = []
    for kind, amounts in ((OPERATING_SUBSIDY, lines.operating_subsidy), (REDUCTION_COMPENSATION, lines.reduction)):
        of_kind = np.nonzero(before.kind == kind)[0] if len(before) else np.zeros(0, dtype=np.int64)
        prior = before.take(of_kind)
        index = _match(keys, due, prior.facility, prior.subject)
        difference = amounts - _gathered(prior.amount, index)
        rows = np.nonzero(difference)[0]
        if len(rows):
            was = index[rows]
            corrects = np.where(was >= 0, _gathered(prior.first_payout, was, None), None)
            explanation = lines.explanation.take(rows).with_constant(rule=LINE_RULES[kind])
            if (was >= 0).any():
                explanation = explanation.with_column("previously_paid", objects(
                    [format_cny(a) if w >= 0 else None
                     for a, w in zip(_gathered(prior.amount, was).tolist(), was.tolist())]))
            blocks.append(PayoutLines(
                lines.facility[rows], objects([kind] * len(rows)), objects([due.month] * len(rows)),
                lines.enrollment[rows], difference[rows], objects([LINE_RULES[kind]] * len(rows)),
                objects(corrects.tolist()), explanation.texts()))
        gone = np.ones(len(prior), dtype=bool)
        gone[index[index >= 0]] = False
        gone &= prior.amount != 0
        rows = np.nonzero(gone)[0]
        if len(rows):
            texts = [json.dumps({**_ruleset(due), "rule": LINE_RULES[kind], "late_change": True, "subsidised_days": 0,
                                 "previously_paid": format_cny(a)}, ensure_ascii=False, sort_keys=True)
                     for a in prior.amount[rows].tolist()]
            blocks.append(PayoutLines(
                prior.facility[rows], objects([kind] * len(rows)), objects([due.month] * len(rows)),
                prior.subject[rows], -prior.amount[rows], objects([LINE_RULES[kind]] * len(rows)),
                prior.first_payout[rows], objects(texts)))
    return PayoutLines.concat(blocks)


def _one_line(facility: str, kind: str, month: str, subject: str, amount: int, rule: str, explanation: dict
              ) -> PayoutLines:
    return PayoutLines(objects([facility]), objects([kind]), objects([month]), objects([subject]),
                       np.array([amount], dtype=np.int64), objects([rule]), objects([None]),
                       objects([json.dumps(explanation, ensure_ascii=False, sort_keys=True)]))


def _group(lines: PayoutLines) -> dict[str, tuple[np.ndarray, int, dict[int, int]]]:
    """Per facility: its line rows, its total and its cost per budget year (the year of each line's month)."""
    if not len(lines):
        return {}
    names = sorted(set(lines.facility.tolist()))
    code_of = {name: i for i, name in enumerate(names)}
    codes = np.fromiter((code_of[f] for f in lines.facility.tolist()), np.int64, len(lines))
    years = np.zeros(len(lines), dtype=np.int64)
    for month in set(lines.service_month.tolist()):
        years[lines.service_month == month] = int(month[:4])
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(names) + 1))
    out = {}
    for i, name in enumerate(names):
        rows = order[bounds[i]:bounds[i + 1]]
        amounts, row_years = lines.amount[rows], years[rows]
        cost = {int(y): int(amounts[row_years == y].sum()) for y in np.unique(row_years)}
        out[name] = (rows, int(amounts.sum()), cost)
    return out


def plan_cycle(month: str, due_now: MonthDue, earlier: list[MonthDue], issued: Issued) -> CycleResult:
    """New documents for `month`'s cycle: its own bills, corrections of earlier billed months, grants, releases."""
    family = [family_difference(due_now, issued.family_of(month, due_now.blocked), True)]
    lines = [payout_difference(due_now, issued.lines_of(month, due_now.blocked))]
    blocked = [(month, facility, reason) for facility, reason in sorted(due_now.blocked.items())]
    for past in sorted(earlier, key=lambda d: d.month):
        keys = due_rows(past)
        family.append(family_difference(past, issued.family_of(past.month, past.blocked), False, keys))
        lines.append(payout_difference(past, issued.lines_of(past.month, past.blocked), keys))
        blocked += [(past.month, facility, reason) for facility, reason in sorted(past.blocked.items())]

    grants = []
    paid = set(issued.grants_paid)
    # A grant belongs to the first billed month in which it is due: a class confirmed in a month already billed is
    # paid as an adjustment of that month (POLICY `construction_grant`); one due before the first cycle, by it.
    for due in [*sorted(earlier, key=lambda d: d.month), due_now]:
        for grant in sorted(due.grants, key=lambda g: (g.facility, g.class_id, g.grant)):
            if (grant.facility, grant.class_id, grant.grant) not in paid:
                paid.add((grant.facility, grant.class_id, grant.grant))
                grants.append((grant.facility, grant.class_id, grant.grant))
                lines.append(_one_line(grant.facility, grant.rule, due.month, grant.class_id, grant.amount_fen,
                                       grant.rule, grant.explanation(due.ruleset)))

    released, cancelled = [], []
    for held in sorted(issued.held, key=lambda h: h.number):
        status = due_now.facilities.get(held.facility)
        if status is None or held.facility in due_now.blocked:
            continue
        if status.revoked:
            cancelled.append(held.number)
        elif not status.held:
            lines.append(_one_line(held.facility, RELEASE, held.cycle_month, held.number, held.total,
                                   "annual_review", {"rule": "annual_review", "releases": held.number,
                                                     "reason": "a later review passed"}))
            released.append((held.number, held.facility))

    all_lines = PayoutLines.concat(lines)
    payouts = []
    for facility, (rows, total, cost) in _group(all_lines).items():
        status = due_now.facilities.get(facility)
        state = ISSUED
        if status is not None and status.held:
            state = HELD
        elif status is not None and status.revoked and status.in_rectification:
            state = CANCELLED  # revoked by a second failed review: what it earned in rectification is never paid
        explanation = status.explanation() if status else {"held": False, "revoked": False}
        payouts.append(PayoutDraft(facility, state, rows, total, cost, explanation))
    return CycleResult(FamilyDocuments.concat(family), all_lines, payouts, released, cancelled, grants, blocked)
