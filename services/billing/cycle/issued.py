"""What was issued before a cycle, summed per month in the shape the difference needs (columns)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from billing.cycle.documents import Columns, HeldPayout


@dataclass
class IssuedFamily(Columns):
    """Per (facility, enrollment) of one service month: what its family documents add up to so far."""

    INTEGER = frozenset({"fee", "reduction"})
    facility: np.ndarray
    enrollment: np.ndarray
    family: np.ndarray
    child: np.ndarray
    fee: np.ndarray
    reduction: np.ndarray
    first_number: np.ndarray  # the invoice a correction names: the first one issued for it


@dataclass
class IssuedLines(Columns):
    """Per (facility, kind, subject) of one service month: what payout lines of that kind add up to so far."""

    INTEGER = frozenset({"amount"})
    facility: np.ndarray
    kind: np.ndarray
    subject: np.ndarray
    amount: np.ndarray
    first_payout: np.ndarray


@dataclass
class Issued:
    """Everything issued before this cycle that the difference compares with."""

    family: dict[str, IssuedFamily] = field(default_factory=dict)  # by service month
    lines: dict[str, IssuedLines] = field(default_factory=dict)    # by service month
    grants_paid: set[tuple[str, str, str]] = field(default_factory=set)  # (facility, class, grant id)
    held: list[HeldPayout] = field(default_factory=list)           # held and not yet released or cancelled

    def family_of(self, month: str) -> IssuedFamily:
        return self.family.get(month) or IssuedFamily.empty()

    def lines_of(self, month: str) -> IssuedLines:
        return self.lines.get(month) or IssuedLines.empty()
