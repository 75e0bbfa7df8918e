"""Request dependencies of the subsidy service: the caller, and what an official's scope lets it see and load.

Callers: the health commission and the finance bureau, with the platform-wide keys from settings or keys scoped to
a jurisdiction (the enrollment service says whose a key is, on each request: `tuoyu.key_directory`). A facility key
serves no route here, so it stays unknown (401).
"""

from __future__ import annotations

from typing import Annotated, Sequence

import asyncpg
from fastapi import Depends, Request

from subsidy import jurisdiction_store
from tuoyu import auth
from tuoyu.auth import Principal
from tuoyu.errors import InvalidInput, NotFound
from tuoyu.hashing import keyed_hash
from tuoyu.jurisdictions import Tree, lineage
from tuoyu.months import Month


async def lookup(request: Request, key: str) -> Principal | None:
    """An official's key (scoped to a jurisdiction), by its keyed hash; anyone else's is not known here."""
    digest = keyed_hash(request.app.state.settings.hash_pepper.get_secret_value(), key)
    found = await request.app.state.keys.principal_of(digest)
    return found if found is not None and found.role in (auth.ADMIN, auth.FINANCE) else None


async def principal(request: Request) -> Principal:
    s = request.app.state.settings
    return await auth.authenticate(request, s, lambda key: lookup(request, key))


Caller = Annotated[Principal, Depends(principal)]


async def admin(caller: Caller) -> Principal:
    return caller.require(auth.ADMIN)


async def oversight(caller: Caller) -> Principal:
    return caller.require(auth.ADMIN, auth.FINANCE)


Admin = Annotated[Principal, Depends(admin)]
Oversight = Annotated[Principal, Depends(oversight)]


def require_jurisdiction(caller: Principal, code: str | None) -> None:
    """404 unless the caller's scope holds jurisdiction `code` (`/due`, its batches, what-if for a jurisdiction; None
    or UNPLACED: facilities in none, which only platform-wide keys see)."""
    if not caller.may_act_in(code):
        raise NotFound(f"no jurisdiction {code!r} for this key")


async def month_jurisdiction(conn: asyncpg.Connection, caller: Principal, month: Month, asked: str | None) -> str:
    """The jurisdiction a month's question is about (`jurisdiction_store.of_month`), 404 unless the caller's scope
    holds it: the one asked, or, left out, the one resolved among those it holds (none: UNPLACED, 404 to it)."""
    code = await jurisdiction_store.of_month(conn, month, asked, caller.may_act_in)
    require_jurisdiction(caller, code)
    return code


def may_load(caller: Principal, jurisdictions: Sequence[str]) -> None:
    """A scoped commission loads only a rule set whose `jurisdictions` all lie within its cover; a document naming
    none covers the whole platform, which only a platform key loads (422 on `jurisdictions` otherwise)."""
    if caller.platform_wide:
        return
    if not jurisdictions:
        raise InvalidInput("jurisdictions", f"a key for {caller.jurisdiction} loads only rule sets naming the "
                                            f"jurisdictions they cover, each {caller.jurisdiction} or under it")
    outside = sorted(set(jurisdictions) - caller.covers)
    if outside:
        raise InvalidInput("jurisdictions", f"{', '.join(outside)} not within {caller.jurisdiction}, which this key "
                                            f"covers")


def covers_scope(caller: Principal, jurisdictions: Sequence[str], tree: Tree) -> bool:
    """Whether `GET /rulesets` lists a rule set covering `jurisdictions` to the caller: one that covers the caller's
    jurisdiction (its own, a city's or a province's above it, or the whole platform's: none named) or one of a
    jurisdiction under it."""
    if caller.platform_wide or not jurisdictions:
        return True
    above = set(lineage(caller.jurisdiction, tree))
    return any(code in above or code in caller.covers for code in jurisdictions)
