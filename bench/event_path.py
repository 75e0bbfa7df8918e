"""The event path at fixed rates: API accepted → outbox → Kafka → applied in the subsidy service's view.

    .venv/bin/python -m bench.event_path [--rates 250,500,1000] [--seconds 10] [--facilities 20]

Starts a world of its own (tests/stack.py), registers facilities and, through one roster import each, the
children (with an enrollment that ended in March, so each child can be enrolled again). Then, for each rate, an
open-loop client sends single `POST /facilities/{f}/enrollments` at that rate (a request leaves on schedule whether
or not earlier ones have answered) and records when each was sent and answered; the subsidy view stamps when it
applied each enrollment (`applied_at`). End-to-end latency = applied_at − sent. Beside it, the yardstick: a bare
aiokafka producer and consumer on the same broker at the same rate (with the broker's CPU per message). For each
rate, the CPU every part of the path spent per accepted enrollment (each service, the world's PostgreSQL backends,
PostgreSQL's server processes, the broker, the load client; `bench.cpu.PathCpu`), from the first request sent until
the last is applied: a figure that holds better than a rate under load, though it moves with the machine's own
speed (compare interleaved runs). At the end, the floor (`bench/path_floor.py`): PostgreSQL's own CPU to
write one enrollment as the API does. Writes bench/results/event_path.json.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import machine  # noqa: E402
from bench.cpu import STACK_DIR, PathCpu  # noqa: E402
from bench.path_floor import broker_floor, write_floor  # noqa: E402
from bench.http_load import HttpError, LoadClient  # noqa: E402
from subsidy.rules.catalog import shipped_text  # noqa: E402
from tests.stack import SERVICES, World, pg_admin_dsn  # noqa: E402
from tuoyu.cli.scenario import _facility_steps  # noqa: E402
from tuoyu.roster_file import COLUMNS  # noqa: E402

PER_CLASS = 450
# Written at the end, for PostgreSQL's own cost (bench/path_floor.py): one after another, then as many again from
# FLOOR_CONNECTIONS connections at once (the API's pool writes side by side).
FLOOR_ENROLLMENTS = 2000
FLOOR_CONNECTIONS = 8


def setup(world: World, facilities: int, children: int) -> list[tuple[str, str, str]]:
    """Facilities, classes and children; returns (facility, child, class) for every child."""
    api = world.api()
    api.call(api.subsidy, "POST", "/rulesets", content=shipped_text("zhoushan-putuo-2022").encode(),
             headers={"Content-Type": "application/yaml"})
    per_facility = -(-children // facilities)
    seats = []
    for f in range(facilities):
        fid = f"B{f:03d}"
        classes = [{"external_id": f"C{c}", "opened_on": "2022-03-01", "capacity": 500}
                   for c in range(-(-per_facility // PER_CLASS))]
        _facility_steps(api, {"external_id": fid, "name": f"基准园{f}", "kind": "childcare_institution",
                              "ownership": "public", "filed_on": "2022-02-01", "fire_safety_certified": True,
                              "subsidy_rate": "0.12", "classes": classes})
        body = io.StringIO()
        writer = csv.writer(body)
        writer.writerow(COLUMNS)
        for i in range(per_facility):
            child, klass = f"K{f:03d}-{i:06d}", f"C{i // PER_CLASS}"
            writer.writerow([f"FAM{f:03d}-{i:06d}", child, "2021-05-01", 1, "", klass, f"OLD{f:03d}-{i:06d}",
                             "full_day", "2000.00", "2022-03-01", "2022-03-31"])
            seats.append((fid, child, klass))
        api.call(api.enrollment, "POST", f"/facilities/{fid}/roster", content=body.getvalue().encode(),
                 headers={"Content-Type": "text/csv"})
    # Round-robin over facilities: enrollments arrive from many facilities at once, as in a city.
    return [seats[f * per_facility + i] for i in range(per_facility) for f in range(facilities)]


async def drive(world: World, seats: list, rate: int, seconds: float, tag: str) -> dict:
    """Send len(seats) enrollments at `rate` per second; return send times and HTTP latencies by external id."""
    total = int(rate * seconds)
    sent: dict[str, float] = {}
    http: list[float] = []
    failures: list[str] = []
    client = LoadClient(world["enrollment"].url, {"Authorization": f"Bearer {world.admin_key}"})

    async def one(i: int, at: float) -> None:
        await asyncio.sleep(max(0.0, at - time.monotonic()))
        facility, child, klass = seats[i]
        external_id = f"{tag}-{i:06d}"
        started_wall, started = time.time(), time.perf_counter()
        try:
            async with asyncio.timeout(60):  # not wait_for: a task more per request, a tenth of this client's CPU
                status, answer = await client.post_json(f"/facilities/{facility}/enrollments", {
                    "external_id": external_id, "child": child, "class": klass, "monthly_fee": "2000.00",
                    "start": "2022-09-01"})
        except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, HttpError) as exc:
            failures.append(f"{type(exc).__name__} after {time.perf_counter() - started:.1f} s")  # fell behind
            return
        http.append(time.perf_counter() - started)
        if status == 201:
            sent[external_id] = started_wall
        else:
            failures.append(f"{status} {answer[:200].decode(errors='replace')}")

    try:
        t0 = time.monotonic() + 0.5
        began = time.perf_counter()
        await asyncio.gather(*(one(i, t0 + i / rate) for i in range(total)))
        elapsed = time.perf_counter() - began - 0.5
    finally:
        await client.close()
    return {"sent": sent, "http": http, "failures": failures, "elapsed": elapsed, "total": total}


def wait_until_applied(world: World, timeout: float = 600) -> float:
    """Wait until the subsidy service has applied every event written so far: the setup's import (a backlog would
    otherwise share the cores with the rates measured), or a rate's enrollments (the end of its CPU window; one
    connection, counting, so that the benchmark's own looking costs next to nothing). Returns the seconds waited."""
    began = time.perf_counter()
    written = world.query("enrollment", "SELECT count(*) FROM outbox")[0][0]
    with psycopg.connect(pg_admin_dsn(f"{world.namespace}_subsidy")) as conn:
        while conn.execute("SELECT count(*) FROM processed_events").fetchone()[0] < written:
            if time.perf_counter() - began > timeout:
                raise TimeoutError(f"the subsidy service did not apply the {written:,} events in {timeout} s")
            time.sleep(0.25)
    return time.perf_counter() - began


def applied_at(world: World, tag: str) -> dict[str, float]:
    """When the subsidy view applied each enrollment tagged `tag` (its `applied_at`), by external id."""
    with psycopg.connect(pg_admin_dsn(f"{world.namespace}_subsidy")) as conn:
        rows = conn.execute("SELECT external_id, extract(epoch FROM applied_at) FROM enrollments "
                            "WHERE external_id LIKE %s", (f"{tag}-%",)).fetchall()
    return {r[0]: float(r[1]) for r in rows}


async def bare_kafka(bootstrap: str, rate: int, seconds: float) -> dict:
    """The broker's own floor: produce (acks=all, idempotent) and consume the same number of small messages."""
    topic = f"bench.bare.{uuid.uuid4().hex[:8]}"
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, linger_ms=5)
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest",
                                group_id=f"bare-{uuid.uuid4().hex[:6]}")
    await producer.start()
    await producer.send_and_wait(topic, b"warm-up")
    await consumer.start()
    total = int(rate * seconds)
    latencies: list[float] = []

    async def consume() -> None:
        seen = 0
        while seen < total:
            batches = await consumer.getmany(timeout_ms=500)
            now = time.time()
            for messages in batches.values():
                for m in messages:
                    if m.value != b"warm-up":
                        latencies.append(now - float(m.value))
                        seen += 1

    reader = asyncio.create_task(consume())
    t0 = time.monotonic()
    for i in range(total):
        await asyncio.sleep(max(0.0, t0 + i / rate - time.monotonic()))
        await producer.send(topic, f"{time.time():.6f}".encode(), key=str(i % 20).encode())
    await producer.flush()
    await asyncio.wait_for(reader, 120)
    await producer.stop()
    await consumer.stop()
    return {"rate": rate, "messages": total, **machine.summary_ms(latencies)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rates", default="250,500,1000")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--facilities", type=int, default=20)
    args = parser.parse_args()
    rates = [int(r) for r in args.rates.split(",")]
    children = int(sum(rates) * args.seconds) + 2 * FLOOR_ENROLLMENTS
    world = World(Path(tempfile.mkdtemp(prefix="event-path-"))).start()
    try:
        began = time.perf_counter()
        seats = setup(world, args.facilities, children)
        print(f"setup: {args.facilities} facilities, {len(seats):,} children in {time.perf_counter() - began:.1f} s; "
              f"its events applied by the subsidy service {wait_until_applied(world):.1f} s later")
        results, offset = [], 0
        for rate in rates:
            count = int(rate * args.seconds)
            cpu = PathCpu({name: [s.process.pid] for name, s in world.services.items()},
                          [f"{world.namespace}_{name}" for name in SERVICES], STACK_DIR)
            cpu.start()
            run = asyncio.run(drive(world, seats[offset:offset + count], rate, args.seconds, f"R{rate}"))
            offset += count
            wait_until_applied(world)
            spent = cpu.stop()
            applied = applied_at(world, f"R{rate}")
            end_to_end = [applied[k] - sent for k, sent in run["sent"].items() if k in applied]
            result = {"rate": rate, "requests": run["total"], "accepted": len(run["sent"]),
                      "failed": len(run["failures"]), "first_failures": run["failures"][:3],
                      "achieved_per_s": round(len(run["sent"]) / run["elapsed"], 1),
                      "applied_in_subsidy": len(end_to_end),
                      "http": machine.summary_ms(run["http"]), "end_to_end": machine.summary_ms(end_to_end),
                      "cpu_s": {name: round(v, 2) for name, v in spent.items()},
                      "cpu_us_per_accepted": PathCpu.per(spent, len(run["sent"]))}
            bootstrap = world.env.get("TUOYU_KAFKA_BOOTSTRAP", "127.0.0.1:59092")
            result["bare_kafka"] = broker_floor(lambda: asyncio.run(bare_kafka(bootstrap, rate, args.seconds)), count)
            results.append(result)
            print(f"{rate:>5}/s: accepted {result['accepted']:,}/{result['requests']:,} "
                  f"({result['achieved_per_s']}/s), HTTP p50 {result['http']['p50_ms']} ms p99 "
                  f"{result['http']['p99_ms']} ms; API→subsidy p50 {result['end_to_end']['p50_ms']} ms p99 "
                  f"{result['end_to_end']['p99_ms']} ms; bare Kafka p50 {result['bare_kafka']['p50_ms']} ms "
                  f"p99 {result['bare_kafka']['p99_ms']} ms")
            if run["failures"]:
                print(f"       not accepted: {len(run['failures']):,}, the first: {'; '.join(run['failures'][:3])}")
            print("       CPU µs per accepted enrollment: " + ", ".join(
                f"{name} {us:,}" for name, us in result["cpu_us_per_accepted"].items()))
        floor = write_floor(world, seats[offset:offset + FLOOR_ENROLLMENTS], "FLOOR-ONE")
        offset += FLOOR_ENROLLMENTS
        floor_at_once = write_floor(world, seats[offset:offset + FLOOR_ENROLLMENTS], "FLOOR-AT-ONCE",
                                    FLOOR_CONNECTIONS)
        print(f"floor: PostgreSQL writes an enrollment as the API does in {floor['postgres_backend_us']:,} µs of its "
              f"CPU one after another, {floor_at_once['postgres_backend_us']:,} µs from {FLOOR_CONNECTIONS} "
              f"connections at once; the broker handles a message in "
              + ", ".join(f"{r['bare_kafka']['broker_us_per_message']:,} µs at {r['rate']}/s" for r in results)
              + " beyond its idle work (one producer sending one message at a time, one consumer group)")
        path = machine.write("event_path", {
            "benchmark": "event_path", "command": "python -m bench.event_path " + " ".join(sys.argv[1:]),
            "facilities": args.facilities, "seconds_per_rate": args.seconds, "results": results, "floor": floor,
            "floor_at_once": floor_at_once,
            "peak_rss_mib": {name: machine.peak_rss_mib(s.process.pid) for name, s in world.services.items()}})
        print(f"written to {path}")
    finally:
        world.close()


if __name__ == "__main__":
    main()
