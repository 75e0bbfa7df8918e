"""The shared inbox migrations on the real PostgreSQL: applied before the service's own on a fresh database, and
harmless on a database made before they moved to the shared package (its tables and rows stay)."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import pytest

from subsidy.app import MIGRATIONS
from tests.stack import drop_databases, pg_admin_dsn
from tuoyu import db, inbox


@pytest.fixture
def dsn(infra):
    name = f"t{uuid.uuid4().hex[:10]}_migrations"
    yield pg_admin_dsn(name)
    drop_databases([name])


async def test_a_fresh_database_gets_the_inbox_tables_first_then_the_services_migrations(dsn):
    await db.migrate(dsn, inbox.MIGRATIONS, MIGRATIONS)
    conn = await asyncpg.connect(dsn)
    try:
        applied = [r[0] for r in await conn.fetch("SELECT migration_id FROM _yoyo_migration ORDER BY applied_at_utc")]
        assert applied == ["inbox_0001_tables"] + sorted(p.stem for p in MIGRATIONS.glob("*.sql"))
        assert await conn.fetchval("SELECT count(*) FROM consumer_offsets") == 0
    finally:
        await conn.close()


async def test_a_database_that_holds_the_inbox_tables_keeps_them_and_their_rows(dsn):
    await db.ensure_database(dsn)
    conn = await asyncpg.connect(dsn)
    try:  # as a consumer's own first migration made them before they moved
        await conn.execute("CREATE TABLE processed_events (consumer text NOT NULL, event_id uuid NOT NULL, "
                           "PRIMARY KEY (consumer, event_id))")
        await conn.execute("CREATE TABLE consumer_offsets (consumer text NOT NULL, topic text NOT NULL, "
                           "partition integer NOT NULL, next_offset bigint NOT NULL, "
                           "PRIMARY KEY (consumer, topic, partition))")
        await conn.execute("INSERT INTO consumer_offsets VALUES ('c', 't', 0, 42)")
        await db.migrate(dsn, inbox.MIGRATIONS)
        assert await conn.fetchval("SELECT next_offset FROM consumer_offsets") == 42
        assert await conn.fetchval("SELECT migration_id FROM _yoyo_migration") == "inbox_0001_tables"
    finally:
        await conn.close()


async def test_several_instances_starting_at_once_on_a_fresh_database_all_start_and_migrate_once(dsn):
    await asyncio.gather(*(db.migrate(dsn, inbox.MIGRATIONS, MIGRATIONS) for _ in range(4)))
    conn = await asyncpg.connect(dsn)
    try:
        applied = [r[0] for r in await conn.fetch("SELECT migration_id FROM _yoyo_migration")]
        assert sorted(applied) == sorted(["inbox_0001_tables", *(p.stem for p in MIGRATIONS.glob("*.sql"))])
    finally:
        await conn.close()


async def test_an_instance_killed_while_migrating_does_not_stop_the_next_start(dsn):
    await db.migrate(dsn, inbox.MIGRATIONS)
    conn = await asyncpg.connect(dsn)
    try:  # the lock row yoyo leaves when its process dies holding it
        await conn.execute("INSERT INTO yoyo_lock (locked, ctime, pid) VALUES (1, now(), 999999)")
        await asyncio.wait_for(db.migrate(dsn, inbox.MIGRATIONS, MIGRATIONS), timeout=8)  # yoyo alone: 10 s, then fails
        assert await conn.fetchval("SELECT count(*) FROM yoyo_lock") == 0
    finally:
        await conn.close()
