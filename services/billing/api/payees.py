"""A facility's bank account as billing pays it: in effect, or proposed and waiting for finance to confirm."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from billing.api import scope
from billing.api.deps import Finance, PayoutReader, actor
from billing.cycle import locks
from billing.payouts import payees
from tuoyu.auth import Principal
from tuoyu.errors import NotFound

router = APIRouter(prefix="/facilities/{facility}/bank-account", tags=["payouts"])


class Confirmation(BaseModel):
    model_config = ConfigDict(extra="forbid")
    account: str = Field(..., min_length=1, max_length=64, description="the proposed account, as the confirmer "
                                                                       "checked it with the facility")
    approver: str | None = Field(None, max_length=100, description="the person confirming, for the audit trail")


@router.get("", summary="The account payouts are approved to, and a change waiting for confirmation")
async def bank_account(facility: str, request: Request, caller: PayoutReader) -> dict:
    if not caller.may_see_facility(facility):
        raise NotFound(f"no facility {facility!r}")
    if request.app.state.inbox is not None:
        await request.app.state.inbox.wait_caught_up()  # the latest change the facility made
    await scope.reach_facility(request, caller, facility)
    async with request.app.state.pool.acquire() as conn:
        return await payees.standing(conn, facility)


@router.post("/confirm", summary="Confirm a facility's new bank account: payouts approved from now on pay it")
async def confirm(facility: str, body: Confirmation, request: Request, caller: Finance) -> dict:
    return await confirm_account(request, caller, facility, body.account, body.approver)


async def confirm_account(request: Request, caller: Principal, facility: str, account: str,
                          approver: str | None) -> dict:
    """The proposed account confirmed by the caller, for a facility it reaches (the API's and the desk's)."""
    if request.app.state.inbox is not None:
        await request.app.state.inbox.wait_caught_up()
    await scope.reach_facility(request, caller, facility)
    async with request.app.state.pool.acquire() as conn, conn.transaction():
        await locks.payees(conn)  # not while a batch is being approved
        return await payees.confirm(conn, facility, account, actor(caller, approver))
