"""Reading what was issued and writing a cycle's documents, in PostgreSQL (the billing schema).

Documents are written with COPY, numbered in one `document_counters` update per kind, all in the caller's
transaction: a cycle commits whole or not at all.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

import asyncpg
import numpy as np

from billing.cycle.documents import (
    CANCELLED, CREDIT_NOTE, DRAWING_STATUSES, HELD, INVOICE, OPERATING_SUBSIDY, REDUCTION_COMPENSATION,
    CycleResult, HeldPayout,
)
from billing.cycle.due import objects
from billing.cycle.issued import Issued, IssuedFamily, IssuedLines
from billing.cycle.numbering import next_numbers
from tuoyu.contracts.due import Fund

DRAWING = DRAWING_STATUSES


async def billed_months(conn: asyncpg.Connection, jurisdiction: str) -> list[str]:
    """The months the jurisdiction's cycles billed."""
    return [r["month"] for r in await conn.fetch(
        "SELECT month FROM cycles WHERE jurisdiction = $1 ORDER BY month", jurisdiction)]


def _columns(rows, names: list[str], integer: set[str]) -> list[np.ndarray]:
    """The records' fields (in `names` order, as selected) as columns: one transposition, no per-row loop."""
    columns = list(zip(*rows)) if rows else [() for _ in names]
    return [np.array(values, dtype=np.int64).reshape(len(rows)) if name in integer else objects(values)
            for name, values in zip(names, columns)]


Facilities = tuple[str | None, str | None]
"""A facility range [from, to) for a batch of the cycle; None leaves that side open."""


def _in_range(column: str, facilities: Facilities, first: int) -> tuple[str, list]:
    """SQL saying `column` lies in the range, with its parameters numbered from $first. Only the bounds that are
    set appear, so the planner can use the index on (service_month, facility) for every batch."""
    conditions, params = [], []
    for bound, operator in zip(facilities, (">=", "<")):
        if bound is not None:
            conditions.append(f"{column} {operator} ${first + len(params)}")
            params.append(bound)
    return " AND ".join(conditions) or "true", params


async def load_issued(conn: asyncpg.Connection, jurisdiction: str, months: list[str],
                      facilities: Facilities = (None, None)) -> Issued:
    """What the jurisdiction's cycles issued for `months` to the facilities in the range, summed as the difference
    needs it (each jurisdiction corrects what it billed). Grants paid and held payouts are the facility's, whoever
    billed them: a grant is paid once ever, and a held payout is released by the cycle that bills the facility."""
    issued = Issued()
    for month in months:  # one month at a time: each is a column set of its own
        where, params = _in_range("facility", facilities, 3)
        rows = await conn.fetch(
            "SELECT facility, enrollment, min(family) AS family, min(child) AS child, "
            "sum(fee_fen)::bigint AS fee, sum(reduction_fen)::bigint AS reduction, "
            "coalesce(min(number) FILTER (WHERE corrects IS NULL), min(number)) AS first_number "
            f"FROM family_documents WHERE service_month = $1 AND jurisdiction = $2 AND {where} "
            "GROUP BY facility, enrollment", month, jurisdiction, *params)
        if rows:
            issued.family[month] = IssuedFamily(*_columns(
                rows, ["facility", "enrollment", "family", "child", "fee", "reduction", "first_number"],
                {"fee", "reduction"}))
        where, params = _in_range("p.facility", facilities, 4)
        rows = await conn.fetch(
            "SELECT p.facility, l.kind, l.subject, sum(l.amount_fen)::bigint AS amount, min(l.payout) AS first_payout "
            "FROM payout_lines l JOIN payouts p ON p.number = l.payout WHERE l.service_month = $1 "
            f"AND l.kind = ANY($2) AND p.jurisdiction = $3 AND {where} GROUP BY 1, 2, 3",
            month, [OPERATING_SUBSIDY, REDUCTION_COMPENSATION], jurisdiction, *params)
        if rows:
            issued.lines[month] = IssuedLines(*_columns(
                rows, ["facility", "kind", "subject", "amount", "first_payout"], {"amount"}))
    where, params = _in_range("facility", facilities, 1)
    issued.grants_paid = {(r["facility"], r["class"], r["grant_id"]) for r in await conn.fetch(
        f"SELECT facility, class, grant_id FROM grants_paid WHERE {where}", *params)}
    where, params = _in_range("facility", facilities, 2)
    issued.held = [HeldPayout(r["number"], r["facility"], r["total_fen"], r["cycle_month"]) for r in await conn.fetch(
        "SELECT number, facility, total_fen, cycle_month FROM payouts WHERE status = $1 AND released_by IS NULL "
        f"AND {where} ORDER BY number", HELD, *params)]
    return issued


async def budget_of(conn: asyncpg.Connection, fund: str, year: int, default: int | None) -> int | None:
    set_ = await conn.fetchval("SELECT amount_fen FROM budgets WHERE fund = $1 AND year = $2", fund, year)
    return set_ if set_ is not None else default


# The lines of payouts in statuses $1 that draw on fund $2's budget for year $3 (lines by the year of their month).
_DRAWING_LINES = ("FROM payout_lines l JOIN payouts p ON p.number = l.payout "
                  "WHERE p.status = ANY($1) AND coalesce(p.fund, $2) = $2 AND left(l.service_month, 4) = $3")


async def drawn(conn: asyncpg.Connection, fund: str, year: int, statuses=DRAWING) -> int:
    """What payouts in `statuses` draw on the fund's budget for `year` (lines by the year of their month)."""
    return await conn.fetchval(f"SELECT coalesce(sum(l.amount_fen), 0)::bigint {_DRAWING_LINES}",
                               list(statuses), fund, str(year))


async def drawn_by_month(conn: asyncpg.Connection, fund: str, year: int, statuses=DRAWING) -> dict[str, int]:
    """`drawn`, month by month of the year ("2022-09" → fen); months that drew nothing are left out."""
    rows = await conn.fetch(f"SELECT l.service_month, sum(l.amount_fen)::bigint AS fen {_DRAWING_LINES} "
                            "GROUP BY 1 ORDER BY 1", list(statuses), fund, str(year))
    return {r["service_month"]: r["fen"] for r in rows}


async def remaining_budget(conn: asyncpg.Connection, fund: str, default: int, years: set[int]) -> dict[int, int]:
    return {year: await budget_of(conn, fund, year, default) - await drawn(conn, fund, year) for year in years}


async def default_budget(conn: asyncpg.Connection, fund: str) -> int | None:
    """The rule set's default budget for the fund, as recorded by the last cycle that used it."""
    info = await conn.fetchval(
        "SELECT ruleset_info FROM cycles WHERE fund = $1 AND ruleset_info IS NOT NULL ORDER BY month DESC LIMIT 1",
        fund)
    return json.loads(info).get("default_budget_fen") if info else None


async def last_funds(conn: asyncpg.Connection, jurisdictions: list[str]) -> dict[str, Fund]:
    """Each jurisdiction's fund of its latest cycle that had one (its rule set's), as that cycle recorded it: what a
    cycle draws on when no rule set is in force (`run._begin`), and what the driver groups cycles by."""
    rows = await conn.fetch(
        "SELECT DISTINCT ON (jurisdiction) jurisdiction, fund, ruleset_info FROM cycles WHERE jurisdiction = ANY($1) "
        "AND fund IS NOT NULL ORDER BY jurisdiction, month DESC", jurisdictions)
    funds = {}
    for row in rows:
        info = json.loads(row["ruleset_info"]) if row["ruleset_info"] else {}
        funds[row["jurisdiction"]] = Fund(row["fund"], info.get("fund_name", row["fund"]),
                                          info.get("default_budget_fen") or 0)
    return funds


def _codes(values: np.ndarray) -> np.ndarray:
    """Rank of each value among the sorted distinct values (orders object columns without sorting them)."""
    code_of = {v: i for i, v in enumerate(sorted(set(values.tolist())))}
    return np.fromiter((code_of[v] for v in values.tolist()), np.int64, len(values))


@dataclass(frozen=True)
class Written:
    """What a cycle wrote, for the caller's answer and the metrics (counted only after commit)."""

    documents: dict[str, int]   # kind -> count
    amounts: dict[str, int]     # kind -> fen (absolute)
    payouts: list[tuple[str, str, str, int, int]]  # (number, facility, status, total, lines)
    timings: dict[str, float] = field(default_factory=dict)


async def begin_cycle(conn: asyncpg.Connection, jurisdiction: str, month: str, due_info: dict) -> None:
    """The cycle row: the proof, once committed, that the jurisdiction's month is billed."""
    await conn.execute(
        "INSERT INTO cycles (jurisdiction, month, ruleset_id, ruleset_version, fund, ruleset_info) "
        "VALUES ($1, $2, $3, $4, $5, $6)",
        jurisdiction, month, due_info["ruleset_id"], due_info["ruleset_version"], due_info["fund"],
        json.dumps(due_info.get("ruleset_info") or {}, ensure_ascii=False))


async def write_cycle(conn: asyncpg.Connection, jurisdiction: str, month: str, fund: str | None,
                      result: CycleResult) -> Written:
    """Number and COPY one batch's documents, in the caller's transaction (after `begin_cycle`)."""
    timings: dict[str, float] = {}
    clock = [time.perf_counter()]

    def lap(name: str) -> None:
        now = time.perf_counter()
        timings[name] = round(now - clock[0], 3)
        clock[0] = now

    year = int(month[:4])

    docs = result.family
    n = len(docs)
    documents, amounts = {}, {}
    if n:
        is_credit = (docs.kind == CREDIT_NOTE).astype(np.int64)
        # Numbered by kind, service month, facility, family, child and enrollment: the same facts give the same
        # numbers, whatever order the events arrived in.
        order = np.lexsort((docs.enrollment.astype(str), docs.child.astype(str), docs.family.astype(str),
                            _codes(docs.facility), _codes(docs.service_month), is_credit))
        docs = docs.take(order)
        numbers = np.empty(n, dtype=object)
        for kind in (INVOICE, CREDIT_NOTE):
            rows = np.nonzero(docs.kind == kind)[0]
            numbers[rows] = await next_numbers(conn, kind, jurisdiction, year, len(rows))
            documents[kind] = len(rows)
            amounts[kind] = int(np.abs(docs.due[rows]).sum())
        due = docs.due
        lap("number")
        status = await conn.copy_records_to_table(
            "family_documents",
            columns=["number", "kind", "jurisdiction", "cycle_month", "service_month", "facility", "family", "child",
                     "enrollment", "corrects", "fee_fen", "reduction_fen", "due_fen", "explanation"],
            records=zip(numbers.tolist(), docs.kind.tolist(), [jurisdiction] * n, [month] * n,
                        docs.service_month.tolist(),
                        docs.facility.tolist(), docs.family.tolist(), docs.child.tolist(),
                        docs.enrollment.tolist(), docs.corrects.tolist(), docs.fee.tolist(),
                        docs.reduction.tolist(), due.tolist(), docs.explanation.tolist()))
        lap("copy_family_documents")
        if status != f"COPY {n}":
            raise CycleIntegrityError(f"wrote {status!r} family documents, planned {n}")

    payouts = sorted(result.payouts, key=lambda p: p.facility)
    payout_numbers = await next_numbers(conn, "payout", jurisdiction, year, len(payouts))
    await conn.copy_records_to_table(
        "payouts", columns=["number", "jurisdiction", "cycle_month", "facility", "status", "total_fen", "fund",
                            "explanation", "cancelled_at"],
        records=[(number, jurisdiction, month, p.facility, p.status, p.total, fund,
                  json.dumps(p.explanation, ensure_ascii=False), None)
                 for number, p in zip(payout_numbers, payouts)])
    lines = result.lines
    if len(lines):
        payout_of = np.empty(len(lines), dtype=object)
        line_no = np.zeros(len(lines), dtype=np.int64)
        for number, p in zip(payout_numbers, payouts):
            payout_of[p.lines] = number
            line_no[p.lines] = np.arange(1, len(p.lines) + 1)
        await conn.copy_records_to_table(
            "payout_lines", columns=["payout", "line_no", "kind", "service_month", "subject", "amount_fen", "rule",
                                     "corrects", "explanation"],
            records=zip(payout_of.tolist(), line_no.tolist(), lines.kind.tolist(), lines.service_month.tolist(),
                        lines.subject.tolist(), lines.amount.tolist(), lines.rule.tolist(), lines.corrects.tolist(),
                        lines.explanation.tolist()))
    lap("copy_payouts_and_lines")
    by_facility = {p.facility: number for number, p in zip(payout_numbers, payouts)}
    await conn.copy_records_to_table("grants_paid", columns=["facility", "class", "grant_id", "payout"],
                                     records=[(f, c, g, by_facility[f]) for f, c, g in result.grants])
    await conn.executemany("UPDATE payouts SET released_by = $2 WHERE number = $1",
                           [(held, by_facility[facility]) for held, facility in result.released])
    await conn.execute("UPDATE payouts SET status = $2, cancelled_at = now() WHERE number = ANY($1)",
                       result.cancelled, CANCELLED)
    await conn.copy_records_to_table("blocked_facilities", columns=["jurisdiction", "cycle_month", "service_month",
                                                                    "facility", "reason"],
                                     records=[(jurisdiction, month, *blocked) for blocked in result.blocked])
    lap("grants_releases_cancellations")
    documents["payout"] = len(payouts)
    amounts["payout"] = sum(abs(p.total) for p in payouts)
    return Written(documents, amounts, [(num, p.facility, p.status, p.total, len(p.lines))
                                        for num, p in zip(payout_numbers, payouts)], timings)


class CycleIntegrityError(RuntimeError):
    """What the cycle wrote does not hold together: the transaction is rolled back, nothing is issued."""


async def verify_cycle(conn: asyncpg.Connection, jurisdiction: str, month: str,
                       payouts: dict[str, tuple[int, int]]) -> None:
    """Set-based checks, in the cycle's transaction, of what per-row foreign keys would check and more (every
    document carries the cycle's month by construction, and COPY's own count is checked as it is written)."""
    wrong = await conn.fetch(
        "SELECT d.number, d.corrects FROM family_documents d LEFT JOIN family_documents o ON o.number = d.corrects "
        "WHERE d.jurisdiction = $2 AND d.cycle_month = $1 AND d.corrects IS NOT NULL AND (o.number IS NULL "
        "OR o.kind <> 'invoice' OR o.service_month <> d.service_month OR o.facility <> d.facility "
        "OR o.enrollment <> d.enrollment) LIMIT 5", month, jurisdiction)
    if wrong:
        raise CycleIntegrityError(f"corrections naming no invoice of their month and enrollment: {list(map(tuple, wrong))}")
    rows = await conn.fetch(
        "SELECT payout, count(*) AS lines, sum(amount_fen)::bigint AS total FROM payout_lines "
        "WHERE payout = ANY($1) GROUP BY payout", list(payouts))
    found = {r["payout"]: (r["total"], r["lines"]) for r in rows}
    if found != payouts:
        bad = sorted(n for n in set(found) | set(payouts) if found.get(n) != payouts.get(n))
        raise CycleIntegrityError(f"payouts whose lines do not add up to their total: {bad[:5]}")
