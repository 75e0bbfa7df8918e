"""Fund budgets per calendar year, set by the finance bureau (POLICY `budget`)."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Path, Request
from pydantic import AfterValidator, BaseModel, ConfigDict

from billing.api.deps import Finance, Oversight
from tuoyu.money import MoneyFormatError, format_cny, parse_cny

router = APIRouter(prefix="/budgets", tags=["budgets"])


def _amount(value: str) -> str:
    try:
        if parse_cny(value) < 0:
            raise ValueError("must not be negative")
    except MoneyFormatError as exc:
        raise ValueError(str(exc)) from None
    return value


class Budget(BaseModel):
    model_config = ConfigDict(extra="forbid")
    amount: Annotated[str, AfterValidator(_amount)]


Year = Annotated[int, Path(ge=2000, le=2100)]


@router.put("/{fund}/{year}", summary="Set the fund's budget for a year")
async def set_budget(fund: str, year: Year, body: Budget, request: Request, caller: Finance) -> dict:
    fen = parse_cny(body.amount)
    async with request.app.state.pool.acquire() as conn, conn.transaction():
        before = await conn.fetchval("SELECT amount_fen FROM budgets WHERE fund = $1 AND year = $2", fund, year)
        if before != fen:
            await conn.execute(
                "INSERT INTO budgets (fund, year, amount_fen, set_by) VALUES ($1, $2, $3, $4) ON CONFLICT (fund, year)"
                " DO UPDATE SET amount_fen = excluded.amount_fen, set_by = excluded.set_by, set_at = now()",
                fund, year, fen, caller.role)
            await conn.execute(
                "INSERT INTO audit_trail (actor, action, detail) VALUES ($1, 'budget_set', $2)", caller.role,
                json.dumps({"fund": fund, "year": year, "before": before, "after": fen}))
    return {"fund": fund, "year": year, "amount": format_cny(fen)}


@router.get("/{fund}/{year}", summary="The fund's budget for a year, if set")
async def get_budget(fund: str, year: Year, request: Request, _: Oversight) -> dict:
    fen = await request.app.state.pool.fetchval("SELECT amount_fen FROM budgets WHERE fund = $1 AND year = $2",
                                                fund, year)
    return {"fund": fund, "year": year, "amount": format_cny(fen) if fen is not None else None}
