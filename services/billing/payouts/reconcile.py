"""Reconciliation of a month's payouts: what was issued, approved and paid, and every difference named.

Pure. A payout is in order when it was paid exactly what was issued; a held payout released by a later one,
and a cancelled payout, owe nothing. Anything else — issued but not approved, waiting for budget, approved but
not paid (failed at the bank, say), paid another amount, lines that do not add up to the total — is a difference.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from tuoyu.money import format_cny


@dataclass(frozen=True)
class PayoutState:
    number: str
    facility: str
    status: str
    total: int
    lines_total: int
    released_by: str | None = None
    paid_amount: int | None = None
    paid_on: date | None = None
    bank_failed_on: date | None = None  # the bank's last failure of an approved payout, until it is paid
    bank_failure: str | None = None


def _differences(p: PayoutState) -> tuple[int, int, int, list[str]]:
    """(owed, approved, paid, differences) of one payout."""
    found = []
    if p.lines_total != p.total:
        found.append(f"its lines add up to {format_cny(p.lines_total)}, not its total {format_cny(p.total)}")
    if p.status == "cancelled" or (p.status == "held" and p.released_by):
        return 0, 0, 0, found
    approved = p.total if p.status in ("approved", "paid") else 0
    paid = p.paid_amount or 0
    if p.status == "issued":
        found.append(f"issued {format_cny(p.total)}, not yet approved")
    elif p.status == "awaiting_budget":
        found.append(f"{format_cny(p.total)} awaits budget: raise the fund's budget or approve it over budget")
    elif p.status == "held":
        found.append(f"{format_cny(p.total)} held (the facility is in rectification), not released")
    elif p.status == "approved" and p.total > 0 and p.bank_failed_on is not None:
        found.append(f"approved {format_cny(p.total)}, failed at the bank on {p.bank_failed_on} ({p.bank_failure}): "
                     "it goes into the next bank file")
    elif p.status == "approved" and p.total > 0:
        found.append(f"approved {format_cny(p.total)}, not yet paid")
    elif p.status == "approved" and p.total < 0:
        found.append(f"{format_cny(-p.total)} to recover from the facility (corrections exceed what it is owed)")
    elif p.status == "paid" and paid != p.total:
        found.append(f"paid {format_cny(paid)}, but {format_cny(p.total)} was approved")
    return p.total, approved, paid, found


def reconcile(month: str, payouts: list[PayoutState]) -> dict:
    rows, totals, differences = [], {"issued": 0, "approved": 0, "paid": 0}, []
    for p in sorted(payouts, key=lambda p: (p.facility, p.number)):
        owed, approved, paid, found = _differences(p)
        totals["issued"] += owed
        totals["approved"] += approved
        totals["paid"] += paid
        differences += [{"payout": p.number, "facility": p.facility, "difference": d} for d in found]
        rows.append({"number": p.number, "facility": p.facility, "status": p.status, "issued": format_cny(owed),
                     "approved": format_cny(approved), "paid": format_cny(paid), "released_by": p.released_by,
                     "paid_on": p.paid_on.isoformat() if p.paid_on else None, "differences": found})
    return {"month": month, "payouts": rows, "totals": {k: format_cny(v) for k, v in totals.items()},
            "differences": differences, "in_order": not differences}
