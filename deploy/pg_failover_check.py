"""Checks that a PostgreSQL primary can die without losing what it acknowledged: not part of `make test`.

Starts the pg_auto_failover formation (TUOYU_PG_NODES=2, deploy/pg_cluster.sh) afresh unless it runs, then twice:
1. rows: inserts numbered rows through the multi-host DSN (each insert retried on a lost connection, the numbers
   acknowledged recorded), SIGKILLs the primary (its pg_autoctl and postgres), waits for the standby's promotion,
   keeps writing, starts the old primary again (it rejoins as standby) and checks every acknowledged row is on the
   new primary and on the rejoined standby; reports how long writes were refused.
2. a service: the three services (tests.stack.World) against the formation; registers facilities through the
   enrollment API (a 503 or a lost connection retried with the same external id), SIGKILLs the primary midway,
   and checks each facility is stored once, its event published once and applied once by subsidy's inbox, and the
   outbox relay drained it all, with no service restarted.
Exits 1 on any problem. Stops the formation at the end if it started it. `make pg-check` runs it on its own stack
dir and ports (TUOYU_STACK_DIR/pg-check, TUOYU_PG_PORT + 20) with the stack's Kafka:

    TUOYU_STACK_DIR=/tmp/pgcheck TUOYU_PG_PORT=57432 .venv/bin/python deploy/pg_failover_check.py
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.reliability import infra  # noqa: E402
from tests.stack import World, pg_admin_dsn  # noqa: E402
from tuoyu import db  # noqa: E402
from tuoyu.settings import postgres_dsn  # noqa: E402

T0 = time.monotonic()


def say(text: str) -> None:
    print(f"[{time.monotonic() - T0:6.1f}s] {text}", flush=True)


@dataclass
class Writes:
    """What the writer saw: the numbers acknowledged, and the spans during which no write was accepted."""

    acknowledged: list[int] = field(default_factory=list)
    refused_since: float | None = None
    outages: list[tuple[float, float]] = field(default_factory=list)  # (refused from, accepted again), monotonic

    def refused(self) -> None:
        self.refused_since = self.refused_since or time.monotonic()

    def accepted(self, n: int) -> None:
        self.acknowledged.append(n)
        if self.refused_since is not None:
            self.outages.append((self.refused_since, time.monotonic()))
            self.refused_since = None


async def write(pool: asyncpg.Pool, stop: asyncio.Event, writes: Writes) -> None:
    n = 0
    while not stop.is_set():
        try:
            await pool.execute("INSERT INTO writes (id) VALUES ($1)", n)
        except asyncpg.UniqueViolationError:
            pass  # a retry of an insert that committed while its connection was lost
        except db.CONNECTION_LOST:
            writes.refused()
            await asyncio.sleep(0.02)
            continue
        writes.accepted(n)
        n += 1


async def until(seconds: float, writes: Writes, what: str) -> None:
    before = len(writes.acknowledged)
    await asyncio.sleep(seconds)
    say(f"{what}: {len(writes.acknowledged) - before} rows acknowledged in {seconds:.0f} s")


async def rows_check() -> list[str]:
    dsn = pg_admin_dsn("pg_failover_check")
    await db.ensure_database(dsn)
    pool = await db.create_pool(dsn, max_size=2)
    await pool.execute("DROP TABLE IF EXISTS writes; CREATE TABLE writes (id bigint PRIMARY KEY)")
    writes, stop = Writes(), asyncio.Event()
    writer = asyncio.create_task(write(pool, stop, writes))
    await until(3, writes, "before the kill")
    old = infra.pg_primary()
    infra.kill_pg_node(old)
    killed_at = time.monotonic()
    say(f"SIGKILL node{old}, the primary (pg_autoctl and postgres)")
    new = await asyncio.to_thread(infra.wait_pg_primary, not_node=old)
    say(f"node{new} promoted {time.monotonic() - killed_at:.1f} s after the kill (the monitor's view)")
    await until(3, writes, "on the new primary")
    await asyncio.to_thread(infra.start_pg)
    say(f"node{old} started again")
    await asyncio.to_thread(infra.wait_pg_secondary, old)
    say(f"node{old} back as synchronous standby {time.monotonic() - killed_at:.1f} s after the kill")
    await until(2, writes, "with the standby back")
    stop.set()
    await writer
    await pool.close()

    refused = [(a - killed_at, b - a) for a, b in writes.outages]
    say("writes refused: " + (", ".join(f"{length:.2f} s from {start:+.2f} s after the kill"
                                        for start, length in refused) or "never"))
    on_primary = {r[0] for r in await _fetch(dsn, "SELECT id FROM writes")}
    lost = set(writes.acknowledged) - on_primary
    say(f"{len(writes.acknowledged)} acknowledged, {len(on_primary)} on node{new} (the primary), {len(lost)} lost; "
        f"{len(on_primary - set(writes.acknowledged))} committed whose answer was lost")
    standby = postgres_dsn(f"127.0.0.1:{infra.stack_env(f'$(pg_node_port {old})')}", "tuoyu", "tuoyu", "pg_failover_check")
    on_standby = await _eventually(standby, "SELECT id FROM writes", len(on_primary))
    say(f"{len(on_standby)} on node{old} (the rejoined standby)")
    problems = [f"{len(lost)} acknowledged rows lost, e.g. {sorted(lost)[:10]}"] if lost else []
    if {r[0] for r in on_standby} != on_primary:
        problems.append("the rejoined standby does not hold the primary's rows")
    return problems


async def _fetch(dsn: str, sql: str) -> list:
    conn = await asyncpg.connect(dsn)
    try:
        return await conn.fetch(sql)
    finally:
        await conn.close()


async def _eventually(dsn: str, sql: str, count: int, timeout: float = 30) -> list:
    deadline = time.monotonic() + timeout
    while len(rows := await _fetch(dsn, sql)) != count and time.monotonic() < deadline:
        await asyncio.sleep(0.5)
    return rows


FACILITY = {"name": "故障转移托育园", "kind": "childcare_institution", "ownership": "private_nonprofit",
            "inclusive": True, "serves_meals": True, "bank_account": "6222020200112233445"}


def register(client: httpx.Client, external_id: str) -> tuple[int, int, float]:
    """POST the facility until it is accepted; returns (status, tries refused, seconds from the first refusal)."""
    began = time.monotonic()
    for refused in range(600):
        try:
            response = client.post("/facilities", json={"external_id": external_id, **FACILITY})
            if response.status_code in (200, 201):
                return response.status_code, refused, (time.monotonic() - began) if refused else 0.0
            if response.status_code != 503:
                raise SystemExit(f"facility {external_id}: {response.status_code} {response.text}")
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"facility {external_id} not accepted in a minute")


def service_check(count: int = 300) -> list[str]:
    world = World(Path(tempfile.mkdtemp(prefix="pg-failover-")), TUOYU_LOG_LEVEL="WARNING").start()
    try:
        client = httpx.Client(base_url=world["enrollment"].url, timeout=60,
                              headers={"Authorization": f"Bearer {world.admin_key}"})
        old = infra.pg_primary()
        killer = threading.Timer(3, infra.kill_pg_node, [old])
        began, refused, waited, statuses = time.monotonic(), 0, 0.0, {}
        killer.start()
        for i in range(count):
            status, tries, seconds = register(client, f"FO{i}")
            refused, waited = refused + tries, waited + seconds
            statuses[status] = statuses.get(status, 0) + 1
        killer.join()
        say(f"registered {count} facilities in {time.monotonic() - began:.1f} s through the enrollment service, "
            f"node{old} SIGKILLed 3 s in; {refused} tries refused (503 or connection lost) over {waited:.1f} s, "
            f"answers {statuses}")
        infra.wait_pg_primary(not_node=old)
        stored = world.query("enrollment", "SELECT external_id, count(*) FROM facilities WHERE external_id LIKE 'FO%'"
                                           " GROUP BY external_id")
        events = [json.loads(bytes(body)) for (body,) in world.query("enrollment", "SELECT body FROM outbox")]
        ids = {e["id"] for e in events if e["type"] == "FacilityRegistered"}  # a fresh world: only these facilities
        deadline = time.monotonic() + 60
        while True:
            unsent = world.query("enrollment", "SELECT count(*) FROM outbox WHERE sent_at IS NULL")[0][0]
            applied = {str(r[0]) for r in world.query("subsidy", "SELECT event_id FROM processed_events")}
            if (unsent == 0 and ids <= applied) or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        ready = {name: httpx.get(f"{world[name].url}/ready").status_code for name in ("enrollment", "subsidy")}
        say(f"{len(stored)} facilities stored, {len(ids)} FacilityRegistered events, {unsent} unsent, "
            f"{len(ids & applied)} applied by subsidy; /ready {ready}; no service restarted")
        problems = []
        if len(stored) != count or any(n != 1 for _, n in stored):
            problems.append(f"{len(stored)} facilities stored for {count} registered, or some twice")
        if len(ids) != count:
            problems.append(f"{len(ids)} FacilityRegistered events for {count} facilities")
        if unsent or not ids <= applied:
            problems.append(f"{unsent} events unsent, {len(ids - applied)} not applied by subsidy")
        if any(code != 200 for code in ready.values()) or any(s.process.poll() is not None for s in
                                                             world.services.values()):
            problems.append(f"a service is not ready or died: {ready}")
        infra.start_pg()
        infra.wait_pg_secondary(old)
        say(f"node{old} back as standby")
        return problems
    finally:
        for _ in range(60):  # dropping the world's databases needs a primary: a failover may be under way
            try:
                world.close()
                break
            except psycopg.OperationalError:
                time.sleep(1)


def main() -> int:
    # asyncpg's pool logs each failed attempt to refill itself while no node takes writes; the check says what matters.
    logging.getLogger("asyncpg").setLevel(logging.CRITICAL)
    os.environ["TUOYU_PG_NODES"] = "2"
    os.environ.pop("TUOYU_PG_HOSTS", None)  # derived for one node by `make`: derive it for the formation
    os.environ["TUOYU_PG_HOSTS"] = infra.stack_env("$TUOYU_PG_HOSTS")
    started_here = "running" not in infra.pg_sh("status")
    if started_here:
        say("starting a fresh formation")
        infra.pg_sh("wipe")
        infra.start_pg()
    primary = infra.wait_pg_primary()
    infra.wait_pg_secondary(3 - primary)
    say(f"formation ({os.environ['TUOYU_PG_HOSTS']}):\n" + infra.pg_sh("status").rstrip())
    try:
        problems = asyncio.run(rows_check())
        problems += service_check()
    finally:
        if started_here:
            infra.pg_sh("stop")
            say("formation stopped")
    say("; ".join(problems) if problems else "nothing acknowledged was lost; the service recovered on its own")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
