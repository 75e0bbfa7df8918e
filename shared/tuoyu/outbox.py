"""Transactional outbox: events are rows written in the same transaction as the change they report.

A relay publishes unsent rows in order with an idempotent producer (acks=all) and then marks them sent.
A crash between publishing and marking resends the rows: consumers drop the duplicates by event id.
Table (in every producing service's migrations):
    outbox(seq bigserial primary key, event_id uuid unique, topic text, key text, body bytea,
           created_at timestamptz, sent_at timestamptz)
"""

from __future__ import annotations

import asyncio
import logging
from typing import Sequence

import asyncpg
from aiokafka import AIOKafkaProducer

from tuoyu import faults, metrics
from tuoyu.envelope import Envelope

log = logging.getLogger(__name__)

NOTIFY_CHANNEL = "outbox"
# One relay publishes at a time (several workers or replicas may run one each): order is kept per key.
RELAY_LOCK = 7_531_002


# From this many events on, one COPY beats a pipelined INSERT per row; below it, COPY's extra round trip (asyncpg
# reads the table's column types first) costs more than it saves.
COPY_FROM = 100


async def add_events(conn: asyncpg.Connection, topic: str, events: Sequence[Envelope]) -> None:
    """Write events to the outbox inside the caller's transaction, in their order, and wake the relay on commit.

    A large batch (a roster import) goes in with one COPY. PostgreSQL delivers NOTIFY at commit, once however
    often a transaction sent it, and not at all when it rolls back.
    """
    if not events:
        return
    rows = [(e.id, topic, e.key, e.to_bytes()) for e in events]
    if len(rows) >= COPY_FROM:
        await conn.copy_records_to_table("outbox", columns=["event_id", "topic", "key", "body"], records=rows)
    else:
        await conn.executemany("INSERT INTO outbox (event_id, topic, key, body) VALUES ($1, $2, $3, $4)", rows)
    await conn.execute(f"NOTIFY {NOTIFY_CHANNEL}")


def make_producer(bootstrap: str) -> AIOKafkaProducer:
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        enable_idempotence=True,
        acks="all",
        linger_ms=5,
        max_batch_size=1 << 20,
        request_timeout_ms=30000,
    )


class OutboxRelay:
    """Publishes outbox rows to Kafka in sequence order; wakes on NOTIFY, polls as a fallback."""

    def __init__(self, pool: asyncpg.Pool, bootstrap: str, *, batch: int = 2000, poll_seconds: float = 0.5):
        self._pool = pool
        self._bootstrap = bootstrap
        self._batch = batch
        self._poll = poll_seconds
        self._wake = asyncio.Event()

    async def run(self) -> None:
        while True:
            try:
                await self._run_once_connected()
            except asyncio.CancelledError:
                raise
            except Exception:  # broker or database lost: back off and start over, nothing is marked sent
                log.exception("outbox relay failed; retrying")
                await asyncio.sleep(1)

    async def _run_once_connected(self) -> None:
        producer = make_producer(self._bootstrap)
        await producer.start()
        listener = await self._pool.acquire()
        wake = lambda *_: self._wake.set()  # noqa: E731
        try:
            while not await listener.fetchval("SELECT pg_try_advisory_lock($1)", RELAY_LOCK):
                await asyncio.sleep(self._poll)  # another process relays; take over if it dies
            await listener.add_listener(NOTIFY_CHANNEL, wake)
            while True:
                sent = await self.publish_pending(producer)
                if sent < self._batch:
                    self._wake.clear()
                    try:
                        await asyncio.wait_for(self._wake.wait(), self._poll)
                    except asyncio.TimeoutError:
                        pass
        finally:
            await listener.remove_listener(NOTIFY_CHANNEL, wake)
            await self._pool.release(listener)
            await producer.stop()

    async def publish_pending(self, producer: AIOKafkaProducer) -> int:
        """Publish one batch of unsent rows; returns how many were sent."""
        rows = await self._pool.fetch(
            "SELECT seq, topic, key, body FROM outbox WHERE sent_at IS NULL ORDER BY seq LIMIT $1", self._batch
        )
        if not rows:
            return 0
        futures = [await producer.send(r["topic"], value=r["body"], key=r["key"].encode()) for r in rows]
        await asyncio.gather(*futures)
        faults.point("KILL_AFTER_PUBLISH")
        await self._pool.execute(
            "UPDATE outbox SET sent_at = now() WHERE seq = ANY($1::bigint[])", [r["seq"] for r in rows]
        )
        metrics.EVENTS_PUBLISHED.inc(len(rows))
        return len(rows)


async def pending_count(pool: asyncpg.Pool) -> int:
    return await pool.fetchval("SELECT count(*) FROM outbox WHERE sent_at IS NULL")
