"""Several instances of one consumer on the real PostgreSQL and Kafka: they share the topic's partitions as one
consumer group; an instance leaving or joining mid-stream (a rebalance) loses, doubles and reorders nothing, and an
instance that holds no partition knows when every event published so far has been applied (by the others)."""

from __future__ import annotations

import asyncio
import os
import uuid
from datetime import date

import asyncpg
import pytest

from tests.stack import drop_databases, pg_admin_dsn
from tuoyu import db, kafka, outbox
from tuoyu.envelope import Envelope
from tuoyu.inbox import MIGRATIONS, Inbox

BOOTSTRAP = os.environ.get("TUOYU_KAFKA_BOOTSTRAP", "127.0.0.1:59092")
KEYS = [f"F{k:03d}" for k in range(24)]


@pytest.fixture
async def pool(infra):
    dsn = f"{pg_admin_dsn().rsplit('/', 1)[0]}/t{uuid.uuid4().hex[:10]}_group"
    await db.migrate(dsn, MIGRATIONS)
    pool = await db.create_pool(dsn, max_size=8)
    await pool.execute("CREATE TABLE effects (applied bigserial PRIMARY KEY, key text, n int)")
    yield pool
    await pool.close()
    drop_databases([dsn.rsplit("/", 1)[1]])


async def record(conn: asyncpg.Connection, event: Envelope) -> None:
    await conn.execute("INSERT INTO effects (key, n) VALUES ($1, $2)", event.key, event.payload["n"])


async def publish(topic: str, first: int, count: int) -> None:
    """Events n = first..first+count-1, round-robin over the keys (so each key's n grow)."""
    producer = outbox.make_producer(BOOTSTRAP)
    await producer.start()
    try:
        for n in range(first, first + count):
            key = KEYS[n % len(KEYS)]
            event = Envelope(type="Counted", occurred_on=date(2022, 9, 1), key=key, payload={"n": n})
            await producer.send(topic, value=event.to_bytes(), key=key.encode())
        await producer.flush()
    finally:
        await producer.stop()


def instance(pool: asyncpg.Pool, topic: str, name: str) -> tuple[Inbox, asyncio.Task]:
    inbox = Inbox(pool, BOOTSTRAP, [topic], name, record, max_records=50)
    return inbox, asyncio.create_task(inbox.run())


async def stop(task: asyncio.Task) -> None:
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def test_instances_joining_and_leaving_mid_stream_apply_every_event_once_and_in_each_keys_order(pool):
    topic, name = f"t{uuid.uuid4().hex[:10]}.counted", f"t{uuid.uuid4().hex[:6]}.group"
    await kafka.ensure_topics(BOOTSTRAP, [topic])
    first, first_task = instance(pool, topic, name)
    _, second_task = instance(pool, topic, name)
    await publish(topic, 0, 3000)
    await asyncio.sleep(1.5)
    await stop(first_task)  # the partitions it held move to the second
    await publish(topic, 3000, 3000)
    third, third_task = instance(pool, topic, name)  # and some move again
    await publish(topic, 6000, 3000)
    try:
        await third.wait_caught_up(timeout=90)
        rows = await pool.fetch("SELECT key, n FROM effects ORDER BY applied")
        assert sorted(r["n"] for r in rows) == list(range(9000)), "an event lost or applied twice"
        for key in KEYS:
            applied = [r["n"] for r in rows if r["key"] == key]
            assert applied == sorted(applied), f"{key}'s events applied out of order"
    finally:
        await stop(second_task)
        await stop(third_task)


async def test_an_instance_holding_no_partition_waits_for_the_one_that_applies_the_events(pool):
    topic, name = f"t{uuid.uuid4().hex[:10]}.counted", f"t{uuid.uuid4().hex[:6]}.group"
    await kafka.ensure_topics(BOOTSTRAP, [topic], partitions=1)  # one partition: one of the two holds nothing
    inboxes = [instance(pool, topic, name) for _ in range(2)]
    try:
        await asyncio.sleep(3)  # both joined, one holds the partition
        idle = [inbox for inbox, _ in inboxes if inbox._consumer is not None and not inbox._consumer.assignment()]
        assert len(idle) == 1, "one instance should hold the only partition, the other none"
        await publish(topic, 0, 2000)
        await idle[0].wait_caught_up(timeout=60)
        assert await pool.fetchval("SELECT count(*) FROM effects") == 2000
    finally:
        for _, task in inboxes:
            await stop(task)
