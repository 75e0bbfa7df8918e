"""What a draft rule set would cost against the one in force, over months of facts. Pure.

Grants count in the month a class first becomes due (`GrantDue.first_due_in_month`), so a range total counts
each class once, as billing pays it.
"""

from __future__ import annotations

from typing import Iterable

from tuoyu.months import Month

from .engine import compute_month
from .facts import MonthFacts
from .ruleset import RuleSet

_KEYS = ("fee_fen", "reduction_fen", "family_due_fen", "operating_subsidy_fen", "grants_fen", "treasury_fen")


def _difference(draft: dict[str, int], current: dict[str, int]) -> dict[str, int]:
    return {key: draft[key] - current[key] for key in _KEYS}


def compare(current: RuleSet, draft: RuleSet, months_with_facts: Iterable[tuple[Month, MonthFacts]]) -> dict:
    """Totals in fen per month and over the range for both rule sets; `difference` is draft − current."""
    months = []
    range_current = dict.fromkeys(_KEYS, 0)
    range_draft = dict.fromkeys(_KEYS, 0)
    for month, facts in months_with_facts:
        now = compute_month(month, current, facts).totals()
        then = compute_month(month, draft, facts).totals()
        for key in _KEYS:
            range_current[key] += now[key]
            range_draft[key] += then[key]
        months.append({"month": str(month), "current": now, "draft": then, "difference": _difference(then, now)})
    return {
        "current": {"id": current.id, "version": current.version},
        "draft": {"id": draft.id, "version": draft.version},
        "months": months,
        "total": {
            "current": range_current, "draft": range_draft, "difference": _difference(range_draft, range_current),
        },
    }
