"""The api_keys table: facilities' and officials' keys, kept as keyed hashes (migration 0007 put both in one)."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from enrollment.domain import keys
from tuoyu.errors import NotFound


async def holder(db: asyncpg.Pool | asyncpg.Connection, key_hash: str) -> dict | None:
    """{role, facility, jurisdiction} of the key, not revoked, with this keyed hash: who the key is, for every
    service that asks; None when there is none."""
    row = await db.fetchrow("SELECT k.role, f.external_id AS facility, k.jurisdiction FROM api_keys k "
                            "LEFT JOIN facilities f ON f.id = k.facility_id "
                            "WHERE k.key_hash = $1 AND k.revoked_at IS NULL", key_hash)
    return dict(row) if row else None


async def insert(conn: asyncpg.Connection, fid: int, key_hash: str, label: str | None) -> tuple[int, datetime]:
    """(key id, created at) of the new key."""
    row = await conn.fetchrow(
        "INSERT INTO api_keys (key_hash, facility_id, label) VALUES ($1, $2, $3) RETURNING id, created_at",
        key_hash, fid, label)
    return row["id"], row["created_at"]


async def locked(conn: asyncpg.Connection, fid: int, facility: str, key_id: int) -> tuple[str, datetime | None]:
    """(key hash, revoked at) of the facility's key, locked for its revocation; 404 when it has no such key."""
    row = await conn.fetchrow(
        "SELECT key_hash, revoked_at FROM api_keys WHERE id = $1 AND facility_id = $2 FOR UPDATE", key_id, fid)
    if row is None:
        raise NotFound(f"facility {facility!r} has no key {key_id}")
    return row["key_hash"], row["revoked_at"]


async def revoke(conn: asyncpg.Connection, key_id: int) -> None:
    await conn.execute("UPDATE api_keys SET revoked_at = now() WHERE id = $1", key_id)


async def listed(conn: asyncpg.Connection, fid: int) -> list[dict]:
    rows = await conn.fetch(
        "SELECT id, label, created_at, revoked_at FROM api_keys WHERE facility_id = $1 ORDER BY id", fid)
    return [keys.listed(r["id"], r["label"], r["created_at"], r["revoked_at"]) for r in rows]


async def insert_official(conn: asyncpg.Connection, key_hash: str, role: str, jurisdiction: str,
                          label: str | None) -> tuple[int, datetime]:
    """(key id, created at) of the new official key."""
    row = await conn.fetchrow(
        "INSERT INTO api_keys (key_hash, role, jurisdiction, label) VALUES ($1, $2, $3, $4) RETURNING id, created_at",
        key_hash, role, jurisdiction, label)
    return row["id"], row["created_at"]


async def locked_official(conn: asyncpg.Connection, key_id: int) -> tuple[str, str, datetime | None]:
    """(role, jurisdiction, revoked at) of the official key, locked for its revocation; 404 when there is none."""
    row = await conn.fetchrow("SELECT role, jurisdiction, revoked_at FROM api_keys WHERE id = $1 "
                              "AND facility_id IS NULL FOR UPDATE", key_id)
    if row is None:
        raise NotFound(f"there is no official key {key_id}")
    return row["role"], row["jurisdiction"], row["revoked_at"]


async def officials(conn: asyncpg.Connection) -> list[dict]:
    rows = await conn.fetch("SELECT id, role, jurisdiction, label, created_at, revoked_at FROM api_keys "
                            "WHERE facility_id IS NULL ORDER BY id")
    return [keys.official(r["id"], r["role"], r["jurisdiction"], r["label"], r["created_at"], r["revoked_at"])
            for r in rows]
