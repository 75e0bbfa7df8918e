"""Request dependencies: the caller, a unit of work whose events go to the outbox, the day (the clock)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import asyncpg
from fastapi import Depends, Request

from enrollment.settings import EnrollmentSettings
from enrollment.store import keys, records
from enrollment.store.unit_of_work import unit_of_work as store_unit_of_work
from tuoyu import auth, errors
from tuoyu.auth import Principal
from tuoyu.errors import NotFound
from tuoyu.hashing import keyed_hash
from tuoyu.settings import ENROLLMENT_TOPIC


def settings(request: Request) -> EnrollmentSettings:
    return request.app.state.settings


def pool(request: Request) -> asyncpg.Pool:
    return request.app.state.pool


async def principal(request: Request) -> Principal:
    s: EnrollmentSettings = request.app.state.settings
    db: asyncpg.Pool = request.app.state.pool

    async def facility_key(key: str) -> Principal | None:
        facility = await keys.facility_of(db, keyed_hash(s.hash_pepper.get_secret_value(), key))
        return Principal(auth.FACILITY, facility=facility) if facility else None

    return await auth.authenticate(request, s, facility_key)


Caller = Annotated[Principal, Depends(principal)]


async def admin(caller: Caller) -> Principal:
    return caller.require(auth.ADMIN)


Admin = Annotated[Principal, Depends(admin)]


async def operator(caller: Caller) -> Principal:
    return caller.require(auth.OPERATOR)


Operator = Annotated[Principal, Depends(operator)]


async def operator_or_admin(caller: Caller) -> Principal:
    return caller.require(auth.OPERATOR, auth.ADMIN)


OperatorOrAdmin = Annotated[Principal, Depends(operator_or_admin)]


def facility_scope(caller: Principal, facility: str) -> None:
    """A facility key sees only its own records: anything else is 'not found'."""
    if caller.role == auth.ADMIN or (caller.role == auth.FACILITY and caller.facility == facility):
        return
    raise NotFound(f"facility {facility!r} does not exist")


async def own_facility(facility: str, caller: Caller) -> str:
    """The `{facility}` of the path, when the caller may act for it (before the body is even read)."""
    facility_scope(caller, facility)
    return facility


OwnFacility = Annotated[str, Depends(own_facility)]


def pepper(request: Request) -> str:
    return request.app.state.settings.hash_pepper.get_secret_value()


def unit_of_work(request: Request):
    """One transaction: the change and its events commit together or not at all (`store.unit_of_work`)."""
    s: EnrollmentSettings = request.app.state.settings
    return store_unit_of_work(request.app.state.pool, s.topic(ENROLLMENT_TOPIC))


async def today(request: Request) -> date:
    """The service's clock (`CommonSettings.today`: TUOYU_TODAY moves it, as it moves billing's), read here and only
    here: the domain is given the day. (Async: FastAPI would run a plain function in its thread pool, a thread hop on
    every request.)"""
    return request.app.state.settings.today()


Today = Annotated[date, Depends(today)]


async def caseless_id_taken(request: Request, exc: asyncpg.UniqueViolationError):
    """409 for a record whose external id differs from an existing one only in case (`store.records`); any other
    unique violation is the service's failure."""
    detail = records.caseless_conflict(exc)
    if detail is None:
        return await errors.unexpected(request, exc)
    return errors.problem(409, "Conflict", detail, [{"field": "external_id", "reason": detail}])
