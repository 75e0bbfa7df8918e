"""What one month is due under one rule set: lines per enrollment, grants per class, status per facility.

Every total is a sum of rounded lines (POLICY `money`); nothing here rounds.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date
from typing import NamedTuple

import numpy as np

from tuoyu.months import Month

from .facts import Refusal


@dataclass(frozen=True)
class LinesDue:
    """One row per enrollment row of the facts computed, in the same order; amounts in int64 fen.

    `enrollment` is the row in `MonthFacts.enrollments`: every row, unless a facility's facts were refused
    (`MonthDue.refused`), whose rows have no line.

    `family_due_fen` is `fee_fen − reduction_fen`, always; the treasury pays `reduction_fen` to the facility as
    reduction compensation and `operating_subsidy_fen` on top.
    """

    enrollment: np.ndarray
    fee_fen: np.ndarray
    reduction_fen: np.ndarray
    family_due_fen: np.ndarray
    operating_subsidy_fen: np.ndarray
    enrolled_days: np.ndarray
    subsidised_days: np.ndarray
    sibling_rank: np.ndarray
    age_eligible: np.ndarray

    def __len__(self) -> int:
        return len(self.enrollment)

    def row(self, i: int) -> dict[str, int | bool]:
        """Line `i` as plain Python values (for explanations, documents and tests)."""
        return {f.name: getattr(self, f.name)[i].item() for f in fields(self)}


class GrantDue(NamedTuple):
    """A per-class one-time grant the class has earned by the month's end; billing pays each once ever.

    A NamedTuple rather than a dataclass: thousands are made per month and tuples are several times cheaper.
    """

    class_index: int
    class_external_id: str
    facility: int
    grant_id: str
    rule: str
    amount_fen: int
    first_due_in_month: bool
    """True when the class's first open-and-eligible day is in this month (what-if counts it here)."""


@dataclass(frozen=True)
class FacilityDue:
    """Per facility, in the order of `MonthFacts.facilities`.

    `held`: the month's last day falls in rectification and the facility is not revoked (its payout is
    computed, shown, not paid). `revoked`: revoked on or before the last day (held money is cancelled).
    """

    eligible_days: np.ndarray
    held: np.ndarray
    revoked: np.ndarray
    in_rectification_at_month_end: np.ndarray
    revoked_on: tuple[date | None, ...]


@dataclass(frozen=True)
class MonthDue:
    month: Month
    ruleset_id: str
    ruleset_version: str
    lines: LinesDue
    grants: tuple[GrantDue, ...]
    facilities: FacilityDue
    refused: dict[int, Refusal] = field(default_factory=dict)
    """Facilities (by index) whose facts the engine refused, left out of every line and grant: they wait."""

    def totals(self) -> dict[str, int]:
        """Month totals in fen; `grants_fen` counts grants first due this month, `treasury_fen` all public money."""
        lines = self.lines
        out = {
            "fee_fen": int(lines.fee_fen.sum()),
            "reduction_fen": int(lines.reduction_fen.sum()),
            "family_due_fen": int(lines.family_due_fen.sum()),
            "operating_subsidy_fen": int(lines.operating_subsidy_fen.sum()),
            "grants_fen": sum(g.amount_fen for g in self.grants if g.first_due_in_month),
        }
        out["treasury_fen"] = out["reduction_fen"] + out["operating_subsidy_fen"] + out["grants_fen"]
        return out

    def facility_totals(self, line_facility: np.ndarray) -> dict[str, np.ndarray]:
        """Per-facility sums of the lines (int64 fen); `line_facility` is each line's facility
        (`facts.enrollments.facility[lines.enrollment]`)."""
        n = len(self.facilities.eligible_days)
        out = {}
        for name in ("fee_fen", "reduction_fen", "family_due_fen", "operating_subsidy_fen"):
            total = np.zeros(n, dtype=np.int64)
            np.add.at(total, line_facility, getattr(self.lines, name))  # int64: bincount would go through floats
            out[name] = total
        return out
