"""Finding a facility's record by its external id: the row id, or the problem of its absence."""

from __future__ import annotations

import asyncpg

from enrollment.domain import rules
from tuoyu.errors import NotFound

NOUNS = {"children": "child", "classes": "class", "families": "family", "enrollments": "enrollment"}


CASELESS_INDEX = "_external_id_ci"
"""The suffix of the indexes that keep external ids unique without regard to case (migration 0004)."""


def caseless_conflict(exc: asyncpg.UniqueViolationError) -> str | None:
    """What a write refused by a caseless-id index means to the caller, or None for any other unique violation."""
    if not (exc.constraint_name or "").endswith(CASELESS_INDEX):
        return None
    noun = NOUNS.get(exc.table_name or "", "facility")
    return f"a {noun} with this external id, compared without regard to case, already exists"


async def id_or_none(conn: asyncpg.Connection, table: str, fid: int, external_id: str) -> int | None:
    return await conn.fetchval(f"SELECT id FROM {table} WHERE facility_id = $1 AND external_id = $2", fid,
                               external_id)


async def spelled(conn: asyncpg.Connection, table: str, fid: int, external_ids: list[str]) -> dict[str, str]:
    """How the facility spells the records whose ids match these without regard to case: lower-case id → id."""
    rows = await conn.fetch(f"SELECT external_id FROM {table} WHERE facility_id = $1 "
                            "AND lower(external_id) = ANY($2::text[])", fid, [i.lower() for i in external_ids])
    return {r["external_id"].lower(): r["external_id"] for r in rows}


async def existing_id(conn: asyncpg.Connection, table: str, fid: int, external_id: str) -> int:
    """The id of a record named in the path: 404 when this facility has none."""
    found = await id_or_none(conn, table, fid, external_id)
    if found is None:
        raise NotFound(f"{NOUNS[table]} {external_id!r} does not exist at this facility")
    return found


async def named_id(conn: asyncpg.Connection, table: str, fid: int, external_id: str, field: str) -> int:
    """The id of a record named in the body: 422 naming `field` when this facility has none."""
    found = await id_or_none(conn, table, fid, external_id)
    if found is None:
        rules.refuse(rules.missing(NOUNS[table], external_id, field))
    return found
