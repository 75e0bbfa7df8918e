"""API keys, stored only as keyed hashes: a facility's, issued and revoked by the health commission; an official's
(a commission or finance key scoped to a jurisdiction), by the platform operator; and whose any key is, now."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from enrollment.api import schemas
from enrollment.api.deps import CommissionFacility, Operator, PlatformAdmin, Today, key_answer, pepper, unit_of_work
from enrollment.handlers import keys
from enrollment.store import keys as store
from enrollment.store.facilities import facility_id
from enrollment.domain.models import NewKey, NewOfficialKey

router = APIRouter(prefix="/facilities/{facility}/keys", tags=["keys"])
introspection = APIRouter(tags=["keys"])
officials = APIRouter(prefix="/official-keys", tags=["keys"])
KeyId = Annotated[int, Path(ge=1, le=2**63 - 1)]


class KeyQuestion(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key_hash: str = Field(..., min_length=1, max_length=128, description="the key's keyed hash (the shared pepper)")


@introspection.post("/key-introspection", response_model=schemas.KeyAnswer,
                    summary="Whose key is this, now: other services ask on every request (RFC 7662's idea)")
async def introspect(body: KeyQuestion, request: Request, _: PlatformAdmin) -> dict:
    """The answer is read from the table a revocation writes, so a key revoked here is refused everywhere from the
    moment its revocation commits: no event has to arrive first. An official's `covers` is computed now."""
    return await key_answer(request.app.state.pool, body.key_hash)


@officials.post("", status_code=201, response_model=schemas.IssuedOfficialKey,
                summary="Issue a commission or finance key for a jurisdiction (platform operator): the key is in "
                        "this response and nowhere else",
                description="It acts on the jurisdiction and every one under it (a city's covers its districts, "
                            "as they are when the key is used); another jurisdiction's records are 404 to it.")
async def issue_official(body: NewOfficialKey, request: Request, _: Operator, today: Today) -> dict:
    async with unit_of_work(request) as uow:
        issued, events = await keys.issue_official(uow.conn, body, pepper(request), today)
        uow.publish(events)
    return issued


@officials.get("", response_model=list[schemas.OfficialKey],
               summary="Every official key issued, with its role and jurisdiction (never the keys themselves)")
async def official_keys(request: Request, _: Operator) -> list[dict]:
    async with request.app.state.pool.acquire() as conn:
        return await store.officials(conn)


@officials.delete("/{key_id}", status_code=204, summary="Revoke an official key: refused by every service at once")
async def revoke_official(key_id: KeyId, request: Request, _: Operator, today: Today) -> Response:
    async with unit_of_work(request) as uow:
        uow.publish(await keys.revoke_official(uow.conn, key_id, today))
    return Response(status_code=204)


@router.post("", status_code=201, response_model=schemas.IssuedKey,
             summary="Issue a key for the facility: the key is in this response and nowhere else")
async def issue(facility: CommissionFacility, request: Request, today: Today, body: NewKey | None = None) -> dict:
    async with unit_of_work(request) as uow:
        fid = await facility_id(uow.conn, facility, lock=True)
        issued, events = await keys.issue(uow.conn, fid, facility, pepper(request), today,
                                          body.label if body else None)
        uow.publish(events)
    return issued


@router.get("", response_model=list[schemas.KeyInfo], summary="The facility's keys (never the keys themselves)")
async def listed(facility: CommissionFacility, request: Request) -> list[dict]:
    async with request.app.state.pool.acquire() as conn:
        return await store.listed(conn, await facility_id(conn, facility))


@router.delete("/{key_id}", status_code=204, summary="Revoke a key (revoking it again does nothing)")
async def revoke(facility: CommissionFacility, key_id: KeyId, request: Request, today: Today) -> Response:
    async with unit_of_work(request) as uow:
        fid = await facility_id(uow.conn, facility, lock=True)
        uow.publish(await keys.revoke(uow.conn, fid, facility, key_id, today))
    return Response(status_code=204)
