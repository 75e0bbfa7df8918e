"""What the subsidy service says is due for a month, as billing works on it: its answer with numpy columns.

The answer's model, `tuoyu.contracts.due.Due`, is shared with the subsidy service, which builds it; `MonthDue.of`
is the one way billing reads one (the client's answers and the tests' alike). Columns (numpy arrays) rather than
one object per line, because a city bills a million child-months in one cycle: the difference, the numbering and
the COPY then cost a few vector operations instead of a million Python objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from billing.cycle.explain import Explanations
from tuoyu.contracts.due import Due, FacilityStanding, Fund, Grant, RuleSetRef, line_explanations
from tuoyu.jurisdictions import UNPLACED


def objects(values) -> np.ndarray:
    """A 1-d object array of `values` (strings stay Python strings)."""
    out = np.empty(len(values), dtype=object)
    out[:] = list(values)
    return out


@dataclass(frozen=True)
class DueLines:
    """One row per enrollment that has days in the month: the family's fee and reduction, the facility's subsidy."""

    facility: np.ndarray           # object: facility external_id
    family: np.ndarray             # object
    child: np.ndarray              # object
    enrollment: np.ndarray         # object
    fee: np.ndarray                # int64 fen
    reduction: np.ndarray          # int64 fen (the treasury pays it to the facility)
    operating_subsidy: np.ndarray  # int64 fen
    explanation: Explanations

    def __len__(self) -> int:
        return len(self.fee)


@dataclass(frozen=True)
class MonthDue:
    month: str
    ruleset: RuleSetRef | None  # None: no rule set in force there (`unsubsidised` says why): full fees, no payouts
    fund: Fund | None
    lines: DueLines
    grants: tuple[Grant, ...] = ()
    facilities: dict[str, FacilityStanding] = field(default_factory=dict)  # by external_id
    blocked: dict[str, str] = field(default_factory=dict)  # facility -> why its facts were refused: it waits
    jurisdiction: str = UNPLACED  # the county-level jurisdiction governing these facilities in the month
    unsubsidised: str | None = None

    @classmethod
    def of(cls, answer: Due) -> "MonthDue":
        """The subsidy service's answer, its lines turned into numpy columns."""
        cols = answer.lines
        n = len(cols.fee_fen)
        int64 = lambda values: np.array(values, dtype=np.int64).reshape(n)  # noqa: E731
        names = objects([f.facility for f in answer.facilities])
        constant, columns, money, lookups = line_explanations(answer)
        lines = DueLines(
            facility=names[int64(cols.facility)], family=objects(cols.family), child=objects(cols.child),
            enrollment=objects(cols.enrollment), fee=int64(cols.fee_fen), reduction=int64(cols.reduction_fen),
            operating_subsidy=int64(cols.operating_subsidy_fen),
            explanation=Explanations(constant, columns, n, money, lookups))
        return cls(answer.month, answer.ruleset, answer.fund, lines, tuple(answer.grants),
                   {f.facility: f for f in answer.facilities}, {b.facility: b.reason for b in answer.blocked},
                   answer.jurisdiction, answer.unsubsidised)
