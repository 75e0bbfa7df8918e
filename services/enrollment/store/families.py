"""The families table: a family's snapshot, the one the API registers and the many a roster import does."""

from __future__ import annotations

import json

import asyncpg

from enrollment.domain import children, snapshots


async def snapshot(conn: asyncpg.Connection, family_id: int) -> dict:
    row = await conn.fetchrow(
        "SELECT fa.external_id, fa.household, f.external_id AS facility FROM families fa "
        "JOIN facilities f ON f.id = fa.facility_id WHERE fa.id = $1", family_id)
    return snapshots.family_of(row["facility"], row["external_id"], row["household"])


async def existing(conn: asyncpg.Connection, fid: int, external_id: str) -> tuple[int, tuple[dict | None, dict]] | None:
    """(id, its fingerprints: as created and now) of the family with this external id, if there is one."""
    found = await conn.fetchrow("SELECT id, name, guardian_hash, created_as FROM families WHERE facility_id = $1 "
                                "AND external_id = $2", fid, external_id)
    if found is None:
        return None
    created_as = json.loads(found["created_as"]) if found["created_as"] else None
    return found["id"], (created_as, children.family_fingerprint(found["name"], found["guardian_hash"]))


async def insert(conn: asyncpg.Connection, fid: int, external_id: str, name: str | None,
                 guardian: children.Guardian | None) -> int:
    """A family, with its guardian's ID hash and household if it has one (never the number itself)."""
    id_hash, household = (guardian.id_hash, guardian.household) if guardian else (None, None)
    return await conn.fetchval(
        "INSERT INTO families (facility_id, external_id, name, guardian_hash, household, created_as) "
        "VALUES ($1,$2,$3,$4,$5,$6) RETURNING id",
        fid, external_id, name, id_hash, household, json.dumps(children.family_fingerprint(name, id_hash)))


async def insert_many(conn: asyncpg.Connection, fid: int, external_ids: list[str]) -> dict[str, int]:
    """Families without a name (a roster's), one statement: their ids by external id."""
    rows = await conn.fetch(
        "INSERT INTO families (facility_id, external_id, created_as) SELECT $1, x, $3 "
        "FROM unnest($2::text[]) AS x RETURNING id, external_id", fid, external_ids, json.dumps({"name": None}))
    return {r["external_id"]: r["id"] for r in rows}


async def ids_of(conn: asyncpg.Connection, fid: int, external_ids: list[str]) -> dict[str, int]:
    """The ids of those of these families the facility has."""
    rows = await conn.fetch("SELECT id, external_id FROM families WHERE facility_id = $1 "
                            "AND external_id = ANY($2::text[])", fid, external_ids)
    return {r["external_id"]: r["id"] for r in rows}
