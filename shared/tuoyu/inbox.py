"""Idempotent consumer: each event's effect, its id and the partitions' offsets commit in one transaction.

On (re)assignment the consumer seeks to the offsets stored in PostgreSQL, so Kafka's own committed
offsets are only a hint; a redelivered event finds its id in `processed_events` and does nothing.
Tables (in every consuming service's migrations):
    processed_events(consumer text, event_id uuid, primary key (consumer, event_id))
    consumer_offsets(consumer text, topic text, partition int, next_offset bigint, primary key (...))
"""

from __future__ import annotations

import asyncio
import logging
from typing import Awaitable, Callable

import asyncpg
from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition

from tuoyu import faults, metrics
from tuoyu.envelope import Envelope

log = logging.getLogger(__name__)

Handler = Callable[[asyncpg.Connection, Envelope], Awaitable[None]]
BatchHandler = Callable[[asyncpg.Connection, list[Envelope]], Awaitable[None]]


class _SeekToStoredOffsets(ConsumerRebalanceListener):
    def __init__(self, inbox: "Inbox"):
        self._inbox = inbox

    async def on_partitions_revoked(self, revoked):
        pass

    async def on_partitions_assigned(self, assigned):
        await self._inbox.seek_to_stored(assigned)


class Inbox:
    """Consumes topics into PostgreSQL with exactly one effect per event."""

    def __init__(self, pool: asyncpg.Pool, bootstrap: str, topics: list[str], name: str,
                 handler: Handler | None = None, *, batch_handler: BatchHandler | None = None,
                 max_records: int = 10000):
        """Give `handler` (one event at a time) or `batch_handler` (all new events of a batch, in order)."""
        self._pool = pool
        self._bootstrap = bootstrap
        self._topics = topics
        self.name = name
        if (handler is None) == (batch_handler is None):
            raise ValueError("give exactly one of handler and batch_handler")
        self._handler = handler
        self._batch_handler = batch_handler
        self._max_records = max_records
        self._consumer: AIOKafkaConsumer | None = None
        self.applied = 0

    async def run(self) -> None:
        while True:
            try:
                await self._consume()
            except asyncio.CancelledError:
                raise
            except Exception:  # connection lost: nothing uncommitted counts, start over from stored offsets
                log.exception("consumer %s failed; restarting", self.name)
                await asyncio.sleep(1)

    async def _consume(self) -> None:
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self._bootstrap, group_id=self.name, enable_auto_commit=False,
            auto_offset_reset="earliest", isolation_level="read_committed", metadata_max_age_ms=5000,
            max_partition_fetch_bytes=4 << 20, fetch_max_bytes=32 << 20,
        )
        await consumer.start()
        self._consumer = consumer
        try:
            consumer.subscribe(self._topics, listener=_SeekToStoredOffsets(self))
            while True:
                batches = await consumer.getmany(timeout_ms=500, max_records=self._max_records)
                if batches:
                    await self._apply(batches)
                    await consumer.commit()  # a hint only: PostgreSQL holds the truth
        finally:
            self._consumer = None
            await consumer.stop()

    async def seek_to_stored(self, partitions) -> None:
        rows = await self._pool.fetch(
            "SELECT topic, partition, next_offset FROM consumer_offsets WHERE consumer = $1", self.name
        )
        stored = {TopicPartition(r["topic"], r["partition"]): r["next_offset"] for r in rows}
        for tp in partitions:
            if tp in stored:
                self._consumer.seek(tp, stored[tp])
            else:
                await self._consumer.seek_to_beginning(tp)

    async def _apply(self, batches: dict[TopicPartition, list]) -> None:
        """One transaction for everything fetched: effects, event ids and every partition's next offset."""
        async with self._pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(
                "SELECT topic, partition, next_offset FROM consumer_offsets WHERE consumer = $1", self.name)
            stored = {TopicPartition(r["topic"], r["partition"]): r["next_offset"] for r in rows}
            events = [Envelope.from_bytes(m.value) for tp, messages in batches.items() for m in messages
                      if m.offset >= stored.get(tp, 0)]  # below: applied before a restart
            fresh = await self._record_new(conn, events)
            if self._batch_handler is not None:
                await self._batch_handler(conn, fresh)
            else:
                for event in fresh:
                    await self._handler(conn, event)
            await conn.executemany(
                "INSERT INTO consumer_offsets (consumer, topic, partition, next_offset) VALUES ($1,$2,$3,$4) "
                "ON CONFLICT (consumer, topic, partition) DO UPDATE SET next_offset = excluded.next_offset",
                [(self.name, tp.topic, tp.partition, messages[-1].offset + 1) for tp, messages in batches.items()])
            faults.point("KILL_BEFORE_COMMIT")
        metrics.EVENTS_CONSUMED.labels(self.name).inc(len(fresh))
        metrics.EVENTS_DUPLICATE.labels(self.name).inc(len(events) - len(fresh))
        self.applied += sum(len(messages) for messages in batches.values())

    async def _record_new(self, conn: asyncpg.Connection, events: list[Envelope]) -> list[Envelope]:
        """Record the batch's event ids; return the events not seen before, first copies only, in order."""
        if not events:
            return []
        rows = await conn.fetch(
            "INSERT INTO processed_events (consumer, event_id) SELECT $1, unnest($2::uuid[]) "
            "ON CONFLICT DO NOTHING RETURNING event_id", self.name, [e.id for e in events])
        new_ids = {r["event_id"] for r in rows}
        fresh = []
        for event in events:
            if event.id in new_ids:
                new_ids.discard(event.id)
                fresh.append(event)
        return fresh

    async def lag(self) -> int:
        """Messages on the broker not yet applied here (0 means caught up with everything published)."""
        consumer = self._consumer
        if consumer is None:
            raise RuntimeError("consumer is not running")
        partitions = [TopicPartition(t, p) for t in self._topics for p in (consumer.partitions_for_topic(t) or [])]
        if not partitions:
            return 0
        ends = await consumer.end_offsets(partitions)
        rows = await self._pool.fetch(
            "SELECT topic, partition, next_offset FROM consumer_offsets WHERE consumer = $1", self.name
        )
        stored = {TopicPartition(r["topic"], r["partition"]): r["next_offset"] for r in rows}
        lag = sum(max(0, end - stored.get(tp, 0)) for tp, end in ends.items())
        metrics.CONSUMER_LAG.labels(self.name).set(lag)
        return lag
