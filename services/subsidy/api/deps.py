"""Request dependencies of the subsidy service."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from tuoyu import auth
from tuoyu.auth import Principal

async def principal(request: Request) -> Principal:
    s = request.app.state.settings
    return await auth.authenticate(request, s)


Caller = Annotated[Principal, Depends(principal)]


async def admin(caller: Caller) -> Principal:
    return caller.require(auth.ADMIN)


async def oversight(caller: Caller) -> Principal:
    return caller.require(auth.ADMIN, auth.FINANCE)


Admin = Annotated[Principal, Depends(admin)]
Oversight = Annotated[Principal, Depends(oversight)]
