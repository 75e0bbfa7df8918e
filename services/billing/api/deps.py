"""Request dependencies of the billing service: the caller and the year in the path.

Callers: the finance bureau and the health commission (platform-wide keys from settings, or keys scoped to a
jurisdiction), a facility (its API key) and a family (its access token, issued here, kept as a keyed hash). Facility
and scoped keys are checked with the enrollment service on each request (`tuoyu.key_directory`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request

from tuoyu import auth, bounds
from tuoyu.auth import Principal
from tuoyu.hashing import keyed_hash

YearPath = Annotated[int, Path(ge=bounds.FIRST_DAY.year, le=bounds.LAST_DAY.year,
                                description="a calendar year such as 2022")]


def pepper(request: Request) -> str:
    return request.app.state.settings.hash_pepper.get_secret_value()


async def lookup(request: Request, key: str) -> Principal | None:
    """A family token (billing issues them), or a facility's or an official's key (the enrollment service says
    whose, now, and what an official's jurisdiction covers), by its keyed hash; revoked ones are not found."""
    digest = keyed_hash(pepper(request), key)
    row = await request.app.state.pool.fetchrow(
        "SELECT facility, family FROM family_tokens WHERE token_hash = $1 AND revoked_at IS NULL", digest)
    if row:
        return Principal(auth.FAMILY, facility=row["facility"], family=row["family"])
    return await request.app.state.keys.principal_of(digest)


async def official(request: Request, key_hash: str) -> Principal | None:
    """Whose key a desk's session was signed in with, by the key's keyed hash, now: a key in settings, else the
    enrollment service's answer as for `lookup` (a family token never signs in at a desk)."""
    return auth.settings_holder(request.app.state.settings, pepper(request), key_hash) \
        or await request.app.state.keys.principal_of(key_hash)


async def principal(request: Request) -> Principal:
    s = request.app.state.settings
    return await auth.authenticate(request, s, lambda key: lookup(request, key))


Caller = Annotated[Principal, Depends(principal)]


async def finance(caller: Caller) -> Principal:
    return caller.require(auth.FINANCE)


async def oversight(caller: Caller) -> Principal:
    return caller.require(auth.FINANCE, auth.ADMIN)


async def payout_reader(caller: Caller) -> Principal:
    return caller.require(auth.FINANCE, auth.ADMIN, auth.FACILITY)


async def token_issuer(caller: Caller) -> Principal:
    return caller.require(auth.ADMIN, auth.FACILITY)


Finance = Annotated[Principal, Depends(finance)]
Oversight = Annotated[Principal, Depends(oversight)]
PayoutReader = Annotated[Principal, Depends(payout_reader)]
TokenIssuer = Annotated[Principal, Depends(token_issuer)]


def actor(caller: Principal, name: str | None = None) -> str:
    """Who did it, for the audit trail: the role, the facility, and the person's name when given."""
    who = caller.role if caller.facility is None else f"{caller.role}:{caller.facility}"
    return f"{who} ({name})" if name else who

