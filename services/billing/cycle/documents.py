"""Documents a cycle issues, before they get numbers: family documents and facility payouts."""

from __future__ import annotations

from dataclasses import dataclass, field

INVOICE, CREDIT_NOTE = "invoice", "credit_note"
OPERATING_SUBSIDY, REDUCTION_COMPENSATION, RELEASE = "operating_subsidy", "reduction_compensation", "release"
ISSUED, HELD, AWAITING_BUDGET, APPROVED, PAID, CANCELLED = (
    "issued", "held", "awaiting_budget", "approved", "paid", "cancelled")


@dataclass(frozen=True)
class FamilyDocument:
    """An invoice, a supplementary invoice (an invoice that `corrects` another) or a credit note."""

    kind: str
    service_month: str
    facility: str
    family: str
    child: str
    enrollment: str
    corrects: str | None
    fee: int
    reduction: int
    explanation: dict = field(default_factory=dict, compare=False)

    @property
    def due(self) -> int:
        return self.fee - self.reduction


@dataclass(frozen=True)
class PayoutLine:
    kind: str
    service_month: str
    amount: int
    rule: str
    subject: str  # the enrollment, the class, or the payout released
    explanation: dict = field(default_factory=dict, compare=False)


@dataclass
class PayoutDraft:
    facility: str
    status: str
    lines: list[PayoutLine]

    @property
    def total(self) -> int:
        return sum(line.amount for line in self.lines)


@dataclass(frozen=True)
class HeldPayout:
    number: str
    facility: str
    total: int
    cycle_month: str


@dataclass
class CycleResult:
    family_documents: list[FamilyDocument]
    payouts: list[PayoutDraft]
    released: list[tuple[str, str]]  # (held payout number, facility whose new payout releases it)
    cancelled: list[str]  # held payout numbers cancelled by revocation
