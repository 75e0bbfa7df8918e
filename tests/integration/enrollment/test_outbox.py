"""The outbox's one way in (`tuoyu.outbox.add_events`): a few events or a bulk batch, the same rows and wake-up.

Each test writes into a temporary `outbox` of its own (it shadows the service's table inside the transaction), so
the relay never sees these events.
"""

from __future__ import annotations

import asyncio
from datetime import date

import asyncpg
import pytest

from tests.stack import pg_admin_dsn
from tuoyu import outbox
from tuoyu.envelope import Envelope


def dsn(desk) -> str:
    return pg_admin_dsn().rsplit("/", 1)[0] + f"/{desk.world.namespace}_enrollment"


def events(count: int) -> list[Envelope]:
    return [Envelope(type="ChildEnrolled", occurred_on=date(2022, 9, 1), key=f"F{i % 3}", payload={"n": i})
            for i in range(count)]


async def write(desk, written: list[Envelope], *, commit: bool) -> tuple[list, bool]:
    """Add `written` in one transaction; (the rows it left, in sequence order; whether the relay was woken)."""
    woken = asyncio.Event()
    listener = await asyncpg.connect(dsn(desk))
    writer = await asyncpg.connect(dsn(desk))
    try:
        await listener.add_listener(outbox.NOTIFY_CHANNEL, lambda *_: woken.set())
        transaction = writer.transaction()
        await transaction.start()
        await writer.execute("CREATE TEMPORARY TABLE outbox (LIKE public.outbox INCLUDING ALL) ON COMMIT DROP")
        await outbox.add_events(writer, "test.enrollment", written)
        rows = await writer.fetch("SELECT event_id, topic, key, body, sent_at FROM outbox ORDER BY seq")
        await (transaction.commit() if commit else transaction.rollback())
        try:
            await asyncio.wait_for(woken.wait(), 2)
        except asyncio.TimeoutError:
            pass
        return rows, woken.is_set()
    finally:
        await writer.close()
        await listener.close()


@pytest.mark.parametrize("count", [1, outbox.COPY_FROM - 1, outbox.COPY_FROM, 2 * outbox.COPY_FROM + 7])
async def test_events_are_stored_in_their_order_unsent_and_wake_the_relay_on_commit(desk, count):
    written = events(count)
    rows, woken = await write(desk, written, commit=True)
    assert [(r["event_id"], r["topic"], r["key"], bytes(r["body"])) for r in rows] == [
        (e.id, "test.enrollment", e.key, e.to_bytes()) for e in written]
    assert all(r["sent_at"] is None for r in rows)
    assert woken


@pytest.mark.parametrize("count", [1, outbox.COPY_FROM])
async def test_a_rolled_back_transaction_does_not_wake_the_relay(desk, count):
    _, woken = await write(desk, events(count), commit=False)
    assert not woken


async def test_no_events_write_nothing_and_wake_nobody(desk):
    rows, woken = await write(desk, [], commit=True)
    assert rows == [] and not woken
