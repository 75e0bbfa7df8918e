"""Idempotent consumer: each event's effect, its id and the partitions' offsets commit in one transaction.

On (re)assignment the consumer seeks to the offsets stored in PostgreSQL, so Kafka's own committed
offsets are only a hint; a redelivered event finds its id in `processed_events` and does nothing.
Batches are applied one at a time, in the order fetched; while one batch's transaction runs, the next one is
fetched and decoded, which is what lets a replay of the whole topic keep up with the broker.
Tables (`MIGRATIONS`, applied by every consuming service before its own):
    processed_events(consumer text, event_id uuid, primary key (consumer, event_id))
    consumer_offsets(consumer text, topic text, partition int, next_offset bigint, primary key (...))
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from pathlib import Path
from typing import Any, Awaitable, Callable

import asyncpg
from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import KafkaError

from tuoyu import faults, metrics
from tuoyu.envelope import Envelope
from tuoyu.errors import NotCaughtUp

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations" / "inbox"

Handler = Callable[[asyncpg.Connection, Any], Awaitable[None]]
BatchHandler = Callable[[asyncpg.Connection, list[Any]], Awaitable[None]]
# Each fetched partition's messages as (offset, decoded event), in offset order.
Fetched = dict[TopicPartition, list[tuple[int, Any]]]


class _SeekToStoredOffsets(ConsumerRebalanceListener):
    def __init__(self, inbox: "Inbox", consumer: AIOKafkaConsumer):
        self._inbox = inbox
        self._consumer = consumer  # its own: an assignment may still arrive while a failed consumer stops

    async def on_partitions_revoked(self, revoked):
        await self._inbox.settle()  # the stored offsets read on assignment must include the batch in flight

    async def on_partitions_assigned(self, assigned):
        await self._inbox.seek_to_stored(self._consumer, assigned)


class Inbox:
    """Consumes topics into PostgreSQL with exactly one effect per event."""

    def __init__(self, pool: asyncpg.Pool, bootstrap: str, topics: list[str], name: str,
                 handler: Handler | None = None, *, batch_handler: BatchHandler | None = None,
                 decode: Callable[[bytes], Any] = Envelope.from_bytes, max_records: int = 10000):
        """Give `handler` (one event at a time) or `batch_handler` (all new events of a batch, in order).

        `decode` turns a message's bytes into the event handed on, which has an `id` (a UUID or its text): an
        `Envelope` unless the consumer brings a typed one (`tuoyu.events.decoding.decode`).
        """
        self._pool = pool
        self._bootstrap = bootstrap
        self._topics = topics
        self.name = name
        if (handler is None) == (batch_handler is None):
            raise ValueError("give exactly one of handler and batch_handler")
        self._handler = handler
        self._batch_handler = batch_handler
        self._decode = decode
        self._max_records = max_records
        self._consumer: AIOKafkaConsumer | None = None
        self._applying: asyncio.Task | None = None

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
            consumer.subscribe(self._topics, listener=_SeekToStoredOffsets(self, consumer))
            while True:
                batches = await consumer.getmany(timeout_ms=500, max_records=self._max_records)
                if self._applying is not None and self._applying.done():
                    self._applying.result()  # a failed batch restarts us now, not when the next event arrives
                if not batches:
                    continue
                fetched = {}
                for tp, messages in batches.items():
                    fetched[tp] = [(m.offset, self._decode(m.value)) for m in messages]
                    await asyncio.sleep(0)  # let the batch in flight send its next statement meanwhile
                if self._applying is not None:
                    await self._applying  # the previous batch has committed (or its failure restarts us)
                self._applying = asyncio.create_task(self._apply(consumer, fetched))
        finally:
            if self._applying is not None:
                self._applying.cancel()  # its transaction rolls back: the batch is fetched again
                await asyncio.wait([self._applying])
                self._applying = None
            self._consumer = None
            await consumer.stop()

    async def settle(self) -> None:
        """Wait until the batch in flight, if any, has committed or failed."""
        if self._applying is not None:
            await asyncio.wait([self._applying])

    async def seek_to_stored(self, consumer: AIOKafkaConsumer, partitions) -> None:
        stored = await self._stored_offsets(self._pool)
        for tp in partitions:
            if tp in stored:
                consumer.seek(tp, stored[tp])
            else:
                await consumer.seek_to_beginning(tp)

    async def _stored_offsets(self, db: asyncpg.Pool | asyncpg.Connection) -> dict[TopicPartition, int]:
        rows = await db.fetch(
            "SELECT topic, partition, next_offset FROM consumer_offsets WHERE consumer = $1", self.name)
        return {TopicPartition(r["topic"], r["partition"]): r["next_offset"] for r in rows}

    async def _apply(self, consumer: AIOKafkaConsumer, fetched: Fetched) -> None:
        """One transaction for everything fetched: effects, event ids and every partition's next offset."""
        next_offsets = {tp: messages[-1][0] + 1 for tp, messages in fetched.items()}
        async with self._pool.acquire() as conn, conn.transaction():
            stored = await self._stored_offsets(conn)
            events = [event for tp, messages in fetched.items() for offset, event in messages
                      if offset >= stored.get(tp, 0)]  # below: applied before a restart or a rebalance
            fresh = await self._record_new(conn, events)
            if self._batch_handler is not None:
                await self._batch_handler(conn, fresh)
            else:
                for event in fresh:
                    await self._handler(conn, event)
            # Offsets only move forward: a batch fetched just before a rebalance may commit after a newer one.
            await conn.executemany(
                "INSERT INTO consumer_offsets (consumer, topic, partition, next_offset) VALUES ($1,$2,$3,$4) "
                "ON CONFLICT (consumer, topic, partition) DO UPDATE SET next_offset = excluded.next_offset "
                "WHERE consumer_offsets.next_offset < excluded.next_offset",
                [(self.name, tp.topic, tp.partition, offset) for tp, offset in next_offsets.items()])
            faults.point("KILL_BEFORE_COMMIT")
        metrics.EVENTS_CONSUMED.labels(self.name).inc(len(fresh))
        metrics.EVENTS_DUPLICATE.labels(self.name).inc(len(events) - len(fresh))
        try:
            await consumer.commit(next_offsets)
        except KafkaError as error:  # a hint only (PostgreSQL holds the truth), e.g. refused mid-rebalance
            log.info("consumer %s: offsets not committed to Kafka: %r", self.name, error)

    async def _record_new(self, conn: asyncpg.Connection, events: list) -> list:
        """Record the batch's event ids; return the events not seen before, first copies only, in order."""
        if not events:
            return []
        try:
            async with conn.transaction():  # a savepoint: a duplicate id undoes only this attempt
                # In id order: the ids are random, and sorted ones reach each page of the primary key's index in
                # one pass (a third less of PostgreSQL's time for the COPY in a replay).
                await conn.copy_records_to_table("processed_events", columns=("consumer", "event_id"),
                                                 records=[(self.name, event_id) for event_id in
                                                          sorted(event.id for event in events)])
            return events  # the usual case, and a replay's: every id is new
        except asyncpg.UniqueViolationError:  # a redelivery, or the relay published an event twice
            pass
        rows = await conn.fetch(
            "INSERT INTO processed_events (consumer, event_id) SELECT $1, unnest($2::uuid[]) "
            "ON CONFLICT DO NOTHING RETURNING event_id", self.name, [event.id for event in events])
        new_ids = {r["event_id"] for r in rows}
        fresh = []
        for event in events:
            event_id = uuid.UUID(str(event.id))  # an `Envelope`'s id is a UUID, a `Received`'s its text
            if event_id in new_ids:
                new_ids.discard(event_id)
                fresh.append(event)
        return fresh

    async def lag(self) -> int:
        """Messages on the broker not yet applied here (0 means caught up with everything published)."""
        consumer = self._consumer
        if consumer is None:
            raise RuntimeError("consumer is not running")
        partitions = []
        for topic in self._topics:
            known = consumer.partitions_for_topic(topic)
            if not known:  # a consumer just started has no metadata yet: "no partitions" would read as caught up
                raise RuntimeError(f"consumer {self.name} does not know topic {topic}'s partitions yet")
            partitions += [TopicPartition(topic, p) for p in known]
        ends = await consumer.end_offsets(partitions)
        stored = await self._stored_offsets(self._pool)
        lag = sum(max(0, end - stored.get(tp, 0)) for tp, end in ends.items())
        metrics.CONSUMER_LAG.labels(self.name).set(lag)
        return lag

    async def wait_caught_up(self, timeout: float = 60) -> None:
        """Return once every event published so far has been applied here (a reader's barrier: billing's before
        a cycle or a bank file); `NotCaughtUp` (503) after `timeout` seconds, so a request never hangs."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                if await self.lag() == 0:
                    return
            except RuntimeError:
                pass  # the consumer is (re)starting
            if time.monotonic() > deadline:
                raise NotCaughtUp(f"consumer {self.name} has not yet applied every event of {', '.join(self._topics)} "
                                  f"published so far; retry shortly")
            await asyncio.sleep(0.1)

    async def watch_lag(self, every: float = 5) -> None:
        """Keep the consumer-lag gauge current for Prometheus (`lag` sets it on each reading)."""
        while True:
            try:
                await self.lag()
            except Exception:  # the consumer is (re)starting; the next reading will do
                pass
            await asyncio.sleep(every)
