"""Rebuilding the subsidy view by replaying the enrollment topic from the start, with one and with several
subsidy processes.

    .venv/bin/python -m bench.replay [--children 30000] [--instances 1 2] [--runs 3]

Loads a generated world (bench/world.py) through the bulk roster path into a world of its own, waits until the
subsidy service has applied every event, then, for each run and each instance count N, starts N subsidy processes
on a fresh database, all in one new consumer group (the topic's `tuoyu.kafka.PARTITIONS` partitions split between
them), and times how long they take to apply the whole topic again; the rate counts only the events applied after
every process reported ready. Beside each rate: the CPU the subsidy processes, their PostgreSQL backends and the
whole machine spent per event (from /proc), and the load average. The yardsticks, on the same topic and broker:
a bare aiokafka consumer that only counts the messages, and one that also decodes each event as the subsidy
consumer does. Every rebuilt view must equal the loaded one (same enrollments, fees and versions). Writes
bench/results/replay.json: per instance count the median of the runs, and the ratio of N processes to one.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg
import yaml
from aiokafka import AIOKafkaConsumer

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import machine  # noqa: E402
from bench.cpu import CpuWindow  # noqa: E402
from bench.replay_floor import copy_floor  # noqa: E402
from bench.world import generate  # noqa: E402
from tests.stack import Service, World, drop_databases, free_port, pg_admin_dsn  # noqa: E402
from tuoyu.events.decoding import decode  # noqa: E402
from tuoyu.kafka import PARTITIONS  # noqa: E402

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
        time.sleep(0.05)
    return time.perf_counter() - started


def create_database(name: str) -> None:
    """Made before the processes start, so several never race to create it."""
    with psycopg.connect(pg_admin_dsn(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')


def replay(world: World, tmp: Path, events: int, instances: int, tag: str, reference: list) -> dict:
    """N subsidy processes, one consumer group, a fresh database: the whole topic applied once between them."""
    suffix = f"replay_{tag}"
    database = f"{world.namespace}_{suffix}"
    create_database(database)
    env = {**world.env, "TUOYU_SUBSIDY_DATABASE": database, "TUOYU_CONSUMER_GROUP": suffix}
    services = [Service("subsidy", free_port(), env, tmp / f"{suffix}_{i}.log") for i in range(instances)]
    window = CpuWindow("subsidy")
    try:
        started = time.perf_counter()
        for service in services:
            service.start(wait=False)
        for service in services:
            service.wait_ready()
        ready = time.perf_counter() - started
        window.start([s.process.pid for s in services], database)
        before_timing = applied(world, suffix)
        seconds = wait_applied(world, suffix, events)
        cpu = window.stop()
        load = os.getloadavg()[0]
        rss = max(machine.peak_rss_mib(s.process.pid) for s in services)
        same = world.query(suffix, VIEW) == reference
    finally:
        for service in services:
            service.stop()
        drop_databases([database])
    counted = events - before_timing
    per_event = {k.removesuffix("_s") + "_us_per_event": round(v / counted * 1e6, 1) for k, v in cpu.items()}
    result = {"instances": instances, "seconds": round(seconds, 2), "events_per_s": round(counted / seconds),
              "applied_before_timing": before_timing, "service_start_s": round(ready, 2), "peak_rss_mib": rss,
              "cpu": {**cpu, **per_event}, "load_average_1m": round(load, 2), "view_identical": same}
    print(f"  {instances} instance(s), run {tag}: {counted:,} events in {seconds:.2f} s = "
          f"{result['events_per_s']:,}/s; CPU µs/event subsidy {per_event['subsidy_us_per_event']}, "
          f"postgres {per_event['postgres_backends_us_per_event']}, machine {per_event['machine_us_per_event']}; "
          f"load {load:.2f}; view identical: {same}", flush=True)
    return result


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


def summary(runs: list[dict]) -> dict:
    """The median run's figures (by rate), with every run's rate beside them."""
    ordered = sorted(runs, key=lambda r: r["events_per_s"])
    median = ordered[(len(ordered) - 1) // 2]
    return {**median, "events_per_s": round(statistics.median(r["events_per_s"] for r in runs)),
            "runs_events_per_s": [r["events_per_s"] for r in runs],
            "view_identical": all(r["view_identical"] for r in runs)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--children", type=int, default=30_000)
    parser.add_argument("--instances", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--runs", type=int, default=3)
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
        print(f"loaded {args.children:,} children: {events:,} events in {time.perf_counter() - began:.1f} s; "
              f"{PARTITIONS} partitions", flush=True)
        reference = world.query("subsidy", VIEW)
        world["enrollment"].stop()  # nothing more is published: its relay and the loaded subsidy only add noise
        world["subsidy"].stop()
        world["billing"].stop()
        runs: dict[int, list[dict]] = {n: [] for n in args.instances}
        floors = []
        for run in range(1, args.runs + 1):  # interleaved, so each instance count sees the same spells of load
            for n in args.instances:
                runs[n].append(replay(world, tmp, events, n, f"{n}i{run}", reference))
            floors.append(copy_floor(f"{world.namespace}_subsidy", f"{world.namespace}_replay_floor", events))
            print(f"  COPY of the same rows, run {run}: {floors[-1]}", flush=True)

        topic = f"{world.namespace}.enrollment.events"
        bootstrap = world.env.get("TUOYU_KAFKA_BOOTSTRAP", "127.0.0.1:59092")
        count_only = asyncio.run(bare(bootstrap, topic, events, parse=False))
        parsed = asyncio.run(bare(bootstrap, topic, events, parse=True))
        by_instances = {str(n): {**summary(r), "runs": r} for n, r in runs.items()}
        first = by_instances[str(args.instances[0])]
        report = {
            "benchmark": "replay", "command": "python -m bench.replay " + " ".join(sys.argv[1:]),
            "children": args.children, "events": events, "partitions": PARTITIONS,
            "replay": first,  # the first instance count (one, by default): what earlier reports called the replay
            "instances": by_instances,
            # Each run's N-process rate over the one-process rate just before it (the same spell of load), median.
            "ratio_to_first": {str(n): round(statistics.median(b["events_per_s"] / a["events_per_s"]
                                                               for a, b in zip(runs[args.instances[0]], r)), 2)
                               for n, r in runs.items()},
            "ratios_to_first_by_run": {str(n): [round(b["events_per_s"] / a["events_per_s"], 2)
                                                for a, b in zip(runs[args.instances[0]], r)] for n, r in runs.items()},
            "copy_floor": {**sorted(floors, key=lambda f: f["postgres_backend_us_per_event"])[len(floors) // 2],
                           "runs": floors},
            "bare_consumer_count_only": {"seconds": round(count_only, 2), "events_per_s": round(events / count_only)},
            "bare_consumer_parse": {"seconds": round(parsed, 2), "events_per_s": round(events / parsed)},
        }
        floor = report["copy_floor"]["postgres_backend_us_per_event"]
        report["postgres_cpu_ratio_to_copy"] = {
            n: round(s["cpu"]["postgres_backends_us_per_event"] / floor, 1) for n, s in by_instances.items()}
        bare_rate = report["bare_consumer_count_only"]["events_per_s"]
        report["ratio_to_bare_count_only"] = {n: round(bare_rate / s["events_per_s"], 1)
                                              for n, s in by_instances.items()}
        for n, s in by_instances.items():
            print(f"replay, {n} instance(s): median {s['events_per_s']:,}/s of {s['runs_events_per_s']}; "
                  f"{report['ratio_to_first'][n]}x one process (median of the runs' "
                  f"{report['ratios_to_first_by_run'][n]}), {report['ratio_to_bare_count_only'][n]}x slower than a "
                  f"bare read; views identical: {s['view_identical']}")
        print(f"PostgreSQL CPU per event against a COPY of the same rows ({floor} µs/event): "
              f"{report['postgres_cpu_ratio_to_copy']}")
        print(f"bare consumer {bare_rate:,}/s, decoding as the consumer does "
              f"{report['bare_consumer_parse']['events_per_s']:,}/s")
        print(f"written to {machine.write('replay', report)}")
    finally:
        world.close()


if __name__ == "__main__":
    main()
