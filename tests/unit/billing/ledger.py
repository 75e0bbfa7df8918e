"""An in-memory stand-in for billing's store: numbers and keeps what cycles issue, answers `Issued`.

It does what `billing.cycle.store` does in PostgreSQL, in plain Python, so the pure core can be driven through
many cycles in a unit test (cosmicpython's fake repositories).
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from billing.cycle import budget
from billing.cycle.difference import plan_cycle
from billing.cycle.documents import (
    CANCELLED, DRAWING_STATUSES, HELD, OPERATING_SUBSIDY, REDUCTION_COMPENSATION, CycleResult, HeldPayout,
)
from billing.cycle.due import MonthDue, objects
from billing.cycle.issued import Issued, IssuedFamily, IssuedLines


class Ledger:
    def __init__(self, budgets: dict[int, int] | None = None, default_budget: int = 10**12):
        self.documents: list[dict] = []
        self.payouts: dict[str, dict] = {}
        self.lines: list[dict] = []
        self.grants_paid: set = set()
        self.billed: list[str] = []
        self.budgets = budgets or {}
        self.default_budget = default_budget
        self._counters: dict[str, int] = defaultdict(int)

    def _number(self, prefix: str, year: str) -> str:
        self._counters[prefix] += 1
        return f"{prefix}-{year}-{self._counters[prefix]:06d}"

    def issued(self, months: list[str]) -> Issued:
        issued = Issued()
        family: dict = defaultdict(lambda: {"fee": 0, "reduction": 0, "first": None})
        for d in self.documents:
            if d["service_month"] in months:
                entry = family[(d["service_month"], d["facility"], d["enrollment"])]
                entry.update(family=d["family"], child=d["child"])
                entry["fee"] += d["fee"]
                entry["reduction"] += d["reduction"]
                if d["corrects"] is None and entry["first"] is None:
                    entry["first"] = d["number"]
        for month in months:
            keys = [k for k in family if k[0] == month]
            if keys:
                issued.family[month] = IssuedFamily(
                    objects([k[1] for k in keys]), objects([k[2] for k in keys]),
                    objects([family[k]["family"] for k in keys]), objects([family[k]["child"] for k in keys]),
                    np.array([family[k]["fee"] for k in keys], dtype=np.int64),
                    np.array([family[k]["reduction"] for k in keys], dtype=np.int64),
                    objects([family[k]["first"] for k in keys]))
        sums: dict = defaultdict(lambda: [0, None])
        for line in self.lines:
            if line["service_month"] in months and line["kind"] in (OPERATING_SUBSIDY, REDUCTION_COMPENSATION):
                entry = sums[(line["service_month"], line["facility"], line["kind"], line["subject"])]
                entry[0] += line["amount"]
                entry[1] = entry[1] or line["payout"]
        for month in months:
            keys = [k for k in sums if k[0] == month]
            if keys:
                issued.lines[month] = IssuedLines(
                    objects([k[1] for k in keys]), objects([k[2] for k in keys]), objects([k[3] for k in keys]),
                    np.array([sums[k][0] for k in keys], dtype=np.int64), objects([sums[k][1] for k in keys]))
        issued.grants_paid = set(self.grants_paid)
        issued.held = [HeldPayout(n, p["facility"], p["total"], p["cycle_month"]) for n, p in sorted(self.payouts.items())
                       if p["status"] == HELD and p["released_by"] is None]
        return issued

    def remaining(self, years) -> dict[int, int]:
        left = {}
        for year in years:
            drawn = sum(l["amount"] for l in self.lines if int(l["service_month"][:4]) == year
                        and self.payouts[l["payout"]]["status"] in DRAWING_STATUSES)
            left[year] = self.budgets.get(year, self.default_budget) - drawn
        return left

    def bill(self, month: str, due: dict[str, MonthDue]) -> CycleResult:
        """Run `month`'s cycle against `due` (what the subsidy service says now, per month); like run_cycle."""
        if month in self.billed:
            raise AssertionError(f"{month} is billed already")
        earlier = [m for m in self.billed if m < month]
        result = plan_cycle(month, due[month], [due[m] for m in earlier], self.issued([month, *earlier]))
        budget.fund(result.payouts, self.remaining({y for p in result.payouts for y in p.cost_by_year}))
        self.record(month, result)
        return result

    def record(self, month: str, result: CycleResult) -> None:
        year = month[:4]
        for d in result.family.rows():
            prefix = "INV" if d["kind"] == "invoice" else "CN"
            self.documents.append({**d, "number": self._number(prefix, year), "cycle_month": month})
        by_facility = {}
        for p in sorted(result.payouts, key=lambda p: p.facility):
            number = self._number("PAY", year)
            by_facility[p.facility] = number
            self.payouts[number] = {"facility": p.facility, "status": p.status, "total": p.total,
                                    "cycle_month": month, "released_by": None, "cost_by_year": p.cost_by_year}
            for line in result.lines_of(p):
                self.lines.append({**line, "payout": number})
        for f, c, g in result.grants:
            self.grants_paid.add((f, c, g))
        for held, facility in result.released:
            self.payouts[held]["released_by"] = by_facility[facility]
        for number in result.cancelled:
            self.payouts[number]["status"] = CANCELLED
        self.billed.append(month)

    # What a test checks: sums per key, whatever documents carried them.
    def family_sums(self) -> dict[tuple[str, str, str], tuple[int, int]]:
        out: dict = defaultdict(lambda: [0, 0])
        for d in self.documents:
            entry = out[(d["service_month"], d["facility"], d["enrollment"])]
            entry[0] += d["fee"]
            entry[1] += d["reduction"]
        return {k: tuple(v) for k, v in out.items() if v != [0, 0]}

    def line_sums(self) -> dict[tuple[str, str, str, str], int]:
        out: dict = defaultdict(int)
        for line in self.lines:
            if line["kind"] != "release":
                out[(line["service_month"], line["facility"], line["kind"], line["subject"])] += line["amount"]
        return {k: v for k, v in out.items() if v}

    def facility_sums(self) -> dict[tuple[str, str], int]:
        out: dict = defaultdict(int)
        for (month, facility, _, _), amount in self.line_sums().items():
            out[(month, facility)] += amount
        return {k: v for k, v in out.items() if v}


def due_sums(dues: list[MonthDue]) -> tuple[dict, dict]:
    """What `Ledger.family_sums` and `Ledger.line_sums` should be when every due in `dues` is billed."""
    family, lines = {}, {}
    for due in dues:
        for r in range(len(due.lines)):
            key = (due.month, due.lines.facility[r], due.lines.enrollment[r])
            fee, reduction = int(due.lines.fee[r]), int(due.lines.reduction[r])
            if fee or reduction:
                family[key] = (fee, reduction)
            if due.lines.operating_subsidy[r]:
                lines[(due.month, key[1], OPERATING_SUBSIDY, key[2])] = int(due.lines.operating_subsidy[r])
            if reduction:
                lines[(due.month, key[1], REDUCTION_COMPENSATION, key[2])] = reduction
    return family, lines
