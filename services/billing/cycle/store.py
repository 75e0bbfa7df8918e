"""Reading what was issued and writing a cycle's documents, in PostgreSQL (the billing schema)."""

from __future__ import annotations

import json

import asyncpg

from billing.cycle.difference import Issued, IssuedFamily
from billing.cycle.documents import APPROVED, HELD, ISSUED, PAID, CycleResult, HeldPayout
from tuoyu import metrics

PREFIX = {"invoice": "INV", "credit_note": "CN", "payout": "PAY"}
DRAWING = (ISSUED, APPROVED, PAID)


async def billed_months(conn: asyncpg.Connection) -> list[str]:
    return [r["month"] for r in await conn.fetch("SELECT month FROM cycles ORDER BY month")]


async def load_issued(conn: asyncpg.Connection, months: list[str]) -> Issued:
    issued = Issued()
    rows = await conn.fetch(
        "SELECT service_month, facility, enrollment, sum(fee_fen) AS fee, sum(reduction_fen) AS reduction, "
        "min(number) FILTER (WHERE corrects IS NULL) AS first_number, min(number) AS any_number, "
        "min(family) AS family, min(child) AS child FROM family_documents WHERE service_month = ANY($1) "
        "GROUP BY service_month, facility, enrollment", months)
    for r in rows:
        issued.family[(r["service_month"], r["facility"], r["enrollment"])] = IssuedFamily(
            r["fee"], r["reduction"], r["first_number"] or r["any_number"], r["family"], r["child"])
    rows = await conn.fetch(
        "SELECT l.service_month, p.facility, l.kind, l.subject, sum(l.amount_fen) AS amount FROM payout_lines l "
        "JOIN payouts p ON p.number = l.payout WHERE l.service_month = ANY($1) "
        "AND l.kind IN ('operating_subsidy', 'reduction_compensation') GROUP BY 1, 2, 3, 4", months)
    issued.payout_lines = {(r["service_month"], r["facility"], r["kind"], r["subject"]): r["amount"] for r in rows}
    issued.grants_paid = {(r["facility"], r["class"], r["grant_id"])
                          for r in await conn.fetch("SELECT facility, class, grant_id FROM grants_paid")}
    issued.held = [HeldPayout(r["number"], r["facility"], r["total_fen"], r["cycle_month"]) for r in await conn.fetch(
        "SELECT number, facility, total_fen, cycle_month FROM payouts WHERE status = $1 AND released_by IS NULL",
        HELD)]
    return issued


async def remaining_budget(conn: asyncpg.Connection, fund: str, default: int, years: set[int]) -> dict[int, int]:
    left = {}
    for year in years:
        budget = await conn.fetchval("SELECT amount_fen FROM budgets WHERE fund = $1 AND year = $2", fund, year)
        drawn = await conn.fetchval(
            "SELECT coalesce(sum(l.amount_fen), 0) FROM payout_lines l JOIN payouts p ON p.number = l.payout "
            "WHERE p.status = ANY($1) AND left(l.service_month, 4) = $2", list(DRAWING), str(year))
        left[year] = (default if budget is None else budget) - drawn
    return left


async def _next_numbers(conn: asyncpg.Connection, kind: str, year: int, count: int) -> list[str]:
    if not count:
        return []
    last = await conn.fetchval(
        "INSERT INTO document_counters (kind, year, last) VALUES ($1, $2, $3) ON CONFLICT (kind, year) "
        "DO UPDATE SET last = document_counters.last + $3 RETURNING last", kind, year, count)
    return [f"{PREFIX[kind]}-{year}-{n:06d}" for n in range(last - count + 1, last + 1)]


async def write_cycle(conn: asyncpg.Connection, month: str, ruleset: tuple[str, str], result: CycleResult) -> None:
    """Insert the cycle row and every new document with its number, in the caller's transaction."""
    year = int(month[:4])
    await conn.execute("INSERT INTO cycles (month, ruleset_id, ruleset_version) VALUES ($1, $2, $3)",
                       month, *ruleset)
    docs = sorted(result.family_documents, key=lambda d: (d.kind, d.service_month, d.facility, d.family, d.child,
                                                          d.enrollment))
    numbers = {}
    for kind in ("invoice", "credit_note"):
        of_kind = [d for d in docs if d.kind == kind]
        numbers.update(zip(map(id, of_kind), await _next_numbers(conn, kind, year, len(of_kind))))
    await conn.copy_records_to_table(
        "family_documents",
        columns=["number", "kind", "cycle_month", "service_month", "facility", "family", "child", "enrollment",
                 "corrects", "fee_fen", "reduction_fen", "due_fen", "explanation"],
        records=[(numbers[id(d)], d.kind, month, d.service_month, d.facility, d.family, d.child, d.enrollment,
                  d.corrects, d.fee, d.reduction, d.due, json.dumps(d.explanation, ensure_ascii=False))
                 for d in docs])
    payout_numbers = await _next_numbers(conn, "payout", year, len(result.payouts))
    await conn.copy_records_to_table(
        "payouts", columns=["number", "cycle_month", "facility", "status", "total_fen"],
        records=[(n, month, p.facility, p.status, p.total) for n, p in zip(payout_numbers, result.payouts)])
    await conn.copy_records_to_table(
        "payout_lines", columns=["payout", "line_no", "kind", "service_month", "subject", "amount_fen", "rule",
                                 "explanation"],
        records=[(n, i, l.kind, l.service_month, l.subject, l.amount, l.rule, json.dumps(l.explanation,
                                                                                        ensure_ascii=False))
                 for n, p in zip(payout_numbers, result.payouts) for i, l in enumerate(p.lines, 1)])
    await conn.executemany(
        "INSERT INTO grants_paid (facility, class, grant_id, payout) VALUES ($1, $2, $3, $4)",
        [(p.facility, l.subject, l.rule, n) for n, p in zip(payout_numbers, result.payouts) for l in p.lines
         if l.kind == "construction_grant"])
    by_facility = dict(zip((p.facility for p in result.payouts), payout_numbers))
    await conn.executemany("UPDATE payouts SET released_by = $2 WHERE number = $1",
                           [(held, by_facility[facility]) for held, facility in result.released])
    await conn.execute("UPDATE payouts SET status = 'cancelled' WHERE number = ANY($1)", result.cancelled)
    for d in docs:
        metrics.DOCUMENTS_ISSUED.labels(d.kind).inc()
        metrics.AMOUNT_ISSUED_FEN.labels(d.kind).inc(abs(d.due))
    for p in result.payouts:
        metrics.DOCUMENTS_ISSUED.labels("payout").inc()
        metrics.AMOUNT_ISSUED_FEN.labels("payout").inc(abs(p.total))
