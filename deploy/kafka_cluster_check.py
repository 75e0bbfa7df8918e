"""Checks that the three-broker cluster loses nothing when one broker dies: not part of `make test`.

Starts the cluster (TUOYU_KAFKA_BROKERS=3, deploy/kafka.sh) unless it runs, creates a topic the way the services do,
produces with the outbox's producer (acks=all, idempotent) while a consumer reads, SIGKILLs the broker leading
partition 0, keeps producing and consuming, starts the broker again and waits until every partition has its three
replicas in sync. Then every message must have been read exactly once and in its key's order. Prints what happened;
exits 1 if anything was lost, duplicated or reordered. Stops the cluster at the end if it started it.

    TUOYU_STACK_DIR=/tmp/k14stack TUOYU_KAFKA_PORT=61092 TUOYU_KAFKA_CONTROLLER_PORT=61093 \\
        .venv/bin/python deploy/kafka_cluster_check.py
"""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.reliability.infra import kill_kafka_node  # noqa: E402
from tuoyu.kafka import ensure_topics  # noqa: E402
from tuoyu.outbox import make_producer  # noqa: E402

DEPLOY = Path(__file__).resolve().parent
KEYS = 60
PER_PHASE = 3000
T0 = time.monotonic()


def say(text: str) -> None:
    print(f"[{time.monotonic() - T0:6.1f}s] {text}", flush=True)


def cluster_env() -> dict[str, str]:
    """The environment with three brokers asked for; a bootstrap address derived for one (by `make`) is dropped."""
    env = {k: v for k, v in os.environ.items() if k != "TUOYU_KAFKA_BOOTSTRAP"}
    return {**env, "TUOYU_KAFKA_BROKERS": "3"}


def kafka_sh(*args: str) -> str:
    return subprocess.run(["bash", str(DEPLOY / "kafka.sh"), *args], env=cluster_env(), check=True,
                          capture_output=True, text=True).stdout


def stack_env(name: str) -> str:
    """A value as deploy/env.sh derives it for three brokers (the bootstrap list, the run dir)."""
    return subprocess.run(["bash", "-c", f'source "{DEPLOY}/env.sh" && echo "${name}"'], env=cluster_env(),
                          check=True, capture_output=True, text=True).stdout.strip()


async def partitions(bootstrap: str, topic: str) -> list[dict]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        return sorted((await admin.describe_topics([topic]))[0]["partitions"], key=lambda p: p["partition"])
    finally:
        await admin.close()


def show(parts: list[dict]) -> str:
    return "  ".join(f"p{p['partition']}: leader {p['leader']} isr {sorted(p['isr'])}" for p in parts)


async def produce(producer, topic: str, start: int, count: int) -> float:
    """Sends messages start..start+count-1 (key: number mod KEYS) and waits for every ack; returns the seconds."""
    began = time.monotonic()
    sends = [await producer.send(topic, key=str(n % KEYS).encode(), value=str(n).encode())
             for n in range(start, start + count)]
    await asyncio.gather(*sends)
    return time.monotonic() - began


async def consume(bootstrap: str, topic: str, seen: list[int], stop: asyncio.Event) -> None:
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="earliest",
                                enable_auto_commit=False)
    await consumer.start()
    try:
        while not stop.is_set():
            for records in (await consumer.getmany(timeout_ms=200)).values():
                seen.extend(int(r.value) for r in records)
    finally:
        await consumer.stop()


async def wait_in_sync(bootstrap: str, topic: str, limit: float = 120) -> float:
    began = time.monotonic()
    while time.monotonic() - began < limit:
        parts = await partitions(bootstrap, topic)
        if all(len(p["isr"]) == 3 for p in parts):
            return time.monotonic() - began
        await asyncio.sleep(0.5)
    raise SystemExit(f"replicas not back in sync after {limit} s: {show(parts)}")


def verdict(seen: list[int], total: int) -> list[str]:
    """What went wrong: numbers missing or read twice, or a key's numbers out of order."""
    problems = []
    missing = set(range(total)) - set(seen)
    if missing:
        problems.append(f"{len(missing)} lost, e.g. {sorted(missing)[:10]}")
    if len(seen) != len(set(seen)):
        problems.append(f"{len(seen) - len(set(seen))} read twice")
    by_key = defaultdict(list)
    for n in seen:
        by_key[n % KEYS].append(n)
    if any(ns != sorted(ns) for ns in by_key.values()):
        problems.append("a key's messages out of order")
    return problems


async def check() -> int:
    bootstrap = stack_env("TUOYU_KAFKA_BOOTSTRAP")
    topic = f"cluster-check-{int(time.time())}"
    await ensure_topics(bootstrap, [topic])
    parts = await partitions(bootstrap, topic)
    say(f"topic {topic}: {len(parts)} partitions, {show(parts)}")
    assert all(len(p["replicas"]) == 3 for p in parts), "the topic should have three replicas"

    seen: list[int] = []
    stop = asyncio.Event()
    reader = asyncio.create_task(consume(bootstrap, topic, seen, stop))
    producer = make_producer(bootstrap)
    await producer.start()
    try:
        took = await produce(producer, topic, 0, PER_PHASE)
        say(f"produced 0..{PER_PHASE - 1} with acks=all in {took:.2f} s; read so far {len(seen)}")

        victim = parts[0]["leader"]
        pid = kill_kafka_node(victim)
        say(f"SIGKILL kafka-{victim} (pid {pid}), leader of partition 0")
        took = await produce(producer, topic, PER_PHASE, PER_PHASE)
        say(f"produced {PER_PHASE}..{2 * PER_PHASE - 1} with a broker dead in {took:.2f} s "
            f"(includes the wait for its partitions' new leaders); read so far {len(seen)}")
        say(f"while dead: {show(await partitions(bootstrap, topic))}")

        kafka_sh("start")
        say(f"kafka-{victim} started again")
        say(f"all partitions back to three in-sync replicas in {await wait_in_sync(bootstrap, topic):.1f} s")
        took = await produce(producer, topic, 2 * PER_PHASE, PER_PHASE)
        say(f"produced {2 * PER_PHASE}..{3 * PER_PHASE - 1} in {took:.2f} s")
    finally:
        await producer.stop()

    total = 3 * PER_PHASE
    deadline = time.monotonic() + 60
    while len(seen) < total and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    stop.set()
    await reader
    problems = verdict(seen, total)
    say(f"read {len(seen)} of {total} messages: " + ("; ".join(problems) if problems else
                                                      "none lost, none twice, every key in order"))
    return 1 if problems else 0


def main() -> int:
    # aiokafka logs every failed reconnection to the dead broker; the check says what matters itself.
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
    started_here = "stopped" in kafka_sh("status")
    if started_here:
        say("starting the three-broker cluster")
        kafka_sh("start")
    say("cluster:\n" + kafka_sh("status").rstrip())
    try:
        return asyncio.run(check())
    finally:
        if started_here:
            kafka_sh("stop")
            say("cluster stopped")


if __name__ == "__main__":
    sys.exit(main())
