"""What was issued before a cycle, summed per month in the shape the difference needs (columns)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Collection

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

    def family_of(self, month: str, blocked: Collection[str] = ()) -> IssuedFamily:
        """What was issued for `month`, less what the `blocked` facilities were issued (see `_without`)."""
        return _without(self.family.get(month) or IssuedFamily.empty(), blocked)

    def lines_of(self, month: str, blocked: Collection[str] = ()) -> IssuedLines:
        return _without(self.lines.get(month) or IssuedLines.empty(), blocked)


def _without(issued, blocked: Collection[str]):
    """`issued` less the rows of `blocked` facilities. A blocked facility has no line in the month's answer
    because its facts wait to be fixed, not because nothing is due: compared with nothing, what it was issued
    would be reversed. Left out, it is issued nothing new and its documents wait (POLICY "Guard rails")."""
    if not blocked or not len(issued):
        return issued
    return issued.take(np.nonzero(~np.isin(issued.facility, list(blocked)))[0])
