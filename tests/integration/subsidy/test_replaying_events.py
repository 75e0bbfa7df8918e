"""The subsidy view applied from enrollment events in batches, on the real PostgreSQL and Kafka.

A record is replaced only by a higher version, whatever order its snapshots arrive in, and an event delivered
again (a redelivery after a crash, or the relay publishing it twice) changes nothing.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from datetime import date

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer

from subsidy import projection
from subsidy.app import MIGRATIONS
from tests.stack import drop_databases, pg_admin_dsn
from tuoyu import db, kafka
from tuoyu.envelope import Envelope
from tuoyu.events import decoding
from tuoyu.inbox import MIGRATIONS as INBOX_MIGRATIONS, Inbox

FACILITY = "F00001"
BOOTSTRAP = os.environ.get("TUOYU_KAFKA_BOOTSTRAP", "127.0.0.1:59092")


@pytest.fixture
async def view(infra):
    """A fresh subsidy database; dropped after the test."""
    name = f"t{uuid.uuid4().hex[:10]}_subsidy"
    dsn = pg_admin_dsn(name)
    await db.migrate(dsn, INBOX_MIGRATIONS, MIGRATIONS)
    pool = await db.create_pool(dsn, max_size=4)
    yield pool
    await pool.close()
    drop_databases([name])


def family_registered() -> Envelope:
    return Envelope(type="FamilyRegistered", occurred_on=date(2022, 9, 1), key=FACILITY,
                    payload={"family": {"facility": FACILITY, "external_id": "FAM1", "version": 1}})


def child_registered() -> Envelope:
    return Envelope(type="ChildRegistered", occurred_on=date(2022, 9, 1), key=FACILITY, payload={"child": {
        "facility": FACILITY, "family": "FAM1", "external_id": "K1", "birth_date": "2021-08-26", "birth_order": 1,
        "version": 1}})


def enrollment(version: int, fees: dict[str, str]) -> Envelope:
    return Envelope(type="FeeChanged" if version > 1 else "ChildEnrolled", occurred_on=date(2022, 9, 1),
                    key=FACILITY, payload={"enrollment": {
                        "facility": FACILITY, "external_id": "E1", "child": "K1", "class": "C1", "care": "full_day",
                        "start": "2022-09-01", "end": None, "version": version,
                        "fees": [{"from": day, "monthly_fee": fee} for day, fee in fees.items()]}})


def received(*envelopes: Envelope) -> list:
    return [decoding.decode(e.to_bytes()) for e in envelopes]


async def apply(pool: asyncpg.Pool, *envelopes: Envelope) -> None:
    async with pool.acquire() as conn, conn.transaction():
        await projection.apply_batch(conn, received(*envelopes))


async def enrollment_in_view(pool: asyncpg.Pool) -> tuple[int, list[tuple[date, int]]]:
    version = await pool.fetchval("SELECT version FROM enrollments WHERE external_id = 'E1'")
    fees = await pool.fetch("SELECT effective_from, fee_fen FROM enrollment_fees ORDER BY effective_from")
    return version, [tuple(f) for f in fees]


SEPTEMBER_FEE = {"2022-09-01": "4000.00"}
RAISED_IN_OCTOBER = {"2022-09-01": "4000.00", "2022-10-01": "4500.00"}
RAISED_FEES_IN_VIEW = [(date(2022, 9, 1), 400000), (date(2022, 10, 1), 450000)]


async def test_an_older_snapshot_after_a_newer_one_in_the_same_batch_keeps_the_newer(view):
    await apply(view, family_registered(), child_registered(), enrollment(2, RAISED_IN_OCTOBER),
                enrollment(1, SEPTEMBER_FEE))

    assert await enrollment_in_view(view) == (2, RAISED_FEES_IN_VIEW)


async def test_a_newer_snapshot_replaces_the_fees_and_a_late_older_one_changes_nothing(view):
    await apply(view, family_registered(), child_registered(), enrollment(1, SEPTEMBER_FEE))
    await apply(view, enrollment(2, RAISED_IN_OCTOBER))
    await apply(view, enrollment(1, SEPTEMBER_FEE))

    assert await enrollment_in_view(view) == (2, RAISED_FEES_IN_VIEW)


async def test_an_enrollment_whose_child_is_not_in_the_view_fails_the_batch(view):
    with pytest.raises(LookupError, match="child not in the view"):
        await apply(view, enrollment(1, SEPTEMBER_FEE))

    assert await view.fetchval("SELECT count(*) FROM enrollments") == 0


async def consume_until_applied(view: asyncpg.Pool, topic: str, group: str, expected: int) -> list[str]:
    """Run an inbox until its stored offsets reach `expected` messages; returns the ids it handed to the view."""
    handed = []

    async def apply_batch(conn, batch):
        handed.extend(str(event.id) for event in batch)
        await projection.apply_batch(conn, batch)

    inbox = Inbox(view, BOOTSTRAP, [topic], group, batch_handler=apply_batch, decode=decoding.decode)
    task = asyncio.create_task(inbox.run())
    try:
        async with asyncio.timeout(60):
            while await view.fetchval("SELECT coalesce(sum(next_offset), 0) FROM consumer_offsets") < expected:
                await asyncio.sleep(0.1)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    return handed


async def publish(events: list[Envelope]) -> str:
    """A new topic with these events on it."""
    topic = f"t{uuid.uuid4().hex[:10]}.enrollment.events"
    await kafka.ensure_topics(BOOTSTRAP, [topic])
    await publish_to(topic, events)
    return topic


async def publish_to(topic: str, events: list[Envelope]) -> None:
    """Publish in order, all keyed by the one facility (so on one partition)."""
    producer = AIOKafkaProducer(bootstrap_servers=BOOTSTRAP)
    await producer.start()
    try:
        for event in events:
            await producer.send_and_wait(topic, event.to_bytes(), key=FACILITY.encode())
    finally:
        await producer.stop()


async def test_events_delivered_twice_are_applied_once(view):
    enrolled, raised = enrollment(1, SEPTEMBER_FEE), enrollment(2, RAISED_IN_OCTOBER)
    # The relay published the enrollment twice (it died before marking it sent).
    published = [family_registered(), child_registered(), enrolled, enrolled, raised]
    topic = await publish(published)

    handed = await consume_until_applied(view, topic, f"{topic}.subsidy", len(published))
    assert handed == [str(event.id) for event in (published[:3] + published[4:])]
    assert await enrollment_in_view(view) == (2, RAISED_FEES_IN_VIEW)

    # Offsets lost (as if the batch were redelivered after a crash): every event comes again, none applies twice.
    await view.execute("DELETE FROM consumer_offsets")
    assert await consume_until_applied(view, topic, f"{topic}.subsidy", len(published)) == []
    assert await view.fetchval("SELECT count(*) FROM processed_events") == 4
    assert await enrollment_in_view(view) == (2, RAISED_FEES_IN_VIEW)


async def test_a_batch_that_failed_is_applied_again_without_waiting_for_another_event(view):
    topic = await publish([family_registered(), child_registered(), enrollment(1, SEPTEMBER_FEE)])
    failures: list[Exception] = []

    async def apply_batch(conn, batch):
        if failures and batch:  # not a batch of redeliveries only (nothing new in it)
            raise failures.pop(0)
        await projection.apply_batch(conn, batch)

    async def applied(messages: int) -> None:
        async with asyncio.timeout(30):
            while await view.fetchval("SELECT coalesce(sum(next_offset), 0) FROM consumer_offsets") < messages:
                await asyncio.sleep(0.1)

    inbox = Inbox(view, BOOTSTRAP, [topic], f"{topic}.subsidy", batch_handler=apply_batch, decode=decoding.decode)
    task = asyncio.create_task(inbox.run())
    try:
        await applied(3)
        # The fee change's batch fails (the database went away mid-batch) and nothing else is published after it.
        failures.append(ConnectionResetError("the database went away mid-batch"))
        await publish_to(topic, [enrollment(2, RAISED_IN_OCTOBER)])
        await applied(4)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert failures == []
    assert await enrollment_in_view(view) == (2, RAISED_FEES_IN_VIEW)
