"""Fund budgets per calendar year, set by the finance bureau (POLICY `budget`).

Raising a budget funds, in the same transaction, the payouts that wait for it and now fit (facility order). A
budget is refused below what the fund has drawn for the year, and for a fund that no loaded rule set names
(POLICY "Guard rails": budgets are honest).

A fund is the jurisdictions' that its rule sets cover and whose cycles drew on it: a scoped finance key sees a
fund one of those is in its scope, and sets its budget only when all of them are (a city's fund is the city's,
not one district's); other funds are 404 to it.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict

from billing.api.deps import Finance, Oversight, YearPath, actor
from billing.cycle import store
from billing.cycle.documents import AWAITING_BUDGET, HELD
from billing.cycle import locks
from billing.cycle.run import audit
from billing.payouts.actions import refund
from tuoyu.bounds import Amount, Label
from tuoyu.auth import Principal
from tuoyu.errors import InvalidInput, NotFound
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
        raise InvalidInput("fund", f"no rule set names the fund {fund!r}; the funds are "
                                   f"{', '.join(sorted(f for f, covered in funds.items() if _sees(caller, covered)))}")
    async with request.app.state.pool.acquire() as conn, conn.transaction():
        owners = funds[fund] | await _drawn_by(conn, fund)
        if not caller.platform_wide and not all(caller.may_act_in(code) for code in owners):
            raise NotFound(f"no fund {fund!r} for this key: it is also {', '.join(sorted(owners))}'s")
        await locks.fund(conn, fund)
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


async def _drawn_by(conn, fund: str) -> frozenset[str]:
    """The jurisdictions whose cycles drew on the fund."""
    return frozenset(r["jurisdiction"] for r in await conn.fetch(
        "SELECT DISTINCT jurisdiction FROM cycles WHERE fund = $1", fund))


def _sees(caller: Principal, owners) -> bool:
    return caller.platform_wide or any(caller.may_act_in(code) for code in owners)


async def standing(conn, fund: str, year: int) -> dict:
    """The fund's year in fen: budget (set or the rule set's default; None if neither), drawn, left, what waits for
    budget and what is held."""
    default = await store.default_budget(conn, fund)
    amount = await store.budget_of(conn, fund, year, default)
    drawn = await store.drawn(conn, fund, year)
    return {"fund": fund, "year": year, "amount": amount, "drawn": drawn,
            "left": amount - drawn if amount is not None else None,
            "awaiting_budget": await store.drawn(conn, fund, year, (AWAITING_BUDGET,)),
            "held": await store.drawn(conn, fund, year, (HELD,))}


def _in_yuan(fen_standing: dict) -> dict:
    return {k: format_cny(v) if isinstance(v, int) and k != "year" else v for k, v in fen_standing.items()}


async def visible(request: Request, caller: Principal) -> list[tuple[str, int]]:
    """Every (fund, year) with a budget or a payout drawing on it, that the caller sees."""
    covered = {} if caller.platform_wide else await request.app.state.subsidy.funds()
    async with request.app.state.pool.acquire() as conn:
        pairs = await conn.fetch(
            "SELECT fund, year FROM budgets UNION SELECT DISTINCT p.fund, left(l.service_month, 4)::int FROM payouts p "
            "JOIN payout_lines l ON l.payout = p.number WHERE p.fund IS NOT NULL ORDER BY 1, 2")
        return [(r["fund"], r["year"]) for r in pairs
                if caller.platform_wide
                or _sees(caller, covered.get(r["fund"], frozenset()) | await _drawn_by(conn, r["fund"]))]


@router.get("", summary="Every fund and year: budget, drawn, left, what waits and what is held")
async def list_budgets(request: Request, caller: Oversight) -> list[dict]:
    pairs = await visible(request, caller)
    async with request.app.state.pool.acquire() as conn:
        return [_in_yuan(await standing(conn, fund, year)) for fund, year in pairs]


@router.get("/{fund}/{year}", summary="The fund's budget for a year: set or default, drawn, left")
async def get_budget(fund: str, year: YearPath, request: Request, caller: Oversight) -> dict:
    covered = {} if caller.platform_wide else await request.app.state.subsidy.funds()
    async with request.app.state.pool.acquire() as conn:
        if not _sees(caller, covered.get(fund, frozenset()) | await _drawn_by(conn, fund)):
            raise NotFound(f"no fund {fund!r} for this key")
        return _in_yuan(await standing(conn, fund, year))
