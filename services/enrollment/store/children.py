"""The children table: a child's snapshot, what registering and correcting one needs, one child or a roster's many."""

from __future__ import annotations

import json
from datetime import date

import asyncpg

from enrollment.domain import children, snapshots
from enrollment.domain.rules import Sibling


async def snapshot(conn: asyncpg.Connection, child_id: int) -> dict:
    row = await conn.fetchrow(
        "SELECT c.*, f.external_id AS facility, fa.external_id AS family FROM children c "
        "JOIN facilities f ON f.id = c.facility_id JOIN families fa ON fa.id = c.family_id WHERE c.id = $1", child_id)
    return snapshots.child_of(row["facility"], row["family"], row["external_id"], row["birth_date"], row["birth_order"],
                              row["version"])


async def existing(conn: asyncpg.Connection, fid: int, external_id: str) -> tuple[int, tuple[dict | None, dict]] | None:
    """(id, its fingerprints: as created and now) of the child with this external id, if there is one."""
    found = await conn.fetchrow(
        "SELECT c.id, c.created_as, c.birth_date, c.birth_order, c.national_id_hash, fa.external_id AS family "
        "FROM children c JOIN families fa ON fa.id = c.family_id WHERE c.facility_id = $1 AND c.external_id = $2",
        fid, external_id)
    if found is None:
        return None
    now = children.fingerprint(found["family"], found["birth_date"], found["birth_order"], found["national_id_hash"])
    return found["id"], (json.loads(found["created_as"]) if found["created_as"] else None, now)


async def registered_as(conn: asyncpg.Connection, fid: int, id_hash: str | None) -> str | None:
    """The child this facility registered with the national ID of this hash, if any."""
    if id_hash is None:
        return None
    return await conn.fetchval("SELECT external_id FROM children WHERE facility_id = $1 AND national_id_hash = $2",
                               fid, id_hash)


async def siblings(conn: asyncpg.Connection, family_id: int, *, besides: int | None = None) -> list[Sibling]:
    rows = await conn.fetch("SELECT id, external_id, birth_date, birth_order FROM children WHERE family_id = $1",
                            family_id)
    return [Sibling(r["external_id"], r["birth_date"], r["birth_order"]) for r in rows if r["id"] != besides]


async def insert(conn: asyncpg.Connection, fid: int, family_id: int, child: children.Child) -> int:
    return await conn.fetchval(
        "INSERT INTO children (facility_id, family_id, external_id, birth_date, birth_order, national_id_hash, "
        "created_as) VALUES ($1,$2,$3,$4,$5,$6,$7) RETURNING id",
        fid, family_id, child.external_id, child.birth_date, child.birth_order, child.id_hash,
        json.dumps(child.fingerprint()))


async def for_correction(conn: asyncpg.Connection, child_id: int) -> tuple[int, date, int, date | None, bool]:
    """(family id, birth date, birth order, first day of care, whether a national ID is on file) of the child,
    locked against other corrections."""
    row = await conn.fetchrow(
        "SELECT family_id, birth_date, birth_order, (SELECT min(start_on) FROM enrollments WHERE child_id = $1) "
        "AS first_start, national_id_hash IS NOT NULL AS id_on_file FROM children WHERE id = $1 FOR UPDATE", child_id)
    return row["family_id"], row["birth_date"], row["birth_order"], row["first_start"], row["id_on_file"]


async def correct(conn: asyncpg.Connection, child_id: int, birth_date: date, birth_order: int) -> None:
    await conn.execute("UPDATE children SET birth_date = $2, birth_order = $3, version = version + 1 WHERE id = $1",
                       child_id, birth_date, birth_order)


# --- a roster's children, by the batch ----------------------------------------------------------------------------

async def siblings_of_families(conn: asyncpg.Connection, family_ids: list[int]) -> list[tuple[str, Sibling]]:
    """(family external id, child) for every child of these families."""
    rows = await conn.fetch(
        "SELECT fa.external_id AS family, c.external_id, c.birth_date, c.birth_order FROM children c "
        "JOIN families fa ON fa.id = c.family_id WHERE c.family_id = ANY($1::bigint[])", family_ids)
    return [(r["family"], Sibling(r["external_id"], r["birth_date"], r["birth_order"])) for r in rows]


async def of(conn: asyncpg.Connection, fid: int, external_ids: list[str]) -> list[asyncpg.Record]:
    """Those of these children the facility has: id, external_id, family, birth_date, birth_order,
    national_id_hash, created_as."""
    return await conn.fetch(
        "SELECT c.id, c.external_id, fa.external_id AS family, c.birth_date, c.birth_order, c.national_id_hash, "
        "c.created_as FROM children c JOIN families fa ON fa.id = c.family_id "
        "WHERE c.facility_id = $1 AND c.external_id = ANY($2::text[])", fid, external_ids)


async def owners(conn: asyncpg.Connection, fid: int, hashes: list[str]) -> dict[str, str]:
    """The child this facility registered under each of these national-ID hashes (those it has)."""
    rows = await conn.fetch("SELECT national_id_hash, external_id FROM children WHERE facility_id = $1 "
                            "AND national_id_hash = ANY($2::text[])", fid, hashes)
    return {r["national_id_hash"]: r["external_id"] for r in rows}


async def insert_many(conn: asyncpg.Connection, fid: int, family_ids: list[int], new: list,
                      created_as: list[str]) -> dict[str, int]:
    """Children in one statement (`new`: records with the attributes of `children.Child`; `created_as`: their
    fingerprints as JSON text); their ids by external id."""
    rows = await conn.fetch(
        "INSERT INTO children (facility_id, family_id, external_id, birth_date, birth_order, national_id_hash,"
        " created_as) SELECT $1, * FROM unnest($2::bigint[], $3::text[], $4::date[], $5::smallint[], "
        "$6::text[], $7::jsonb[]) RETURNING id, external_id", fid, family_ids, [c.external_id for c in new],
        [c.birth_date for c in new], [c.birth_order for c in new], [c.id_hash for c in new], created_as)
    return {r["external_id"]: r["id"] for r in rows}
