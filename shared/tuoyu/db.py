"""PostgreSQL access: a pool that waits for the server, and migrations applied at start-up (yoyo).

With a primary and a standby (TUOYU_PG_NODES=2) the DSN names both and asks for the one that takes writes. When the
primary dies, the pool's idle connections to it are closed by the kernel and replaced on their next checkout, by a
connection to whichever node is then the primary; a statement in flight fails with one of `CONNECTION_LOST`, which a
request answers as 503 (`tuoyu.errors`) and the inbox and the outbox relay retry.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import asyncpg
import psycopg
from tenacity import retry, retry_if_exception_type, stop_after_delay, wait_exponential
from yoyo import get_backend, read_migrations

log = logging.getLogger(__name__)

CONNECTION_LOST = (
    ConnectionError,  # refused, reset
    asyncpg.CannotConnectNowError,  # starting up or shutting down
    asyncpg.ConnectionDoesNotExistError,  # closed in the middle of a statement
    asyncpg.AdminShutdownError,  # the server was stopped or demoted under the session
    # No node takes writes yet (TargetServerAttributeNotMatched: the standby is being promoted), or a dying server's
    # last FATAL message left the session waiting for an end that never comes ("another operation is in progress").
    asyncpg.InternalClientError,
    asyncpg.ReadOnlySQLTransactionError,  # a write reached a node that has just become a standby
)
"""What a statement or a connection attempt raises while the server restarts or the primary changes: retry later."""
_NOT_YET = (OSError, *CONNECTION_LOST)  # at start-up, any socket error: the address may not resolve yet either
# Held by the process applying migrations (a session lock: released when its connection ends, even by SIGKILL).
MIGRATION_LOCK = 7_531_000


@retry(retry=retry_if_exception_type(_NOT_YET), wait=wait_exponential(max=2), stop=stop_after_delay(60),
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
    name = urlsplit(dsn).path.lstrip("/")
    conn = await _connect(urlunsplit(urlsplit(dsn)._replace(path="/postgres")))
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            try:
                await conn.execute(f'CREATE DATABASE "{name}"')
            except (asyncpg.DuplicateDatabaseError, asyncpg.UniqueViolationError):  # another instance won the race
                pass
    finally:
        await conn.close()


@retry(retry=retry_if_exception_type(_NOT_YET), wait=wait_exponential(max=2), stop=stop_after_delay(60),
       reraise=True)
async def _connect(dsn: str) -> asyncpg.Connection:
    return await asyncpg.connect(dsn)


def yoyo_uri(dsn: str) -> str:
    """`dsn` as yoyo's URL for psycopg. yoyo parses URLs with urllib, which takes one host:port, but passes the query
    string to psycopg as arguments, and libpq takes `host` and `port` as lists: so the nodes go there."""
    url = urlsplit(dsn)
    credentials, _, nodes = url.netloc.rpartition("@")
    hosts, ports = zip(*(node.rsplit(":", 1) for node in nodes.split(",")))
    query = urlencode({"host": ",".join(hosts), "port": ",".join(ports), **dict(parse_qsl(url.query))})
    return urlunsplit(("postgresql+psycopg", f"{credentials}@", url.path, query, ""))


# psycopg's OperationalError: no node takes writes yet, or the connection was lost; the migrations are transactional.
@retry(retry=retry_if_exception_type(psycopg.OperationalError), wait=wait_exponential(max=2),
       stop=stop_after_delay(60), reraise=True)
def _apply(dsn: str, folders: tuple[Path, ...]) -> None:
    """Several instances start at once: one migrates, the others wait for it, then find nothing to apply.

    yoyo's own lock is a row that waits 10 s at most and outlives a process killed while holding it (every later
    start would fail until `yoyo break-lock`); a session advisory lock waits as long as it takes and dies with its
    connection. Holding it, no live process holds yoyo's row, so a row left behind is a dead one's: removed.
    """
    backend = get_backend(yoyo_uri(dsn))
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
