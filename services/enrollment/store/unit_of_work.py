"""The unit of work: one transaction in which the changes and their events (`tuoyu.outbox`) commit together.

Every write goes through it, the API's one record at a time and the roster import's batches alike. A long import
`flush`es each batch's events to the outbox as it goes, so it never holds them all; a dry run `discard`s the lot.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import AsyncIterator

import asyncpg

from tuoyu import outbox
from tuoyu.envelope import Envelope


class UnitOfWork:
    def __init__(self, conn: asyncpg.Connection, topic: str):
        self.conn, self.topic = conn, topic
        self.events: list[Envelope] = []
        self.discarded = False

    def publish(self, events: list[Envelope]) -> None:
        self.events.extend(events)

    async def flush(self) -> None:
        """Write the events published so far to the outbox (inside the transaction: they commit with the rest)."""
        events, self.events = self.events, []
        await outbox.add_events(self.conn, self.topic, events)

    def discard(self) -> None:
        """Roll everything back at the end instead of committing (a dry run, or nothing to apply)."""
        self.discarded = True


@asynccontextmanager
async def unit_of_work(pool: asyncpg.Pool, topic: str) -> AsyncIterator[UnitOfWork]:
    """One transaction: the change and its events commit together or not at all."""
    async with pool.acquire() as conn:
        transaction = conn.transaction()
        await transaction.start()
        try:
            uow = UnitOfWork(conn, topic)
            yield uow
            if uow.discarded:
                await transaction.rollback()
                return
            await uow.flush()
        except BaseException:
            await transaction.rollback()
            raise
        await transaction.commit()
