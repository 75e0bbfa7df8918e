"""The replay's yardstick inside PostgreSQL: what storing the rebuilt view costs with nothing to decide.

A fresh database with the subsidy service's migrations takes, by binary COPY in one transaction, exactly the rows a
replay writes (the event ids and the view's tables, with all their indexes), copied from a rebuilt view; the
CPU its backend spends, per event of the topic, is the floor under the replay's own PostgreSQL CPU per event.
"""

from __future__ import annotations

import asyncio
import time

import psycopg

from bench.cpu import cpu_seconds
from subsidy.app import MIGRATIONS
from tests.stack import drop_databases, pg_admin_dsn
from tuoyu import db, inbox

TABLES = ("processed_events", "facilities", "classes", "families", "children", "enrollments", "enrollment_fees")


def copy_floor(source: str, target: str, events: int) -> dict:
    """COPY the replay's tables from database `source` into a freshly migrated `target`, timed; then drop it."""
    base = pg_admin_dsn().rsplit("/", 1)[0]
    asyncio.run(db.migrate(f"{base}/{target}", inbox.MIGRATIONS, MIGRATIONS))
    try:
        with psycopg.connect(f"{base}/{source}") as src, psycopg.connect(f"{base}/{target}") as dst:
            backend = dst.execute("SELECT pg_backend_pid()").fetchone()[0]
            cpu, started = cpu_seconds(backend), time.perf_counter()
            rows = 0
            with dst.transaction():
                for table in TABLES:
                    with src.cursor().copy(f"COPY {table} TO STDOUT (FORMAT BINARY)") as out, \
                            dst.cursor().copy(f"COPY {table} FROM STDIN (FORMAT BINARY)") as into:
                        for data in out:
                            into.write(data)
                    rows += dst.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            seconds, cpu = time.perf_counter() - started, cpu_seconds(backend) - cpu
    finally:
        drop_databases([target])
    return {"rows": rows, "seconds": round(seconds, 2), "postgres_backend_s": round(cpu, 2),
            "postgres_backend_us_per_event": round(cpu / events * 1e6, 1)}
