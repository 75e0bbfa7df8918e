"""Documents a cycle issues, before they get numbers: family documents and payout lines as columns, payouts.

A family document is an invoice, a supplementary invoice (an invoice that `corrects` another) or a credit note
(negative amounts, naming the invoice it corrects). A payout is one facility's money from one cycle; its lines
are rows of `PayoutLines`, each with its `service_month`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np

INVOICE, CREDIT_NOTE = "invoice", "credit_note"
OPERATING_SUBSIDY, REDUCTION_COMPENSATION, CONSTRUCTION_GRANT, RELEASE = (
    "operating_subsidy", "reduction_compensation", "construction_grant", "release")
ISSUED, HELD, AWAITING_BUDGET, APPROVED, PAID, CANCELLED = (
    "issued", "held", "awaiting_budget", "approved", "paid", "cancelled")
STATUSES = (ISSUED, HELD, AWAITING_BUDGET, APPROVED, PAID, CANCELLED)
DRAWING_STATUSES = (ISSUED, APPROVED, PAID)  # payouts that draw on the budget (POLICY `budget`)


class Columns:
    """Equal-length numpy columns; `concat`, `take` and `rows` work on any dataclass made of them."""

    INTEGER: frozenset = frozenset()  # the int64 columns; the others hold Python objects

    def __len__(self) -> int:
        return len(getattr(self, fields(self)[0].name))

    @classmethod
    def concat(cls, blocks: list):
        blocks = [b for b in blocks if len(b)]
        if not blocks:
            return cls.empty()
        return cls(*(np.concatenate([getattr(b, f.name) for b in blocks]) for f in fields(cls)))

    def take(self, index: np.ndarray):
        return type(self)(*(getattr(self, f.name)[index] for f in fields(self)))

    @classmethod
    def empty(cls):
        return cls(*(np.zeros(0, dtype=np.int64 if f.name in cls.INTEGER else object) for f in fields(cls)))

    def rows(self) -> list[dict]:
        """Every row as a dict of plain values (tests and small callers)."""
        names = [f.name for f in fields(self)]
        columns = [getattr(self, n).tolist() for n in names]
        return [dict(zip(names, values)) for values in zip(*columns)]


@dataclass
class FamilyDocuments(Columns):
    INTEGER = frozenset({"fee", "reduction"})
    kind: np.ndarray
    service_month: np.ndarray
    facility: np.ndarray
    family: np.ndarray
    child: np.ndarray
    enrollment: np.ndarray
    corrects: np.ndarray   # the invoice this document corrects, or None
    fee: np.ndarray
    reduction: np.ndarray
    explanation: np.ndarray  # JSON text

    @property
    def due(self) -> np.ndarray:
        return self.fee - self.reduction


@dataclass
class PayoutLines(Columns):
    INTEGER = frozenset({"amount"})
    facility: np.ndarray
    kind: np.ndarray
    service_month: np.ndarray
    subject: np.ndarray    # the enrollment, the class, or the payout released
    amount: np.ndarray
    rule: np.ndarray
    corrects: np.ndarray   # the payout holding the line of that month and kind it corrects, or None
    explanation: np.ndarray  # JSON text


@dataclass
class PayoutDraft:
    """One facility's payout from this cycle: its status and the rows of `CycleResult.lines` it holds."""

    facility: str
    status: str
    lines: np.ndarray                   # indices into CycleResult.lines
    total: int
    cost_by_year: dict[int, int]        # what it draws on each year's budget (POLICY `budget`)
    explanation: dict = field(default_factory=dict)


@dataclass(frozen=True)
class HeldPayout:
    number: str
    facility: str
    total: int
    cycle_month: str


@dataclass
class CycleResult:
    family: FamilyDocuments
    lines: PayoutLines
    payouts: list[PayoutDraft]
    released: list[tuple[str, str]]  # (held payout number, facility whose new payout releases it)
    cancelled: list[str]             # held payout numbers cancelled by revocation
    grants: list[tuple[str, str, str]] = field(default_factory=list)  # (facility, class, grant id) paid now
    blocked: list[tuple[str, str, str]] = field(default_factory=list)  # (service month, facility, reason): waits

    def payout(self, facility: str) -> PayoutDraft | None:
        return next((p for p in self.payouts if p.facility == facility), None)

    def lines_of(self, payout: PayoutDraft) -> list[dict]:
        return self.lines.take(payout.lines).rows()
