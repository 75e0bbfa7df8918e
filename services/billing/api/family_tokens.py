"""Family access tokens: issued by the facility (its key) or the health commission, revocable.

The token is shown once, in the answer that issues it, with the page's address; billing keeps only its keyed
hash. A facility issues and revokes tokens for its own families only.
"""

from __future__ import annotations

import asyncio
import time
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from billing.api import scope
from billing.api.deps import TokenIssuer, actor, pepper
from billing.cycle.run import audit
from tuoyu import auth
from tuoyu.auth import Principal
from tuoyu.bounds import ExternalId
from tuoyu.errors import InvalidInput, NotFound
from tuoyu.hashing import keyed_hash, new_secret

router = APIRouter(prefix="/family-tokens", tags=["family"])


class NewToken(BaseModel):
    model_config = ConfigDict(extra="forbid")
    facility: ExternalId | None = Field(None, description="the family's facility (a facility key: its own)")
    family: ExternalId


def _scope(caller: Principal, facility: str | None) -> str:
    if caller.role == auth.FACILITY:
        if facility not in (None, caller.facility):
            raise NotFound(f"no family at facility {facility!r}")
        return caller.facility
    if facility is None:
        raise InvalidInput("facility", "name the family's facility (its external_id)")
    return facility


async def _family_known(request: Request, facility: str, family: str, wait: float = 15) -> bool:
    """The family is registered (its event may still be on its way: wait until billing has caught up)."""
    pool, inbox = request.app.state.pool, request.app.state.inbox
    deadline = time.monotonic() + wait
    while True:
        if await pool.fetchval("SELECT 1 FROM families WHERE facility = $1 AND external_id = $2 UNION ALL "
                               "SELECT 1 FROM family_documents WHERE facility = $1 AND family = $2 LIMIT 1",
                               facility, family):
            return True
        try:
            lag = await inbox.lag() if inbox is not None else 0
        except RuntimeError:
            lag = 1
        if lag == 0 or time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.2)


@router.post("", status_code=201, summary="Issue a token for a family: the token is in this answer and nowhere else")
async def issue(body: NewToken, request: Request, caller: TokenIssuer) -> dict:
    facility = _scope(caller, body.facility)
    await scope.reach_facility(request, caller, facility)
    if not await _family_known(request, facility, body.family):
        raise NotFound(f"no family {body.family!r} at facility {facility!r}")
    token = new_secret("fam")
    who = actor(caller)
    async with request.app.state.pool.acquire() as conn, conn.transaction():
        token_id = await conn.fetchval(
            "INSERT INTO family_tokens (facility, family, token_hash, issued_by) VALUES ($1, $2, $3, $4) RETURNING id",
            facility, body.family, keyed_hash(pepper(request), token), who)
        await audit(conn, who, "family_token_issued", {"id": token_id, "facility": facility, "family": body.family})
    settings = request.app.state.settings
    base = (settings.public_url or settings.billing_url).rstrip("/")
    return {"id": token_id, "facility": facility, "family": body.family, "token": token,
            "url": f"{base}/family?token={token}"}


@router.get("", summary="A facility's family tokens (never the tokens themselves)")
async def listed(request: Request, caller: TokenIssuer, facility: str | None = None,
                 family: str | None = None) -> list[dict]:
    facility = caller.facility if caller.role == auth.FACILITY else facility
    rows = await request.app.state.pool.fetch(
        "SELECT id, facility, family, issued_by, issued_at, revoked_at FROM family_tokens "
        "WHERE ($1::text IS NULL OR facility = $1) AND ($2::text IS NULL OR family = $2) ORDER BY id",
        facility, family)
    # Each facility's reach once, not once a token.
    reached = {f for f in {r["facility"] for r in rows} if await _reached(request, caller, f)}
    return [{"id": r["id"], "facility": r["facility"], "family": r["family"], "issued_by": r["issued_by"],
             "issued_at": r["issued_at"].isoformat(),
             "revoked_at": r["revoked_at"].isoformat() if r["revoked_at"] else None}
            for r in rows if r["facility"] in reached]


async def _reached(request: Request, caller: Principal, facility: str) -> bool:
    try:
        await scope.reach_facility(request, caller, facility)
    except NotFound:
        return False
    return True


@router.delete("/{token_id}", status_code=204, summary="Revoke a family token (revoking again does nothing)")
async def revoke(token_id: Annotated[int, Path(ge=1, le=2**63 - 1)], request: Request,
                 caller: TokenIssuer) -> Response:
    who = actor(caller)
    async with request.app.state.pool.acquire() as conn, conn.transaction():
        row = await conn.fetchrow("SELECT facility, family, revoked_at FROM family_tokens WHERE id = $1 FOR UPDATE",
                                  token_id)
        if row is None or not caller.may_see_facility(row["facility"]) \
                or not await _reached(request, caller, row["facility"]):
            raise NotFound(f"no family token {token_id}")
        if row["revoked_at"] is None:
            await conn.execute("UPDATE family_tokens SET revoked_at = now(), revoked_by = $2 WHERE id = $1",
                               token_id, who)
            await audit(conn, who, "family_token_revoked",
                        {"id": token_id, "facility": row["facility"], "family": row["family"]})
    return Response(status_code=204)
