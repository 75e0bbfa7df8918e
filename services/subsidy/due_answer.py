"""The month's answer to billing (`tuoyu.contracts.due.Due`), built from the engine's result and the facts' labels.

Pure: no database, no clock. The engine's columns go into the answer as numpy arrays, as `encode` takes them.
"""

from __future__ import annotations

from datetime import date

import numpy as np

from subsidy.facts_store import FacilityRange, Labels
from subsidy.rules.catalog import NONE_IN_FORCE
from subsidy.rules.due import MonthDue
from subsidy.rules.facts import Facility, MonthFacts, Refusal
from tuoyu.months import Month
from subsidy.rules.ruleset import RuleSet
from tuoyu.contracts.due import Blocked, Due, FacilityStanding, Fund, Grant, Lines, RuleSetRef
from tuoyu.jurisdictions import UNPLACED
from tuoyu.money import format_rate


def _monthly_fee(facts: MonthFacts, n: int) -> np.ndarray:
    """Per enrollment row, the monthly fee of its last fee run in the month (fee × days ÷ days in month)."""
    fee = np.zeros(n, dtype=np.int64)
    rows = facts.fee_periods.enrollment
    if len(rows):
        last = np.r_[np.nonzero(np.diff(rows))[0], len(rows) - 1]
        fee[rows[last]] = facts.fee_periods.fee_fen[last]
    return fee


def _rates_at(facility: Facility, ruleset: RuleSet, day: date) -> dict:
    """The rate applied on `day` and, if the rule set's bounds moved it, the facility's own."""
    rates = [rate for since, rate in sorted(facility.rates) if since <= day]
    if not rates:
        return {"rate": None}
    applied = ruleset.operating_subsidy.clamp(rates[-1])
    clamped = {"rate_set": format_rate(rates[-1]), "clamped": True} if applied != rates[-1] else {}
    return {"rate": format_rate(applied), **clamped}


def due_answer(month: Month, ruleset: RuleSet | None, facts: MonthFacts, labels: Labels, due: MonthDue,
               facilities: FacilityRange = (None, None), *, jurisdiction: str = UNPLACED,
               unsubsidised: str | None = None) -> Due:
    """What `due` (the engine's result for `facts`) says, in the shared model billing reads.

    `ruleset` None: none is in force in `jurisdiction` (`due` was computed under `catalog.NONE_IN_FORCE`) and
    `unsubsidised` says why; the answer names no rule set, fund or rate."""
    applied = ruleset or NONE_IN_FORCE
    lines, standing = due.lines, due.facilities
    # The facilities asked for; the rest are context for their households' ranks.
    n = len(labels.facilities) if labels.in_range is None else labels.in_range
    # The lines' rows of the facts; only a refused facility or a range's context makes them other than all rows.
    picked = np.nonzero(facts.enrollments.facility[lines.enrollment] < n)[0]
    line = (lambda column: column) if len(picked) == len(lines.enrollment) else (  # noqa: E731
        lambda column: column[picked])
    rows = line(lines.enrollment)
    of_lines = (lambda column: column[rows]) if len(rows) != len(facts.enrollments) else (  # noqa: E731
        lambda column: column)
    return Due(
        month=str(month), jurisdiction=jurisdiction, unsubsidised=None if ruleset else unsubsidised,
        ruleset=RuleSetRef(ruleset.id, ruleset.version) if ruleset else None,
        fund=Fund(ruleset.fund.id, ruleset.fund.name, ruleset.fund.default_budget) if ruleset else None,
        from_facility=facilities[0], to_facility=facilities[1],
        days_in_month=month.days, rank_basis=applied.sibling_reduction.basis,
        reduction_rates={rank: format_rate(applied.sibling_reduction.rate_for(rank))
                         for rank in np.unique(line(lines.sibling_rank)).tolist()},
        facilities=[
            FacilityStanding(facility=name, held=bool(standing.held[i]), revoked=bool(standing.revoked[i]),
                             in_rectification=bool(standing.in_rectification_at_month_end[i]),
                             eligible_days=int(standing.eligible_days[i]),
                             revoked_on=standing.revoked_on[i],
                             **({"rate": None} if i in due.refused or ruleset is None else
                                _rates_at(facts.facilities[i], ruleset, month.last_day)))
            for i, name in enumerate(labels.facilities[:n])],
        lines=Lines(
            facility=of_lines(facts.enrollments.facility), family=of_lines(labels.family).tolist(),
            child=of_lines(labels.child).tolist(), enrollment=of_lines(labels.enrollment).tolist(),
            fee_fen=line(lines.fee_fen), reduction_fen=line(lines.reduction_fen),
            operating_subsidy_fen=line(lines.operating_subsidy_fen), days=line(lines.enrolled_days),
            subsidised_days=line(lines.subsidised_days), sibling_rank=line(lines.sibling_rank),
            age_eligible=line(lines.age_eligible),
            monthly_fee_fen=of_lines(_monthly_fee(facts, len(facts.enrollments)))),
        grants=[Grant(facility=labels.facilities[g.facility], class_id=g.class_external_id, grant=g.grant_id,
                      rule=g.rule, amount_fen=g.amount_fen) for g in due.grants if g.facility < n],
        blocked=[Blocked(facility=labels.facilities[i], reason=_reason(refusal, labels))
                 for i, refusal in sorted(due.refused.items()) if i < n],
    )


def _reason(refusal: Refusal, labels: Labels) -> str:
    if refusal.enrollment is None:
        return refusal.reason
    return f"enrollment {labels.enrollment[refusal.enrollment]}: {refusal.reason}"
