"""Desk sessions: a random token in an HttpOnly cookie, its keyed hash in `desk_sessions` with the key's hash and a
CSRF token. Sessions end after `IDLE` without a request or `LONGEST` after signing in, whichever comes first."""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

import asyncpg

from tuoyu.hashing import keyed_hash

IDLE = timedelta(hours=2)
LONGEST = timedelta(hours=12)  # a working day, then the key again


@dataclass(frozen=True)
class Session:
    key_hash: str
    csrf: str


def same_token(expected: str, given: str | None) -> bool:
    """Whether a form's CSRF token is the session's (in constant time)."""
    return given is not None and hmac.compare_digest(expected.encode(), given.encode())


async def open_session(pool: asyncpg.Pool, pepper: str, key_hash: str, role: str) -> tuple[str, Session]:
    """A new session for the key: the cookie's token (shown to the browser only) and what the server keeps."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("DELETE FROM desk_sessions WHERE seen_at < now() - $1::interval "
                           "OR created_at < now() - $2::interval", IDLE, LONGEST)
        await conn.execute("INSERT INTO desk_sessions (session_hash, key_hash, role, csrf) VALUES ($1, $2, $3, $4)",
                           keyed_hash(pepper, token), key_hash, role, csrf)
    return token, Session(key_hash, csrf)


async def find_session(pool: asyncpg.Pool, pepper: str, token: str, role: str) -> Session | None:
    """The live session of the cookie's token at this desk (its idle clock restarted), or None."""
    row = await pool.fetchrow(
        "UPDATE desk_sessions SET seen_at = now() WHERE session_hash = $1 AND role = $2 "
        "AND seen_at >= now() - $3::interval AND created_at >= now() - $4::interval RETURNING key_hash, csrf",
        keyed_hash(pepper, token), role, IDLE, LONGEST)
    return Session(row["key_hash"], row["csrf"]) if row else None


async def close_session(pool: asyncpg.Pool, pepper: str, token: str) -> None:
    await pool.execute("DELETE FROM desk_sessions WHERE session_hash = $1", keyed_hash(pepper, token))
