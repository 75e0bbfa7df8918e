"""The bank's two files: the payment file we export and the confirmation file the bank sends back.

Pure: text in, text or findings out. Export lists each approved payout (facility, payee name, account, amount,
reference = payout number). A confirmation (CSV: reference, amount, paid_on, status) is checked whole before
anything changes: a wrong amount, an unknown reference, a payout not approved or a line paid twice is an error
with its line number, and one error refuses the whole file (CONTRACT "Paying facilities").
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date

from tuoyu.money import MoneyFormatError, format_cny, parse_cny

EXPORT_COLUMNS = ("facility", "name", "account", "amount", "reference")
CONFIRMATION_COLUMNS = ("reference", "amount", "paid_on", "status")
PAID_WORDS = {"paid", "success", "ok", "成功", "已支付"}
FAILED_WORDS = {"failed", "rejected", "returned", "失败", "退回"}


@dataclass(frozen=True)
class Payee:
    reference: str  # the payout number
    facility: str
    name: str
    account: str
    amount: int


def export_csv(payees: list[Payee]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS)
    for p in sorted(payees, key=lambda p: (p.facility, p.reference)):
        writer.writerow((p.facility, p.name, p.account.replace(" ", ""), format_cny(p.amount), p.reference))
    return out.getvalue()


@dataclass(frozen=True)
class Confirmed:
    line: int
    reference: str
    amount: int
    paid_on: date
    paid: bool  # False: the bank reports it failed; the payout stays approved


@dataclass(frozen=True)
class Finding:
    line: int
    reference: str | None
    reason: str

    def as_error(self) -> dict:
        return {"field": f"line {self.line}", "reason": self.reason, "reference": self.reference}


@dataclass(frozen=True)
class OnFile:
    """What billing holds for a referenced payout."""

    status: str
    amount: int
    paid_on: date | None = None


def parse_confirmation(text: str) -> tuple[list[Confirmed], list[Finding]]:
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    if not rows or [c.strip().lower() for c in rows[0]][:4] != list(CONFIRMATION_COLUMNS):
        return [], [Finding(1, None, f"the first line must be the header {','.join(CONFIRMATION_COLUMNS)}")]
    lines, findings = [], []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < 4:
            findings.append(Finding(number, row[0].strip() if row else None,
                                    "needs four fields: reference, amount, paid_on, status"))
            continue
        reference, amount, paid_on, status = (cell.strip() for cell in row[:4])
        try:
            fen = parse_cny(amount)
        except MoneyFormatError as exc:
            findings.append(Finding(number, reference, f"amount: {exc}"))
            continue
        try:
            day = date.fromisoformat(paid_on)
        except ValueError:
            findings.append(Finding(number, reference, f"paid_on: {paid_on!r} is not a date such as 2022-10-05"))
            continue
        word = status.lower()
        if word not in PAID_WORDS | FAILED_WORDS:
            findings.append(Finding(number, reference, f"status: {status!r} is not 'paid' or 'failed'"))
            continue
        lines.append(Confirmed(number, reference, fen, day, word in PAID_WORDS))
    return lines, findings


def check_confirmation(lines: list[Confirmed], on_file: dict[str, OnFile]) -> list[Finding]:
    """Every reason the confirmation cannot be applied; empty when every line matches an approved payout."""
    findings = []
    paid_at_line: dict[str, int] = {}
    for line in lines:
        known = on_file.get(line.reference)
        if known is None:
            findings.append(Finding(line.line, line.reference, f"unknown reference {line.reference!r}: no such payout"))
            continue
        if line.amount != known.amount:
            findings.append(Finding(line.line, line.reference,
                                    f"amount {format_cny(line.amount)} differs from the payout's "
                                    f"{format_cny(known.amount)}"))
            continue
        if not line.paid:
            continue
        if known.status == "paid":
            findings.append(Finding(line.line, line.reference,
                                    f"{line.reference} was already paid on {known.paid_on}: paid twice"))
        elif line.reference in paid_at_line:
            findings.append(Finding(line.line, line.reference, f"{line.reference} is paid twice in this file "
                                                               f"(also line {paid_at_line[line.reference]})"))
        elif known.status != "approved":
            findings.append(Finding(line.line, line.reference,
                                    f"{line.reference} is {known.status}, not approved: the bank cannot have paid it"))
        paid_at_line.setdefault(line.reference, line.line)
    return findings
