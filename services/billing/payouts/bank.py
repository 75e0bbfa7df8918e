"""The bank's two files: the payment file we export and the confirmation file the bank sends back.

Pure: text in, text or findings out. Export lists each approved payout (facility, payee name, account, amount,
reference = payout number). A confirmation (CSV: reference, amount, paid_on, status, and optionally the bank's
reason) is checked whole before anything changes: a wrong amount, an unknown reference, a payout not approved, a
line paid twice, a failure reported for a payout already paid, or a file that confirms nothing is an error with its
line number, and one error refuses the whole file (CONTRACT "Paying facilities"). A failed line for an approved
payout is not an error: the payout stays approved, with the bank's reason, for the next bank file (POLICY
"Guard rails").
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date

from tuoyu.cells import csv_text
from tuoyu.money import MoneyFormatError, format_cny, parse_cny

EXPORT_COLUMNS = ("facility", "name", "account", "amount", "reference")
CONFIRMATION_COLUMNS = ("reference", "amount", "paid_on", "status")
REASON_COLUMN = "reason"  # optional fifth column: why the bank failed a line
REASON_LENGTH = 200  # what is kept of it
CONFIRMATION_MAX_BYTES = 16 << 20  # about 400,000 lines: more payouts than a province has facilities
FINDINGS_SHOWN = 100  # a refusal names this many problems and counts the rest: the answer and the audit stay small
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
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180; a bare CR in a cell is quoted too
    writer.writerow(EXPORT_COLUMNS)
    for p in sorted(payees, key=lambda p: (p.facility, p.reference)):
        writer.writerow((csv_text(p.facility), csv_text(p.name), csv_text(p.account.replace(" ", "")),
                         format_cny(p.amount), csv_text(p.reference)))
    return out.getvalue()


@dataclass(frozen=True)
class Confirmed:
    line: int
    reference: str
    amount: int
    paid_on: date  # for a failed line, the day the bank failed it
    paid: bool  # False: the bank reports it failed; the payout stays approved
    reason: str | None = None  # the bank's reason for a failed line


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
    with_reason = [c.strip().lower() for c in rows[0]][4:5] == [REASON_COLUMN]
    lines, findings = [], []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < 4:
            findings.append(Finding(number, row[0].strip() if row else None,
                                    "needs four fields: reference, amount, paid_on, status"))
            continue
        reference, amount, paid_on, status = (cell.strip(" \t") for cell in row[:4])
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
        reason = row[4].strip()[:REASON_LENGTH] or None if with_reason and len(row) > 4 else None
        lines.append(Confirmed(number, reference, fen, day, word in PAID_WORDS, reason))
    if not lines and not findings:
        findings.append(Finding(1, None, "the file confirms no payout: it holds no line after the header"))
    return lines, findings


def shown(findings: list[Finding]) -> list[Finding]:
    """The first `FINDINGS_SHOWN` findings, and one that counts the rest."""
    if len(findings) <= FINDINGS_SHOWN:
        return findings
    rest = len(findings) - FINDINGS_SHOWN
    return findings[:FINDINGS_SHOWN] + [Finding(findings[FINDINGS_SHOWN].line, None,
                                                f"and {rest:,} more problem(s) from this line on")]


def check_confirmation(lines: list[Confirmed], on_file: dict[str, OnFile]) -> list[Finding]:
    """Every reason the confirmation cannot be applied; empty when every line matches an approved payout."""
    findings = []
    paid_at_line: dict[str, int] = {}
    seen_at_line: dict[str, int] = {}  # every line naming a reference, paid or failed
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
            findings += _failure_findings(line, known, seen_at_line)
            seen_at_line.setdefault(line.reference, line.line)
            continue
        if line.reference in seen_at_line and line.reference not in paid_at_line:
            findings.append(Finding(line.line, line.reference, f"{line.reference} is reported failed on line "
                                                               f"{seen_at_line[line.reference]} and paid here"))
        elif known.status == "paid":
            findings.append(Finding(line.line, line.reference,
                                    f"{line.reference} was already paid on {known.paid_on}: paid twice"))
        elif line.reference in paid_at_line:
            findings.append(Finding(line.line, line.reference, f"{line.reference} is paid twice in this file "
                                                               f"(also line {paid_at_line[line.reference]})"))
        elif known.status != "approved":
            findings.append(Finding(line.line, line.reference,
                                    f"{line.reference} is {known.status}, not approved: the bank cannot have paid it"))
        paid_at_line.setdefault(line.reference, line.line)
        seen_at_line.setdefault(line.reference, line.line)
    return findings


def _failure_findings(line: Confirmed, known: OnFile, seen_at_line: dict[str, int]) -> list[Finding]:
    """A failed line is an error unless it names an approved payout this file names nowhere else."""
    if known.status == "paid":
        why = f"{line.reference} was paid on {known.paid_on}: the bank cannot report it failed now"
    elif known.status != "approved":
        why = f"{line.reference} is {known.status}, not approved: the bank cannot have failed it"
    elif line.reference in seen_at_line:
        why = f"{line.reference} is also on line {seen_at_line[line.reference]} of this file"
    else:
        return []
    return [Finding(line.line, line.reference, why)]
