"""Idempotent consumer: each event's effect, its id and the partition offset commit in one transaction.

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


class _SeekToStoredOffsets(ConsumerRebalanceListener):
    def __init__(self, inbox: "Inbox"):
        self._inbox = inbox

    async def on_partitions_revoked(self, revoked):
        pass

    async def on_partitions_assigned(self, assigned):
        await self._inbox.seek_to_stored(assigned)


class Inbox:
    """Consumes topics into PostgreSQL with exactly one effect per event."""

    def __init__(self, pool: asyncpg.Pool, bootstrap: str, topics: list[str], name: str, handler: Handler,
                 *, max_records: int = 1000):
        self._pool = pool
        self._bootstrap = bootstrap
        self._topics = topics
        self.name = name
        self._handler = handler
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
        )
        await consumer.start()
        self._consumer = consumer
        try:
            consumer.subscribe(self._topics, listener=_SeekToStoredOffsets(self))
            while True:
                batches = await consumer.getmany(timeout_ms=500, max_records=self._max_records)
                for partition, messages in batches.items():
                    await self._apply(partition, messages)
                if batches:
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

    async def _apply(self, partition: TopicPartition, messages) -> None:
        async with self._pool.acquire() as conn, conn.transaction():
            stored = await conn.fetchval(
                "SELECT next_offset FROM consumer_offsets WHERE consumer=$1 AND topic=$2 AND partition=$3",
                self.name, partition.topic, partition.partition,
            )
            for message in messages:
                if stored is not None and message.offset < stored:
                    continue  # already applied before a restart
                event = Envelope.from_bytes(message.value)
                fresh = await conn.fetchval(
                    "INSERT INTO processed_events (consumer, event_id) VALUES ($1, $2) "
                    "ON CONFLICT DO NOTHING RETURNING true", self.name, event.id,
                )
                if fresh:
                    await self._handler(conn, event)
                    metrics.EVENTS_CONSUMED.labels(self.name).inc()
                else:
                    metrics.EVENTS_DUPLICATE.labels(self.name).inc()
            await conn.execute(
                "INSERT INTO consumer_offsets (consumer, topic, partition, next_offset) VALUES ($1,$2,$3,$4) "
                "ON CONFLICT (consumer, topic, partition) DO UPDATE SET next_offset = excluded.next_offset",
                self.name, partition.topic, partition.partition, messages[-1].offset + 1,
            )
            faults.point("KILL_BEFORE_COMMIT")
        self.applied += len(messages)

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
