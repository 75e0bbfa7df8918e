"""Request dependencies of the billing service: the caller and the month in the path."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request

from tuoyu import auth
from tuoyu.auth import Principal

MonthPath = Annotated[str, Path(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="a month such as 2022-09")]


async def principal(request: Request) -> Principal:
    s = request.app.state.settings
    return await auth.authenticate(request, s.admin_key.get_secret_value(), s.finance_key.get_secret_value())


Caller = Annotated[Principal, Depends(principal)]


async def finance(caller: Caller) -> Principal:
    return caller.require(auth.FINANCE)


async def oversight(caller: Caller) -> Principal:
    return caller.require(auth.FINANCE, auth.ADMIN)


Finance = Annotated[Principal, Depends(finance)]
Oversight = Annotated[Principal, Depends(oversight)]
