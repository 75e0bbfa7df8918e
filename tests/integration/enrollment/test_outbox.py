"""The outbox's one way in (`tuoyu.outbox.add_events`): a few events or a bulk batch, the same rows.

Each test writes into a temporary `outbox` of its own (it shadows the service's table inside the transaction), so
the relay never sees these events.
"""

from __future__ import annotations

from datetime import date

import asyncpg
import pytest

from tests.stack import pg_admin_dsn
from tuoyu import outbox
from tuoyu.envelope import Envelope


def events(count: int) -> list[Envelope]:
    return [Envelope(type="ChildEnrolled", occurred_on=date(2022, 9, 1), key=f"F{i % 3}", payload={"n": i})
            for i in range(count)]


async def write(desk, written: list[Envelope]) -> list:
    """Add `written` in one transaction; the rows it left, in sequence order."""
    writer = await asyncpg.connect(pg_admin_dsn(f"{desk.world.namespace}_enrollment"))
    try:
        async with writer.transaction():
            await writer.execute("CREATE TEMPORARY TABLE outbox (LIKE public.outbox INCLUDING ALL) ON COMMIT DROP")
            await outbox.add_events(writer, "test.enrollment", written)
            return await writer.fetch("SELECT event_id, topic, key, body, sent_at FROM outbox ORDER BY seq")
    finally:
        await writer.close()


@pytest.mark.parametrize("count", [0, 1, outbox.COPY_FROM - 1, outbox.COPY_FROM, 2 * outbox.COPY_FROM + 7])
async def test_events_are_stored_in_their_order_and_unsent(desk, count):
    written = events(count)
    rows = await write(desk, written)
    assert [(r["event_id"], r["topic"], r["key"], bytes(r["body"])) for r in rows] == [
        (e.id, "test.enrollment", e.key, e.to_bytes()) for e in written]
    assert all(r["sent_at"] is None for r in rows)
