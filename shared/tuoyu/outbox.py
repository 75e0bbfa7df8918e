"""Transactional outbox: events are rows written in the same transaction as the change they report.

A relay publishes unsent rows in order with an idempotent producer (acks=all) and then marks them sent.
A crash between publishing and marking resends the rows: consumers drop the duplicates by event id.
Table (`MIGRATIONS`, applied by every producing service before its own):
    outbox(seq bigserial primary key, event_id uuid unique, topic text, key text, body bytea,
           created_at timestamptz, sent_at timestamptz)
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Sequence

import asyncpg
from aiokafka import AIOKafkaProducer

from tuoyu import faults, metrics
from tuoyu.envelope import Envelope

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations" / "outbox"

# One relay publishes at a time (several workers or replicas may run one each): order is kept per key.
RELAY_LOCK = 7_531_002


# From this many events on, one COPY beats one INSERT of arrays; below it, COPY's extra round trip (asyncpg reads
# the table's column types first) costs more than it saves.
COPY_FROM = 100


async def add_events(conn: asyncpg.Connection, topic: str, events: Sequence[Envelope]) -> None:
    """Write events to the outbox inside the caller's transaction, in their order (one round trip; a large batch,
    a roster import's, with one COPY)."""
    if not events:
        return
    if len(events) >= COPY_FROM:
        await conn.copy_records_to_table("outbox", columns=["event_id", "topic", "key", "body"],
                                         records=[(e.id, topic, e.key, e.to_bytes()) for e in events])
        return
    await conn.execute(
        "INSERT INTO outbox (event_id, topic, key, body) "
        "SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::bytea[])",
        [e.id for e in events], [topic] * len(events), [e.key for e in events], [e.to_bytes() for e in events],
    )


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
    """Publishes outbox rows to Kafka in sequence order, looking for new ones every `poll_seconds` when idle.

    It polls rather than LISTENs: a NOTIFY in every writing transaction serialises their commits on PostgreSQL's
    notification queue and woke the relay once per request (a third of a millisecond of CPU on each side per
    enrollment); a poll of the unsent-rows index is a few microseconds.
    """

    def __init__(self, pool: asyncpg.Pool, bootstrap: str, *, batch: int = 2000, poll_seconds: float = 0.05):
        self._pool = pool
        self._bootstrap = bootstrap
        self._batch = batch
        self._poll = poll_seconds

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
        # The relay's own connection: it holds the relay lock, and a pool busy with requests never delays a batch.
        holder = await self._pool.acquire()
        try:
            while not await holder.fetchval("SELECT pg_try_advisory_lock($1)", RELAY_LOCK):
                await asyncio.sleep(0.5)  # another process relays; take over if it dies
            while True:
                if await self._publish_pending(holder, producer) < self._batch:
                    await asyncio.sleep(self._poll)
        finally:
            try:
                await holder.reset()  # the pool does not: the session lock must not outlive the relay
            finally:
                await self._pool.release(holder)
                await producer.stop()

    async def _publish_pending(self, conn: asyncpg.Connection, producer: AIOKafkaProducer) -> int:
        """Publish one batch of unsent rows; returns how many were sent."""
        rows = await conn.fetch(
            "SELECT seq, topic, key, body FROM outbox WHERE sent_at IS NULL ORDER BY seq LIMIT $1", self._batch
        )
        if not rows:
            return 0
        futures = [await producer.send(r["topic"], value=r["body"], key=r["key"].encode()) for r in rows]
        await asyncio.gather(*futures)
        faults.point("KILL_AFTER_PUBLISH")
        await conn.execute(
            "UPDATE outbox SET sent_at = now() WHERE seq = ANY($1::bigint[])", [r["seq"] for r in rows]
        )
        metrics.EVENTS_PUBLISHED.inc(len(rows))
        return len(rows)


async def pending_count(pool: asyncpg.Pool) -> int:
    return await pool.fetchval("SELECT count(*) FROM outbox WHERE sent_at IS NULL")
