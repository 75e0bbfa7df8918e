"""Request dependencies: the caller and its scope, a unit of work whose events go to the outbox, the day (the clock).

A facility's key acts on its own records. A commission key scoped to a jurisdiction (POLICY "Jurisdictions") acts on
the facilities whose jurisdiction today it covers; any other facility, and every unplaced one, is 404 to it, as
another facility's records are to a facility. The keys from settings are platform-wide.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

import asyncpg
from fastapi import Depends, Request

from enrollment.domain import jurisdictions as jurisdiction_rules, keys as key_rules
from enrollment.domain.rules import refuse
from enrollment.settings import EnrollmentSettings
from enrollment.store import jurisdictions, keys, records
from enrollment.store.unit_of_work import unit_of_work as store_unit_of_work
from tuoyu import auth, errors, key_directory
from tuoyu.auth import Principal
from tuoyu.errors import InvalidInput, NotFound
from tuoyu.hashing import keyed_hash
from tuoyu.settings import ENROLLMENT_TOPIC


def settings(request: Request) -> EnrollmentSettings:
    return request.app.state.settings


def pool(request: Request) -> asyncpg.Pool:
    return request.app.state.pool


async def principal(request: Request) -> Principal:
    s: EnrollmentSettings = request.app.state.settings

    async def issued_here(key: str) -> Principal | None:
        return await principal_of_hash(request, keyed_hash(s.hash_pepper.get_secret_value(), key))

    return await auth.authenticate(request, s, issued_here)


async def principal_of_hash(request: Request, key_hash: str) -> Principal | None:
    """Whose key this keyed hash is, now (None: unknown or revoked): what `principal` answers for the key itself.

    A desk session keeps only the hash of the key signed in with and asks again on every request, so a revoked key
    or a narrowed jurisdiction counts at once."""
    s: EnrollmentSettings = request.app.state.settings
    return (auth.settings_holder(s, s.hash_pepper.get_secret_value(), key_hash)
            or key_directory.principal_of(await key_answer(request.app.state.pool, key_hash)))


async def key_answer(db: asyncpg.Pool, key_hash: str) -> dict:
    """Whose key this is, now, as `/key-introspection` answers every service (an official's cover from the
    jurisdictions table as it is at this moment)."""
    holder = await keys.holder(db, key_hash)
    tree = await jurisdictions.tree(db) if holder is not None and holder["jurisdiction"] is not None else {}
    return key_rules.answer(holder, tree)


Caller = Annotated[Principal, Depends(principal)]


async def admin(caller: Caller) -> Principal:
    return caller.require(auth.ADMIN)


Admin = Annotated[Principal, Depends(admin)]


async def platform_admin(caller: Caller) -> Principal:
    """The health commission's platform-wide key (or a service asking with it): what no scoped key sees, such as
    every event (`/outbox`) or whose any key is."""
    if not caller.platform_wide:
        raise NotFound("no such resource for this key")
    return caller.require(auth.ADMIN)


PlatformAdmin = Annotated[Principal, Depends(platform_admin)]


async def operator(caller: Caller) -> Principal:
    return caller.require(auth.OPERATOR)


Operator = Annotated[Principal, Depends(operator)]


async def operator_or_admin(caller: Caller) -> Principal:
    return caller.require(auth.OPERATOR, auth.ADMIN)


OperatorOrAdmin = Annotated[Principal, Depends(operator_or_admin)]


async def in_scope(request: Request, caller: Principal) -> set[str] | None:
    """The facilities (external ids) a scoped key acts on today, or None for a platform-wide one (no limit)."""
    if caller.platform_wide:
        return None
    histories = await jurisdictions.histories(request.app.state.pool)
    return jurisdiction_rules.in_scope(caller.covers, histories, request.app.state.settings.today())


async def facility_scope(request: Request, caller: Principal, facility: str) -> None:
    """A facility key sees only its own records, a scoped commission key those of facilities in its jurisdiction
    today: anything else is 'not found'."""
    if caller.role == auth.FACILITY and caller.facility == facility:
        return
    if caller.role == auth.ADMIN:
        if caller.platform_wide:
            return
        histories = await jurisdictions.histories(request.app.state.pool, [facility])
        if jurisdiction_rules.in_scope(caller.covers, histories, request.app.state.settings.today()):
            return
    raise NotFound(f"facility {facility!r} does not exist")


async def own_facility(facility: str, request: Request, caller: Caller) -> str:
    """The `{facility}` of the path, when the caller may act for it (before the body is even read)."""
    await facility_scope(request, caller, facility)
    return facility


OwnFacility = Annotated[str, Depends(own_facility)]


async def commission_facility(facility: str, request: Request, caller: Admin) -> str:
    """The `{facility}` of the path, for the health commission whose scope holds it."""
    await facility_scope(request, caller, facility)
    return facility


CommissionFacility = Annotated[str, Depends(commission_facility)]


def placeable(caller: Principal, code: str | None, field: str = "jurisdiction") -> None:
    """A scoped key puts a facility only in a jurisdiction it covers: any other reads as unknown to it (422), and
    a facility it registers names one (an unplaced facility would be out of its sight)."""
    if caller.platform_wide or caller.role != auth.ADMIN:
        return
    if code is None:
        raise InvalidInput(field, f"a key for {caller.jurisdiction} registers facilities in a jurisdiction it covers")
    if code not in caller.covers:
        refuse(jurisdiction_rules.known_problem(code, None, field))


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
