"""Who a payout pays: the facility's bank account as the finance bureau confirmed it, frozen when approved.

POLICY "Guard rails": a facility may change its bank account (its own key may), but the change only proposes the
new account; the finance bureau confirms it (four eyes) and only payouts approved after that pay it. Only the
account the facility registered with is in effect at once. Every proposal and confirmation is in the audit
trail with both accounts, who and when.
"""

from __future__ import annotations

import json
from datetime import date

import asyncpg

from billing.cycle.run import audit
from tuoyu.errors import Conflict, NotFound
from tuoyu.jurisdictions import UNPLACED, jurisdiction_on


def same_account(a: str | None, b: str | None) -> bool:
    """Whether two account numbers are one: people group the digits with spaces."""
    return (a or "").replace(" ", "") == (b or "").replace(" ", "") and (a is None) == (b is None)


def account_decision(confirmed: str | None, incoming: str | None) -> str | None:
    """The account left waiting for confirmation after a facility's record says `incoming` (None: nothing waits).

    Pure: the account in effect again clears a proposal; any other, even a first one added later, is proposed.
    """
    return None if same_account(incoming, confirmed) else incoming


async def record_facility(conn: asyncpg.Connection, external_id: str, name: str, bank_account: str | None,
                          version: int, jurisdictions: list[tuple[date, str]] = ()) -> None:
    """Apply a facility snapshot from the enrollment topic: name and jurisdictions (its history, for whose
    officials reach it) at once, a new bank account as a proposal."""
    history = json.dumps([[day.isoformat(), code] for day, code in jurisdictions])
    row = await conn.fetchrow(
        "SELECT bank_account, proposed_bank_account, version FROM facilities WHERE external_id = $1 FOR UPDATE",
        external_id)
    if row is None:
        await conn.execute("INSERT INTO facilities (external_id, name, bank_account, version, jurisdictions) "
                           "VALUES ($1, $2, $3, $4, $5)", external_id, name, bank_account, version, history)
        return
    if row["version"] >= version:
        return  # an older or repeated snapshot
    in_effect, proposed = row["bank_account"], account_decision(row["bank_account"], bank_account)
    await conn.execute(
        "UPDATE facilities SET name = $2, version = $3, proposed_bank_account = $4, bank_account_proposed_at = "
        "CASE WHEN $4::text IS NULL THEN NULL WHEN $4 IS DISTINCT FROM proposed_bank_account THEN now() "
        "ELSE bank_account_proposed_at END, jurisdictions = $5 WHERE external_id = $1",
        external_id, name, version, proposed, history)
    if proposed is not None and proposed != row["proposed_bank_account"]:
        await audit(conn, f"facility {external_id}", "bank_account_proposed",
                    {"facility": external_id, "in_effect": in_effect, "proposed": proposed})


async def jurisdiction_of(conn: asyncpg.Connection, facility: str, today: date) -> str | None:
    """The facility's jurisdiction today (UNPLACED if it has none); None if billing does not know it."""
    history = await conn.fetchval("SELECT jurisdictions FROM facilities WHERE external_id = $1", facility)
    return None if history is None else _jurisdiction_on(history, today)


def _jurisdiction_on(history: str, today: date) -> str:
    entries = [(date.fromisoformat(day), code) for day, code in json.loads(history)]
    return jurisdiction_on(entries, today) or UNPLACED


async def without_account(conn: asyncpg.Connection, facilities: list[str]) -> set[str]:
    """Those of the facilities with no bank account in effect: their payouts cannot be approved (no payee yet)."""
    return {r["external_id"] for r in await conn.fetch(
        "SELECT external_id FROM facilities WHERE external_id = ANY($1) AND bank_account IS NULL", facilities)}


async def waiting(conn: asyncpg.Connection, today: date) -> list[dict]:
    """Every facility whose new bank account waits for confirmation, oldest proposal first, with its jurisdiction
    today (for whose officials reach it)."""
    rows = await conn.fetch(
        "SELECT external_id, name, bank_account, proposed_bank_account, bank_account_proposed_at, jurisdictions "
        "FROM facilities WHERE proposed_bank_account IS NOT NULL ORDER BY bank_account_proposed_at, external_id")
    return [{"facility": r["external_id"], "name": r["name"], "bank_account": r["bank_account"],
             "proposed": r["proposed_bank_account"], "proposed_at": r["bank_account_proposed_at"],
             "jurisdiction": _jurisdiction_on(r["jurisdictions"], today)} for r in rows]


async def standing(conn: asyncpg.Connection, facility: str) -> dict:
    row = await conn.fetchrow("SELECT bank_account, proposed_bank_account, bank_account_proposed_at FROM facilities "
                              "WHERE external_id = $1", facility)
    if row is None:
        raise NotFound(f"no facility {facility!r}")
    at = row["bank_account_proposed_at"]
    return {"facility": facility, "bank_account": row["bank_account"], "proposed": row["proposed_bank_account"],
            "proposed_at": at.isoformat() if at else None}


async def confirm(conn: asyncpg.Connection, facility: str, account: str, actor: str) -> dict:
    """Put the proposed account in effect; `account` must be the one proposed (what the confirmer checked)."""
    row = await conn.fetchrow("SELECT bank_account, proposed_bank_account FROM facilities WHERE external_id = $1 "
                              "FOR UPDATE", facility)
    if row is None:
        raise NotFound(f"no facility {facility!r}")
    if row["proposed_bank_account"] is None:
        raise Conflict(f"facility {facility} has no bank account change waiting for confirmation")
    if not same_account(account, row["proposed_bank_account"]):
        raise Conflict(f"the account waiting for confirmation is not {account!r}: check the facility's request again")
    await conn.execute("UPDATE facilities SET bank_account = proposed_bank_account, proposed_bank_account = NULL, "
                       "bank_account_proposed_at = NULL WHERE external_id = $1", facility)
    # A payout the bank sent back (a closed account, say) is paid again by the next bank file: to the account finance
    # has just confirmed, not the one that failed. Every other approved payout keeps the payee it was approved with.
    redirected = await conn.fetch(
        "UPDATE payouts p SET payee_name = f.name, payee_account = f.bank_account FROM facilities f "
        "WHERE f.external_id = $1 AND p.facility = f.external_id AND p.status = 'approved' "
        "AND p.bank_failed_on IS NOT NULL RETURNING p.number", facility)
    await audit(conn, actor, "bank_account_confirmed",
                {"facility": facility, "before": row["bank_account"], "after": row["proposed_bank_account"],
                 "failed_payouts_now_paid_to_it": sorted(r["number"] for r in redirected)})
    return await standing(conn, facility)


async def freeze(conn: asyncpg.Connection, numbers: list[str]) -> dict[str, str | None]:
    """Record on each approved payout the payee in effect now; the bank file pays that account, whatever follows."""
    rows = await conn.fetch(
        "UPDATE payouts p SET payee_name = f.name, payee_account = f.bank_account FROM facilities f "
        "WHERE p.number = ANY($1) AND f.external_id = p.facility RETURNING p.number, p.payee_account", numbers)
    return {r["number"]: r["payee_account"] for r in rows}
