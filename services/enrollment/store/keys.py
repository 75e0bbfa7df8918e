"""The api_keys table: a facility's keys, kept as keyed hashes."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from enrollment.domain import keys
from tuoyu.errors import NotFound


async def facility_of(db: asyncpg.Pool | asyncpg.Connection, key_hash: str) -> str | None:
    """The facility whose key, not revoked, has this keyed hash: who the key is, for every service that asks."""
    return await db.fetchval("SELECT f.external_id FROM api_keys k JOIN facilities f ON f.id = k.facility_id "
                             "WHERE k.key_hash = $1 AND k.revoked_at IS NULL", key_hash)


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
