"""Rebuilding the subsidy view by replaying the enrollment topic from the start.

    .venv/bin/python -m bench.replay [--children 30000]

Loads a generated world (bench/world.py) through the bulk roster path into a world of its own, waits until the
subsidy service has applied every event, then starts a second subsidy service on a fresh database with a new
consumer group and times how long it takes to apply the whole topic again; the rate counts only the events applied
after the timer started (the consumer joins while the service reports ready). The yardsticks, on the same topic
and broker: a bare aiokafka consumer that only counts the messages, and one that also decodes each event as the
subsidy consumer does. Both views must end identical (same enrollments, fees and versions). Writes
bench/results/replay.json.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
import uuid
from pathlib import Path

import yaml
from aiokafka import AIOKafkaConsumer

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import machine  # noqa: E402
from bench.world import generate  # noqa: E402
from tests.stack import Service, World, drop_databases, free_port  # noqa: E402
from tuoyu.events.decoding import decode  # noqa: E402

VIEW = ("SELECT e.facility, e.external_id, e.start_on, e.end_on, e.version, c.external_id, c.birth_order, "
        "array_agg(f.fee_fen ORDER BY f.effective_from) FROM enrollments e JOIN children c ON c.id = e.child_id "
        "JOIN enrollment_fees f ON f.enrollment_id = e.id GROUP BY 1, 2, 3, 4, 5, 6, 7 ORDER BY 1, 2")


def applied(world: World, database_suffix: str) -> int:
    return world.query(database_suffix, "SELECT count(*) FROM processed_events")[0][0]


def wait_applied(world: World, database_suffix: str, expected: int, timeout: float = 1800) -> float:
    started = time.perf_counter()
    while applied(world, database_suffix) < expected:
        if time.perf_counter() - started > timeout:
            raise TimeoutError(f"{database_suffix}: {applied(world, database_suffix)} of {expected} applied")
        time.sleep(0.1)
    return time.perf_counter() - started


async def bare(bootstrap: str, topic: str, expected: int, parse: bool) -> float:
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest",
                                group_id=f"bare-{uuid.uuid4().hex[:8]}", enable_auto_commit=False,
                                max_partition_fetch_bytes=8 << 20, fetch_max_bytes=64 << 20)
    await consumer.start()
    seen, started = 0, time.perf_counter()
    try:
        while seen < expected:
            for messages in (await consumer.getmany(timeout_ms=1000, max_records=5000)).values():
                if parse:
                    for m in messages:
                        decode(m.value)
                seen += len(messages)
    finally:
        await consumer.stop()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--children", type=int, default=30_000)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="replay-"))
    world = World(tmp).start()
    try:
        scenario = generate(args.children, seed=3)
        scenario.pop("timeline")
        path = tmp / "world.yaml"
        path.write_text(yaml.safe_dump(scenario, allow_unicode=True), encoding="utf-8")
        began = time.perf_counter()
        world.cli("scenario", "load", "--bulk", str(path))
        events = world.query("enrollment", "SELECT count(*) FROM outbox")[0][0]
        wait_applied(world, "subsidy", events)
        print(f"loaded {args.children:,} children: {events:,} events in {time.perf_counter() - began:.1f} s")

        replay_env = {**world.env, "TUOYU_SUBSIDY_DATABASE": f"{world.namespace}_replay",
                      "TUOYU_CONSUMER_GROUP": "replay"}
        replay = Service("subsidy", free_port(), replay_env, tmp / "replay.log")
        started = time.perf_counter()
        replay.start()
        ready = time.perf_counter() - started
        before_timing = applied(world, "replay")
        seconds = wait_applied(world, "replay", events)
        rss = machine.peak_rss_mib(replay.process.pid)
        same = world.query("subsidy", VIEW) == world.query("replay", VIEW)
        replay.stop()

        topic = f"{world.namespace}.enrollment.events"
        bootstrap = world.env.get("TUOYU_KAFKA_BOOTSTRAP", "127.0.0.1:59092")
        count_only = asyncio.run(bare(bootstrap, topic, events, parse=False))
        parsed = asyncio.run(bare(bootstrap, topic, events, parse=True))
        report = {
            "benchmark": "replay", "command": "python -m bench.replay " + " ".join(sys.argv[1:]),
            "children": args.children, "events": events,
            "replay": {"seconds": round(seconds, 2), "events_per_s": round((events - before_timing) / seconds),
                       "applied_before_timing": before_timing, "service_start_s": round(ready, 2),
                       "peak_rss_mib": rss, "view_identical": same},
            "bare_consumer_count_only": {"seconds": round(count_only, 2), "events_per_s": round(events / count_only)},
            "bare_consumer_parse": {"seconds": round(parsed, 2), "events_per_s": round(events / parsed)},
        }
        bare_rate = report["bare_consumer_count_only"]["events_per_s"]
        report["ratio_to_bare_count_only"] = round(bare_rate / report["replay"]["events_per_s"], 1)
        parse_rate = report["bare_consumer_parse"]["events_per_s"]
        print(f"replay: {events - before_timing:,} of {events:,} events in {seconds:.2f} s = "
              f"{report['replay']['events_per_s']:,}/s (view identical: {same}, peak RSS {rss} MiB); bare consumer "
              f"{bare_rate:,}/s, decoding as the consumer does {parse_rate:,}/s; ratio "
              f"{report['ratio_to_bare_count_only']}x")
        print(f"written to {machine.write('replay', report)}")
    finally:
        world.close()
        drop_databases([f"{world.namespace}_replay"])


if __name__ == "__main__":
    main()
