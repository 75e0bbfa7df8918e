"""Fund budgets per calendar year, set by the finance bureau (POLICY `budget`).

Raising a budget funds, in the same transaction, the payouts that wait for it and now fit (facility order). A
budget is refused below what the fund has drawn for the year, and for a fund that no loaded rule set names
(POLICY "Guard rails": budgets are honest).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict

from billing.api.deps import Finance, Oversight, YearPath, actor
from billing.cycle import store
from billing.cycle.documents import AWAITING_BUDGET, HELD
from billing.cycle.run import CYCLE_LOCK, audit
from billing.payouts.actions import refund
from tuoyu.bounds import Amount, Label
from tuoyu.errors import InvalidInput
from tuoyu.money import format_cny, parse_cny

router = APIRouter(prefix="/budgets", tags=["budgets"])


class Budget(BaseModel):
    model_config = ConfigDict(extra="forbid")
    amount: Amount
    approver: Label | None = None


@router.put("/{fund}/{year}", summary="Set the fund's budget for a year; waiting payouts that now fit are funded")
async def set_budget(fund: str, year: YearPath, body: Budget, request: Request, caller: Finance) -> dict:
    fen = parse_cny(body.amount)
    who = actor(caller, body.approver)
    funds = await request.app.state.subsidy.funds()
    if fund not in funds:
        raise InvalidInput("fund", f"no rule set names the fund {fund!r}; the funds are {', '.join(sorted(funds))}")
    async with request.app.state.pool.acquire() as conn, conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", CYCLE_LOCK)
        drawn = await store.drawn(conn, fund, year)
        if fen < drawn:
            raise InvalidInput("amount", f"must be at least {format_cny(drawn)}, what the fund has already drawn "
                                         f"for {year}")
        before = await conn.fetchval("SELECT amount_fen FROM budgets WHERE fund = $1 AND year = $2", fund, year)
        if before != fen:
            await conn.execute(
                "INSERT INTO budgets (fund, year, amount_fen, set_by) VALUES ($1, $2, $3, $4) ON CONFLICT (fund, year)"
                " DO UPDATE SET amount_fen = excluded.amount_fen, set_by = excluded.set_by, set_at = now()",
                fund, year, fen, who)
            await audit(conn, who, "budget_set", {"fund": fund, "year": year,
                                                  "before": format_cny(before) if before is not None else None,
                                                  "after": format_cny(fen)})
        funded = await refund(conn, fund, who)
    return {"fund": fund, "year": year, "amount": format_cny(fen), "funded": funded}


async def _standing(conn, fund: str, year: int) -> dict:
    default = await store.default_budget(conn, fund)
    amount = await store.budget_of(conn, fund, year, default)
    drawn = await store.drawn(conn, fund, year)
    waiting = await store.drawn(conn, fund, year, (AWAITING_BUDGET,))
    held = await store.drawn(conn, fund, year, (HELD,))
    money = lambda fen: format_cny(fen) if fen is not None else None  # noqa: E731
    return {"fund": fund, "year": year, "amount": money(amount), "drawn": money(drawn),
            "left": money(amount - drawn) if amount is not None else None,
            "awaiting_budget": money(waiting), "held": money(held)}


@router.get("", summary="Every fund and year: budget, drawn, left, what waits and what is held")
async def list_budgets(request: Request, _: Oversight) -> list[dict]:
    async with request.app.state.pool.acquire() as conn:
        pairs = await conn.fetch(
            "SELECT fund, year FROM budgets UNION SELECT DISTINCT p.fund, left(l.service_month, 4)::int FROM payouts p "
            "JOIN payout_lines l ON l.payout = p.number WHERE p.fund IS NOT NULL ORDER BY 1, 2")
        return [await _standing(conn, r["fund"], r["year"]) for r in pairs]


@router.get("/{fund}/{year}", summary="The fund's budget for a year: set or default, drawn, left")
async def get_budget(fund: str, year: YearPath, request: Request, _: Oversight) -> dict:
    async with request.app.state.pool.acquire() as conn:
        return await _standing(conn, fund, year)
