"""Finance actions on payouts: approve a month's batch, approve over budget, re-fund after a budget rise, export
the bank file, import the bank's confirmation, reconcile. Each runs in one transaction under its locks
(`billing.cycle.locks`: a batch's jurisdictions, the fund whose money moves, the payees) and writes its row of the
audit trail; the decisions themselves are the pure functions of `bank`, `reconcile` and `billing.cycle.budget`.

Each reaches only the jurisdictions `codes` (the caller's scope; None: every one): another jurisdiction's payouts
are unknown to it (404, or an unknown reference in a bank file).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import asyncpg

from billing.cycle import budget, locks, store
from billing.cycle.documents import APPROVED, AWAITING_BUDGET, ISSUED, PAID
from billing.cycle.run import audit
from billing.payouts import bank
from billing.payouts import payees as payees_of
from billing.payouts.reconcile import PayoutState, reconcile
from tuoyu.errors import Conflict, InvalidInput, NotFound
from tuoyu.money import format_cny


Codes = list[str] | None
IN = "($2::text[] IS NULL OR p.jurisdiction = ANY($2))"  # the month is $1, the codes $2


async def _billed(conn: asyncpg.Connection, month: str, codes: Codes) -> list[str]:
    """The jurisdictions within `codes` whose cycles billed the month (404 if none)."""
    billed = [r["jurisdiction"] for r in await conn.fetch(
        "SELECT jurisdiction FROM cycles WHERE month = $1 AND ($2::text[] IS NULL OR jurisdiction = ANY($2))",
        month, codes)]
    if not billed:
        raise NotFound(f"month {month} has not been billed: run `tuoyu bill --month {month}` first")
    return billed


async def approve_month(pool: asyncpg.Pool, month: str, actor: str, codes: Codes = None) -> dict:
    """Approve every `issued` payout of the month's cycle (the batch); approving again approves what is new.

    A payout whose facility has no bank account in effect stays issued (named in `not_approved`): approval records
    the payee, and there is none yet."""
    async with pool.acquire() as conn, conn.transaction():
        await locks.jurisdictions(conn, await _billed(conn, month, codes))
        await locks.payees(conn)
        rows = await conn.fetch(
            "UPDATE payouts p SET status = $3, approved_by = $4, approved_at = now() FROM facilities f "
            f"WHERE p.cycle_month = $1 AND {IN} AND p.status = $5 AND f.external_id = p.facility "
            "AND f.bank_account IS NOT NULL RETURNING p.number, p.facility, p.total_fen",
            month, codes, APPROVED, actor, ISSUED)
        approved = sorted((r["number"], r["facility"], r["total_fen"]) for r in rows)
        payees = await payees_of.freeze(conn, [n for n, _, _ in approved])
        await audit(conn, actor, "payouts_approved", {"month": month, "payouts": [n for n, _, _ in approved],
                                                      "total": format_cny(sum(t for _, _, t in approved)),
                                                      "payees": payees})
        waiting = await conn.fetch(
            "SELECT p.number, p.facility, p.status, p.total_fen, f.bank_account IS NULL AS no_account FROM payouts p "
            f"LEFT JOIN facilities f ON f.external_id = p.facility WHERE p.cycle_month = $1 AND {IN} "
            "AND p.status <> ALL($3) ORDER BY p.facility, p.number", month, codes, [APPROVED, PAID, "cancelled"])
    return {"month": month, "approved": [{"number": n, "facility": f, "total": format_cny(t)} for n, f, t in approved],
            "total": format_cny(sum(t for _, _, t in approved)),
            "not_approved": [{"number": r["number"], "facility": r["facility"], "status": r["status"],
                              "total": format_cny(r["total_fen"]),
                              **({"reason": "no bank account in effect: the facility registers one, or finance "
                                            "confirms the one it proposed"}
                                 if r["status"] == ISSUED and r["no_account"] else {})} for r in waiting]}


async def approve_over_budget(pool: asyncpg.Pool, number: str, reason: str, actor: str, codes: Codes = None
                              ) -> dict:
    reason = reason.strip()
    if len(reason) < 4:
        raise InvalidInput("reason", "say why this payout is approved over budget (at least a few words)")
    async with pool.acquire() as conn, conn.transaction():
        fund = await conn.fetchval(f"SELECT p.fund FROM payouts p WHERE p.number = $1 AND {IN}", number, codes)
        if fund is not None:
            await locks.fund(conn, fund)  # it moves the fund's money: not while a cycle funds from it
        await locks.payees(conn)
        row = await conn.fetchrow(f"SELECT status, total_fen, facility FROM payouts p WHERE number = $1 AND {IN} "
                                  "FOR UPDATE", number, codes)
        if row is None:
            raise NotFound(f"no payout {number!r}")
        if not await conn.fetchval("SELECT bank_account IS NOT NULL FROM facilities WHERE external_id = $1",
                                   row["facility"]):
            raise Conflict(f"facility {row['facility']} has no bank account in effect: approval records the payee")
        if row["status"] != AWAITING_BUDGET:
            raise Conflict(f"payout {number} is {row['status']}, not awaiting_budget: only a payout waiting for "
                           "budget can be approved over budget")
        await conn.execute(
            "UPDATE payouts SET status = $2, approved_by = $3, approved_at = now(), over_budget_reason = $4 "
            "WHERE number = $1", number, APPROVED, actor, reason)
        payees = await payees_of.freeze(conn, [number])
        await audit(conn, actor, "payout_approved_over_budget",
                    {"payout": number, "facility": row["facility"], "total": format_cny(row["total_fen"]),
                     "reason": reason, "payees": payees})
    return {"number": number, "status": APPROVED, "over_budget_reason": reason}


@dataclass
class _Waiting:
    number: str
    facility: str
    status: str
    cost_by_year: dict[int, int]


async def refund(conn: asyncpg.Connection, fund: str, actor: str) -> list[str]:
    """Fund waiting payouts of `fund` that now fit, in facility order (POLICY `budget`); in the caller's
    transaction, under the fund's lock. Returns the payouts funded."""
    rows = await conn.fetch(
        "SELECT p.number, p.facility, left(l.service_month, 4)::int AS year, sum(l.amount_fen)::bigint AS amount "
        "FROM payouts p JOIN payout_lines l ON l.payout = p.number WHERE p.status = $1 AND coalesce(p.fund, $2) = $2 "
        "GROUP BY 1, 2, 3", AWAITING_BUDGET, fund)
    waiting: dict[str, _Waiting] = {}
    for r in rows:
        w = waiting.setdefault(r["number"], _Waiting(r["number"], r["facility"], AWAITING_BUDGET, {}))
        w.cost_by_year[r["year"]] = r["amount"]
    if not waiting:
        return []
    years = {y for w in waiting.values() for y in w.cost_by_year}
    default = await store.default_budget(conn, fund)
    left = {}
    for year in years:
        total = await store.budget_of(conn, fund, year, default)
        left[year] = (total or 0) - await store.drawn(conn, fund, year)
    budget.fund(waiting.values(), left, waiting=AWAITING_BUDGET)
    funded = sorted(w.number for w in waiting.values() if w.status == ISSUED)
    if funded:
        await conn.execute("UPDATE payouts SET status = $2, funded_at = now() WHERE number = ANY($1)", funded, ISSUED)
        await audit(conn, actor, "payouts_funded", {"fund": fund, "payouts": funded})
    return funded


async def export(pool: asyncpg.Pool, month: str, actor: str, codes: Codes = None) -> str:
    """The bank file of the month's approved payouts (positive amounts; nothing to transfer otherwise)."""
    async with pool.acquire() as conn, conn.transaction():
        await _billed(conn, month, codes)
        rows = await conn.fetch(
            "SELECT p.number, p.facility, p.total_fen, p.payee_name AS name, p.payee_account AS bank_account "
            f"FROM payouts p WHERE p.cycle_month = $1 AND {IN} AND p.status = $3 AND p.total_fen > 0 "
            "ORDER BY p.facility, p.number", month, codes, APPROVED)
        missing = [r["facility"] for r in rows if not r["bank_account"]]
        if missing:
            raise InvalidInput("bank_account", f"facility {', '.join(sorted(set(missing)))} has no bank account on "
                                               "file (it is set when the health commission registers the facility)")
        payees = [bank.Payee(r["number"], r["facility"], r["name"], r["bank_account"], r["total_fen"]) for r in rows]
        await audit(conn, actor, "bank_file_exported", {"month": month, "payouts": [p.reference for p in payees],
                                                        "total": format_cny(sum(p.amount for p in payees))})
    return bank.export_csv(payees)


async def confirm(pool: asyncpg.Pool, text: str, file_name: str | None, actor: str, codes: Codes = None) -> dict:
    """Apply the bank's confirmation whole, or refuse it whole with every finding and its line number."""
    lines, findings = bank.parse_confirmation(text)
    digest = hashlib.sha256(text.encode()).hexdigest()
    async with pool.acquire() as conn:
        async with conn.transaction():
            await locks.payees(conn)
            rows = await conn.fetch(
                f"SELECT number, status, total_fen, paid_on FROM payouts p WHERE number = ANY($1) AND {IN} "
                "FOR UPDATE", [line.reference for line in lines], codes)
            on_file = {r["number"]: bank.OnFile(r["status"], r["total_fen"], r["paid_on"]) for r in rows}
            findings = bank.shown(sorted(findings + bank.check_confirmation(lines, on_file), key=lambda f: f.line))
            if not findings:
                paid = [line for line in lines if line.paid]
                confirmation = await conn.fetchval(
                    "INSERT INTO bank_confirmations (actor, file_name, sha256, lines, paid) VALUES ($1, $2, $3, $4, $5)"
                    " RETURNING id", actor, file_name, digest, len(lines), len(paid))
                await conn.executemany(
                    "UPDATE payouts SET status = $2, paid_amount_fen = $3, paid_on = $4, paid_at = now(), "
                    "confirmation = $5, bank_failed_on = NULL, bank_failure = NULL WHERE number = $1",
                    [(line.reference, PAID, line.amount, line.paid_on, confirmation) for line in paid])
                # A failed line leaves the payout approved, for the next bank file, with the bank's reason.
                failures = [line for line in lines if not line.paid]
                await conn.executemany(
                    "UPDATE payouts SET bank_failed_on = $2, bank_failure = $3 WHERE number = $1 AND status = $4",
                    [(line.reference, line.paid_on, line.reason or "no reason given", APPROVED) for line in failures])
                failed = [line.reference for line in failures]
                await audit(conn, actor, "bank_confirmation_imported",
                            {"file": file_name, "sha256": digest, "paid": [line.reference for line in paid],
                             "failed_at_bank": [{"payout": line.reference, "on": line.paid_on.isoformat(),
                                                 "reason": line.reason} for line in failures]})
                return {"confirmation": confirmation, "paid": [line.reference for line in paid],
                        "failed_at_bank": failed, "total_paid": format_cny(sum(line.amount for line in paid))}
        async with conn.transaction():  # the refusal itself is a finance action worth recording
            await audit(conn, actor, "bank_confirmation_refused",
                        {"file": file_name, "sha256": digest, "findings": [f.as_error() for f in findings]})
    raise InvalidInput([f.as_error() for f in findings])


async def reconciliation(pool: asyncpg.Pool, month: str, codes: Codes = None) -> dict:
    async with pool.acquire() as conn:
        await _billed(conn, month, codes)
        rows = await conn.fetch(
            "SELECT p.number, p.facility, p.status, p.total_fen, p.released_by, p.paid_amount_fen, p.paid_on, "
            "p.bank_failed_on, p.bank_failure, "
            "coalesce((SELECT sum(amount_fen) FROM payout_lines l WHERE l.payout = p.number), 0)::bigint AS lines "
            f"FROM payouts p WHERE p.cycle_month = $1 AND {IN}", month, codes)
    return reconcile(month, [PayoutState(r["number"], r["facility"], r["status"], r["total_fen"], r["lines"],
                                         r["released_by"], r["paid_amount_fen"], r["paid_on"], r["bank_failed_on"],
                                         r["bank_failure"]) for r in rows])
