"""The jurisdictions a finance or commission request reaches: what its key covers, narrowed to a code asked for.

A scoped key (an official of a jurisdiction) reaches that jurisdiction and those under it; anything else is 404 to
it, as another facility's records are to a facility. Unplaced records (facilities in no jurisdiction) reach only
platform-wide keys. Billing knows the tree from `JurisdictionAdded` events (`billing.consumer`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request

from billing.cycle.driver import tree
from billing.payouts import payees
from tuoyu.auth import Principal
from tuoyu.errors import NotFound
from tuoyu.jurisdictions import CODE_PATTERN, under

JurisdictionQuery = Annotated[str | None, Query(pattern=CODE_PATTERN, description=(
    "a jurisdiction's six-digit code (GB/T 2260): a city's or a province's reaches its districts"))]


async def caught_up(request: Request, code: str | None) -> None:
    """Before a code is read as a tree (a city's districts), every jurisdiction added so far is known here."""
    if code is not None and request.app.state.inbox is not None:
        await request.app.state.inbox.wait_caught_up()


async def codes(request: Request, caller: Principal, code: str | None) -> list[str] | None:
    """The jurisdictions the request reads (None: every one): those under `code` within the caller's scope."""
    if code is None:
        return caller.scope()
    if not caller.may_act_in(code):
        raise NotFound(f"no jurisdiction {code!r} for this key")
    await caught_up(request, code)
    async with request.app.state.pool.acquire() as conn:
        within = under(code, await tree(conn))
    return sorted(within if caller.covers is None else within & caller.covers)


async def reach_facility(request: Request, caller: Principal, facility: str) -> None:
    """A scoped official reaches a facility in its jurisdictions today; any other is 404 to it (a facility key's own
    scope is checked by its route)."""
    if caller.platform_wide or caller.facility is not None:
        return
    async with request.app.state.pool.acquire() as conn:
        code = await payees.jurisdiction_of(conn, facility, request.app.state.settings.today())
    if not caller.may_act_in(code):
        raise NotFound(f"no facility {facility!r}")
