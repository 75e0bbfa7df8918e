"""PostgreSQL access: a pool that waits for the server, and migrations applied at start-up (yoyo)."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import asyncpg
import psycopg
from tenacity import retry, retry_if_exception_type, stop_after_delay, wait_exponential
from yoyo import get_backend, read_migrations

log = logging.getLogger(__name__)

# Held by the process applying migrations (a session lock: released when its connection ends, even by SIGKILL).
MIGRATION_LOCK = 7_531_000

_CONNECTION_ERRORS = (OSError, asyncpg.CannotConnectNowError, asyncpg.ConnectionDoesNotExistError)


@retry(retry=retry_if_exception_type(_CONNECTION_ERRORS), wait=wait_exponential(max=2), stop=stop_after_delay(60),
       reraise=True)
async def create_pool(dsn: str, *, min_size: int = 1, max_size: int = 10) -> asyncpg.Pool:
    """A pool, retried while the server is starting or restarting."""
    return await asyncpg.create_pool(dsn, min_size=min_size, max_size=max_size, command_timeout=600,
                                     reset=_no_session_state)


async def _no_session_state(conn: asyncpg.Connection) -> None:
    """Released connections hold no session state to clear: no SET, LISTEN or session lock is taken on a pooled
    connection except by the outbox relay, which resets its own. asyncpg's default would cost a round trip per
    checkout; an open transaction is still rolled back before this is called."""


async def ensure_database(dsn: str) -> None:
    """Create the database named in `dsn` if it does not exist (tests use one database per run)."""
    base, _, name = dsn.rpartition("/")
    conn = await _connect(f"{base}/postgres")
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            try:
                await conn.execute(f'CREATE DATABASE "{name}"')
            except (asyncpg.DuplicateDatabaseError, asyncpg.UniqueViolationError):  # another instance won the race
                pass
    finally:
        await conn.close()


@retry(retry=retry_if_exception_type(_CONNECTION_ERRORS), wait=wait_exponential(max=2), stop=stop_after_delay(60),
       reraise=True)
async def _connect(dsn: str) -> asyncpg.Connection:
    return await asyncpg.connect(dsn)


def _apply(dsn: str, folders: tuple[Path, ...]) -> None:
    """Several instances start at once: one migrates, the others wait for it, then find nothing to apply.

    yoyo's own lock is a row that waits 10 s at most and outlives a process killed while holding it (every later
    start would fail until `yoyo break-lock`); a session advisory lock waits as long as it takes and dies with its
    connection. Holding it, no live process holds yoyo's row, so a row left behind is a dead one's: removed.
    """
    backend = get_backend(dsn.replace("postgresql://", "postgresql+psycopg://", 1))
    migrations = read_migrations(*map(str, folders))  # in the folders' order, each folder's by file name
    with psycopg.connect(dsn, autocommit=True) as guard:
        guard.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK,))
        backend.break_lock()
        with backend.lock():
            backend.apply_migrations(backend.to_apply(migrations))


async def migrate(dsn: str, *folders: Path) -> None:
    """Create the database if needed and apply the SQL migrations of `folders`, in that order, one process at a time.

    A service passes the shared package's folders it uses first (`tuoyu.inbox.MIGRATIONS`, `tuoyu.outbox.MIGRATIONS`),
    then its own. yoyo knows a migration by its file name, so every name is unique across the folders.
    """
    await ensure_database(dsn)
    await asyncio.to_thread(_apply, dsn, folders)
