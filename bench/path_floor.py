"""What the event path cannot go below with its present schema and broker: PostgreSQL's own work to write one
enrollment (its checks' reads, the rows, the outbox row, the commit) and the broker's per message.

Used by `bench/event_path.py` after its rates, on the same world: the write floor sends the API's own statement
(`handlers.roster.enroll`, between BEGIN and COMMIT) from one connection, one enrollment after another, and
counts the backend's CPU; the broker's is a bare aiokafka producer and one consumer group at a rate, counting the
broker's CPU per message beyond what it spends idle (the path has one producer, the outbox relay, sending in
batches, and two consumer groups: subsidy and billing).
"""

from __future__ import annotations

import asyncio
import os
import time
from datetime import date

import asyncpg

from bench.cpu import STACK_DIR, PathCpu, cpu_seconds
from enrollment.domain.models import NewEnrollment
from enrollment.handlers import roster
from tests.stack import World, pg_admin_dsn
from tuoyu.settings import ENROLLMENT_TOPIC

TODAY = date(2022, 9, 1)  # the enrollments start on it


async def _write_one_after_another(conn: asyncpg.Connection, seats: list[tuple[str, str, str]], tag: str,
                                   topic: str) -> None:
    for i, (facility, child, klass) in enumerate(seats):
        new = NewEnrollment.model_validate({"external_id": f"{tag}-{i:06d}", "child": child, "class": klass,
                                            "monthly_fee": "2000.00", "start": "2022-09-01"})
        async with conn.transaction():
            _, created = await roster.enroll(conn, facility, new, TODAY, topic)
            assert created, f"the floor's enrollment {new.external_id} was not written"


async def _write_floor(world: World, seats: list[tuple[str, str, str]], tag: str, connections: int) -> dict:
    """`seats` written from `connections` connections at once (each its share, one after another), their
    enrollments named `<tag><connection>-<n>`."""
    conns = [await asyncpg.connect(pg_admin_dsn(f"{world.namespace}_enrollment")) for _ in range(connections)]
    try:
        backends = [await conn.fetchval("SELECT pg_backend_pid()") for conn in conns]
        topic = f"{world.namespace}.{ENROLLMENT_TOPIC}"
        spent, client = sum(cpu_seconds(b) for b in backends), sum(os.times()[:2])
        await asyncio.gather(*(_write_one_after_another(conn, seats[k::connections], f"{tag}{k}", topic)
                               for k, conn in enumerate(conns)))
        backend_us = (sum(cpu_seconds(b) for b in backends) - spent) * 1e6 / len(seats)
        client_us = (sum(os.times()[:2]) - client) * 1e6 / len(seats)
        return {"enrollments": len(seats), "connections": connections, "postgres_backend_us": round(backend_us),
                "client_us": round(client_us)}
    finally:
        for conn in conns:
            await conn.close()


def write_floor(world: World, seats: list[tuple[str, str, str]], tag: str, connections: int = 1) -> dict:
    """PostgreSQL CPU (µs) to write one enrollment as the API does, and this client's: from one connection one
    after another, or from several at once (PostgreSQL's own work then includes waiting for each other's locks and
    commits, as the API's connections do)."""
    return asyncio.run(_write_floor(world, seats, tag, connections))


IDLE_SECONDS = 3.0


def broker_floor(run_bare, messages: int) -> dict:
    """The broker's CPU per message (one producer, one consumer group) while `run_bare()` runs, less what the broker
    spends idle (heartbeats, the controller, the JVM: measured for `IDLE_SECONDS` first, per second of the run)."""
    cpu = PathCpu({}, [], STACK_DIR)
    cpu.start()
    time.sleep(IDLE_SECONDS)
    idle_per_s = cpu.stop()["kafka_broker"] / IDLE_SECONDS
    cpu.start()
    began = time.perf_counter()
    result = run_bare()
    elapsed = time.perf_counter() - began
    spent = cpu.stop()
    return {**result, "broker_idle_cpu_per_s": round(idle_per_s, 3),
            "broker_us_per_message": round((spent["kafka_broker"] - idle_per_s * elapsed) * 1e6 / messages),
            "client_us_per_message": round(spent["load_client"] * 1e6 / messages)}
