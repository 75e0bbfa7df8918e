"""Payouts: the facility's money from each cycle, from `issued` through approval and the bank to `paid`.

`issued` → `approved` (finance approves the month's batch) → `paid` (the bank's confirmation); `held` until a
later passing review releases it; `awaiting_budget` until the budget is raised or finance approves it over
budget with a reason; `cancelled` when the facility is revoked. A facility's key sees only its own payouts.
"""

from __future__ import annotations

import json

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from billing.api.deps import Finance, Oversight, PayoutReader, actor
from billing.api.scope import JurisdictionQuery, codes
from billing.cycle.documents import STATUSES
from billing.payouts import actions
from tuoyu import auth
from tuoyu.auth import Principal
from tuoyu.bounds import Label
from tuoyu.errors import InvalidInput, NotFound
from tuoyu.money import format_cny
from tuoyu.months import MonthPath, MonthQuery

router = APIRouter(tags=["payouts"])


async def _payees_current(request: Request) -> None:
    """Approval records each payout's payee: first apply every facility change published so far."""
    if request.app.state.inbox is not None:
        await request.app.state.inbox.wait_caught_up()


async def approve_month(request: Request, caller: Principal, month: str, approver: str | None) -> dict:
    """The month's batch approved by the caller within its scope, `approver` named (the API's and the desk's)."""
    await _payees_current(request)
    return await actions.approve_month(request.app.state.pool, month, actor(caller, approver), caller.scope())


async def find(conn, month: str | None, status: str | None, facility: str | None, codes: list[str] | None) -> list:
    """The payouts of a month, a status, a facility, within `codes` (None: any), by month and facility."""
    return await conn.fetch(
        "SELECT * FROM payouts WHERE ($1::text IS NULL OR cycle_month = $1) AND ($2::text IS NULL OR status = $2) "
        "AND ($3::text IS NULL OR facility = $3) AND ($4::text[] IS NULL OR jurisdiction = ANY($4)) "
        "ORDER BY cycle_month, facility, number", month, status, facility, codes)


class Approval(BaseModel):
    model_config = ConfigDict(extra="forbid")
    approver: Label | None = Field(None, description="the person approving, for the audit trail")


class OverBudget(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(..., min_length=1, max_length=1000, description="why it is paid beyond the fund's budget")
    approver: Label | None = None


def _payout(row) -> dict:
    return {"number": row["number"], "cycle_month": row["cycle_month"], "jurisdiction": row["jurisdiction"],
            "facility": row["facility"],
            "status": row["status"], "total": format_cny(row["total_fen"]), "fund": row["fund"],
            "released_by": row["released_by"], "approved_by": row["approved_by"],
            "approved_at": row["approved_at"].isoformat() if row["approved_at"] else None,
            "over_budget_reason": row["over_budget_reason"],
            "paid_amount": format_cny(row["paid_amount_fen"]) if row["paid_amount_fen"] is not None else None,
            "paid_on": row["paid_on"].isoformat() if row["paid_on"] else None}


@router.get("/payouts", summary="Payouts, by month, status, facility and jurisdiction (a facility sees its own)")
async def list_payouts(request: Request, caller: PayoutReader,
                       month: MonthQuery = None, status: str | None = None, facility: str | None = None,
                       jurisdiction: JurisdictionQuery = None) -> list[dict]:
    if status is not None and status not in STATUSES:
        raise InvalidInput("status", f"must be one of {', '.join(STATUSES)}")
    if caller.role == auth.FACILITY:
        facility = caller.facility
    reached = await codes(request, caller, jurisdiction)
    async with request.app.state.pool.acquire() as conn:
        rows = await find(conn, month, status, facility, reached)
    return [_payout(r) for r in rows]


@router.get("/payouts/{number}", summary="One payout with its lines")
async def get_payout(number: str, request: Request, caller: PayoutReader) -> dict:
    pool = request.app.state.pool
    row = await pool.fetchrow("SELECT * FROM payouts WHERE number = $1", number)
    if row is None or not caller.may_see_facility(row["facility"]) or not caller.may_act_in(row["jurisdiction"]):
        raise NotFound(f"no payout {number!r}")
    lines = await pool.fetch("SELECT * FROM payout_lines WHERE payout = $1 ORDER BY line_no", number)
    return {**_payout(row), "explanation": json.loads(row["explanation"]) if row["explanation"] else None,
            "lines": [{"kind": l["kind"], "service_month": l["service_month"], "subject": l["subject"],
                       "amount": format_cny(l["amount_fen"]), "rule": l["rule"], "corrects": l["corrects"],
                       "explanation": json.loads(l["explanation"])} for l in lines]}


@router.post("/payouts/{month}/approve", summary="Approve the month's batch: every issued payout becomes approved")
async def approve(month: MonthPath, request: Request, caller: Finance, body: Approval | None = None) -> dict:
    return await approve_month(request, caller, month, body and body.approver)


@router.post("/payouts/{number}/approve-over-budget",
             summary="Approve a payout that waits for budget, beyond the budget, with the reason")
async def approve_over_budget(number: str, body: OverBudget, request: Request, caller: Finance) -> dict:
    await _payees_current(request)
    return await actions.approve_over_budget(request.app.state.pool, number, body.reason,
                                             actor(caller, body.approver), caller.scope())


@router.get("/bank-files/{month}", summary="The bank file (CSV) of the month's approved payouts",
            response_class=Response, responses={200: {"content": {"text/csv": {}}}})
async def bank_file(month: MonthPath, request: Request, caller: Finance) -> Response:
    # No wait for the enrollment topic: each payout pays the payee recorded when it was approved.
    text = await actions.export(request.app.state.pool, month, actor(caller), caller.scope())
    return Response(text, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="payouts-{month}.csv"'})


@router.post("/bank-confirmations", summary="Import the bank's confirmation (CSV: reference, amount, paid_on, "
                                           "status); all lines or none", status_code=201)
async def bank_confirmation(request: Request, caller: Finance, file_name: str | None = None) -> dict:
    return await import_confirmation(request, caller, await request.body(), file_name)


async def import_confirmation(request: Request, caller: Principal, raw: bytes, file_name: str | None,
                              field: str = "body") -> dict:
    """The bank's confirmation (the bytes of its file, posted as `field`) applied whole within the caller's scope,
    or refused whole (the API's and the desk's)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput(field, "the confirmation file must be UTF-8 CSV") from None
    return await actions.confirm(request.app.state.pool, text, file_name, actor(caller), caller.scope())


@router.get("/reconcile/{month}", summary="Issued vs approved vs paid for the month's payouts, every difference")
async def reconcile(month: MonthPath, request: Request, caller: Oversight,
                    jurisdiction: JurisdictionQuery = None) -> dict:
    return await actions.reconciliation(request.app.state.pool, month, await codes(request, caller, jurisdiction))
