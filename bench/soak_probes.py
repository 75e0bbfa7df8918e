"""Probes for `make soak`: small writes ten times a second, to learn how long each fault kept clients waiting.

Each probe records when its attempts succeeded; its summary is the number of attempts and failures and the longest
time between two successes (an outage as a client saw it, whatever its cause).
"""

from __future__ import annotations

import asyncio
import threading
import time

import httpx
import psycopg
from aiokafka import AIOKafkaProducer

from tests.stack import SERVICES, World, drop_databases, pg_admin_dsn
from tuoyu.kafka import ensure_topics

EVERY = 0.1


class Probe(threading.Thread):
    name = "probe"

    def __init__(self, world: World):
        super().__init__(daemon=True)
        self.world = world
        self.successes: list[float] = []
        self.failures = 0
        self.last_error: str | None = None
        self._halt = threading.Event()

    def stop(self) -> None:
        self._halt.set()
        self.join(30)

    def record(self, ok: bool, error: Exception | None = None) -> None:
        if ok:
            self.successes.append(time.monotonic())
        else:
            self.failures += 1
            self.last_error = repr(error)[:300] if error else None

    def summary(self) -> dict:
        gaps = [b - a for a, b in zip(self.successes, self.successes[1:])]
        return {"succeeded": len(self.successes), "failed": self.failures,
                "longest_outage_s": round(max(gaps, default=0.0), 2), "last_error": self.last_error}


class PostgresProbe(Probe):
    """An INSERT a tenth of a second through the multi-host connection string (it finds the primary itself)."""
    name = "postgres_writes"

    def run(self) -> None:
        database = f"{self.world.namespace}_probe"
        with psycopg.connect(pg_admin_dsn(), autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{database}"')
        dsn, conn = pg_admin_dsn(database), None
        while not self._halt.is_set():
            try:
                if conn is None or conn.closed:
                    conn = psycopg.connect(dsn, autocommit=True, connect_timeout=2)
                    conn.execute("CREATE TABLE IF NOT EXISTS soak_probe (at timestamptz DEFAULT now())")
                conn.execute("INSERT INTO soak_probe DEFAULT VALUES")
                self.record(True)
            except psycopg.Error as error:
                self.record(False, error)
                conn = None
            time.sleep(EVERY)
        if conn is not None:
            conn.close()
        drop_databases([database])


class KafkaProbe(Probe):
    """A message a tenth of a second with acks=all (two of three replicas in sync are needed)."""
    name = "kafka_writes"

    @property
    def topic(self) -> str:
        return f"{self.world.namespace}.soak-probe"

    def run(self) -> None:
        asyncio.run(self._produce())

    async def _produce(self) -> None:
        await ensure_topics(self.world.env["TUOYU_KAFKA_BOOTSTRAP"], [self.topic])
        producer = AIOKafkaProducer(bootstrap_servers=self.world.env["TUOYU_KAFKA_BOOTSTRAP"], acks="all",
                                    enable_idempotence=True, request_timeout_ms=5000)
        await producer.start()
        try:
            while not self._halt.is_set():
                try:
                    await asyncio.wait_for(producer.send_and_wait(self.topic, b"."), 5)
                    self.record(True)
                except Exception as error:  # noqa: BLE001 - any failure to write is what the probe counts
                    self.record(False, error)
                await asyncio.sleep(EVERY)
        finally:
            await producer.stop()


class ProxyProbe(Probe):
    """GET /ready of the three services through their proxy addresses; an attempt succeeds when all three answer."""
    name = "service_requests"

    def run(self) -> None:
        with httpx.Client(timeout=5) as client:
            while not self._halt.is_set():
                self.record(all(self._ready(client, service) for service in SERVICES))
                time.sleep(EVERY)

    def _ready(self, client: httpx.Client, service: str) -> bool:
        try:
            return client.get(f"{self.world.url(service)}/ready").status_code == 200
        except httpx.TransportError:
            return False
