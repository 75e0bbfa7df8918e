"""`make soak`: the whole platform at its highest setting, under SIGKILLs, against a fault-free run of the same world.

    deploy/soak.sh [--children 10000] [--rounds 2]      (make soak; the stack it needs is started by deploy/soak.sh)

Two instances of every service behind HAProxy, three Kafka brokers, a PostgreSQL primary with a synchronous standby
under pg_auto_failover. A generated world of three jurisdictions under three rule sets is loaded and billed for three
months twice: once without faults, once while each round SIGKILLs one instance of each service, one broker and the
PostgreSQL primary at random moments (each brought back as an operator would). Then every month's report of every
jurisdiction must equal the fault-free run's field for field, every event be applied once and no family document be
issued twice. Probes measure what the faults cost: how long writes to PostgreSQL and Kafka were refused, how many
requests through the proxy failed. Writes bench/results/soak.json.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from bench import machine  # noqa: E402
from bench.soak_probes import KafkaProbe, PostgresProbe, ProxyProbe  # noqa: E402
from bench.world import Place, generate  # noqa: E402
from tests.reliability import infra, load  # noqa: E402
from tests.stack import SERVICES, World  # noqa: E402

PLACES = {  # three rule sets: a district's own, another city's district's own, a city's over its district
    "330903": Place("zhoushan-putuo-2022", (8, 15)),
    "310117": Place("shanghai-songjiang-2021", (0, 0)),
    "330902": Place(str(ROOT / "tests" / "scenarios" / "rulesets" / "zhoushan-city-2022.yaml"), (5, 10)),
}
MONTHS = ("2022-09", "2022-10", "2022-11")


def timed_load(world: World, scenario: str, deadline: float) -> tuple[int, float]:
    """`load.load_until_done`, timed: (attempts, seconds)."""
    started = time.monotonic()
    attempts = load.load_until_done(world, scenario, deadline)
    return attempts, time.monotonic() - started


def differences(expected: dict, got: dict) -> list[str]:
    """Where two runs' reports differ, one line each (the first few fields), for the person reading the result."""
    lines = []
    for key in sorted(set(expected) | set(got)):
        if expected.get(key) != got.get(key):
            fields = sorted(f for f in set(expected.get(key) or {}) | set(got.get(key) or {})
                            if (expected.get(key) or {}).get(f) != (got.get(key) or {}).get(f))
            lines.append(f"{key}: fields {', '.join(fields[:6])} differ")
    return lines


class Faults(threading.Thread):
    """Each round, in a random order at random moments: one instance of each service, one broker, the PostgreSQL
    primary, each SIGKILLed and brought back."""

    def __init__(self, world: World, rounds: int, seed: int, spread_over: float):
        """The faults come at random moments over about `spread_over` seconds (the fault-free run's length)."""
        super().__init__(daemon=True)
        self.world, self.rng = world, random.Random(seed)
        self.started = time.monotonic()
        self.plan = []
        for _ in range(rounds):
            plan = [*SERVICES, "kafka", "postgres"]
            self.rng.shuffle(plan)
            self.plan += plan
        each = spread_over / len(self.plan)
        self.pause = (0.2 * each, 0.8 * each)
        self.done: list[dict] = []
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            for target in self.plan:
                time.sleep(self.rng.uniform(*self.pause))
                self.done.append(self._fault(target))
        except BaseException as exc:  # reported by the main thread
            self.error = exc

    def _fault(self, target: str) -> dict:
        """Inflict it and bring the part back: what was killed, when (seconds into the run), how long it took."""
        at = time.monotonic()
        return {"at_s": round(at - self.started, 1), **self._inflict(target, at)}

    def _inflict(self, target: str, at: float) -> dict:
        if target in SERVICES:
            index = self.rng.randrange(len(self.world.instances(target)))
            self.world.instances(target)[index].restart()  # SIGKILL, start, wait until ready
            return {"killed": f"{target}-{index + 1}", "back_after_s": round(time.monotonic() - at, 2)}
        if target == "kafka":
            node = self.rng.randrange(1, 4)
            infra.kill_kafka_node(node)
            time.sleep(self.rng.uniform(2, 6))  # the cluster runs on two brokers meanwhile
            infra.start_kafka()
            return {"killed": f"kafka-{node}", "back_after_s": round(time.monotonic() - at, 2)}
        node = infra.pg_primary()
        infra.kill_pg_node(node)
        promoted = infra.wait_pg_primary(not_node=node)
        failover = time.monotonic() - at
        infra.start_pg()  # the old primary rejoins as the standby
        infra.wait_pg_secondary(node)
        return {"killed": f"postgres-node{node} (primary)", "new_primary": f"node{promoted}",
                "failover_s": round(failover, 2), "back_after_s": round(time.monotonic() - at, 2)}


def run(children: int, rounds: int, seed: int, work: Path) -> dict:
    scenario = work / "world.yaml"
    scenario.write_text(yaml.safe_dump(generate(children, seed=seed, months=len(MONTHS), places=PLACES),
                                       allow_unicode=True), encoding="utf-8")
    result: dict = {"children": children, "rounds": rounds, "seed": seed, "jurisdictions": sorted(PLACES),
                    "months": list(MONTHS)}

    for name in ("fault-free", "faulty"):
        (work / name).mkdir()
    clean = World(work / "fault-free", instances=2).start()
    try:
        _, fault_free_s = timed_load(clean, str(scenario), time.monotonic() + 1800)
        expected = load.reports(clean, MONTHS, tuple(PLACES))
        result["events"] = clean.query("enrollment", "SELECT count(*) FROM outbox")[0][0]
        result["fault_free_s"] = round(fault_free_s, 1)
    finally:
        clean.close()
    print(f"fault-free: {result['events']} events loaded and billed in {result['fault_free_s']:.1f} s", flush=True)

    world = World(work / "faulty", instances=2).start()
    probes = [PostgresProbe(world), KafkaProbe(world), ProxyProbe(world)]
    try:
        for probe in probes:
            probe.start()
        faults = Faults(world, rounds, seed, spread_over=result["fault_free_s"])
        faults.start()
        attempts, loaded_s = timed_load(world, str(scenario), time.monotonic() + 2400)
        faults.join(1800)
        if faults.error is not None:
            raise faults.error
        again = load.load_until_done(world, str(scenario), time.monotonic() + 600)  # after the last fault: no change
        for probe in probes:
            probe.stop()
        got = load.reports(world, MONTHS, tuple(PLACES))
        recorded, applied = load.applied_once(world)
        twice = load.documents_issued_twice(world)
    finally:
        world.close()

    result.update({
        "faults": faults.done, "load_attempts": attempts, "faulty_s": round(loaded_s, 1),
        "faults_during_load": sum(f["at_s"] < loaded_s for f in faults.done),
        "events_per_s": {"fault_free": round(result["events"] / result["fault_free_s"]),
                         "under_faults": round(recorded / loaded_s)},
        "throughput_ratio": round(result["fault_free_s"] / loaded_s, 2),
        "failovers": [f for f in faults.done if "failover_s" in f],
        "probes": {probe.name: probe.summary() for probe in probes},
        "events_recorded": recorded, "events_applied": applied,
        "documents_issued_twice": twice,
        "reports_equal": got == expected, "differences": differences(expected, got),
    })
    problems = list(result["differences"])
    if applied != recorded:
        problems.append(f"{recorded} events recorded, {applied} applied")
    if twice:
        problems.append(f"{twice} family documents issued twice")
    if len(faults.done) != len(faults.plan):
        problems.append(f"{len(faults.done)} of {len(faults.plan)} faults happened")
    if result["faults_during_load"] < len(faults.plan) // 2:
        problems.append(f"only {result['faults_during_load']} of {len(faults.plan)} faults came during the load")
    if again != 1:
        problems.append("the clean pass after the faults needed more than one attempt")
    result["problems"] = problems
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--children", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()
    # aiokafka logs every failed reconnection to a killed broker; the probes say what it cost.
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="soak-") as tmp:
        result = run(args.children, args.rounds, args.seed, Path(tmp))
    result["took_s"] = round(time.monotonic() - started, 1)
    out = machine.write("soak", result)
    for fault in result["faults"]:
        print("fault:", json.dumps(fault, ensure_ascii=False))
    print(json.dumps({k: result[k] for k in ("probes", "events_per_s", "faults_during_load", "throughput_ratio", "load_attempts", "events_recorded",
                                             "events_applied", "reports_equal", "took_s")}, indent=1))
    print("soak:", "; ".join(result["problems"]) or "every report equal to the fault-free run's, every event "
          "applied once, no document issued twice", f"— written to {out.relative_to(ROOT)}")
    return 1 if result["problems"] else 0


if __name__ == "__main__":
    sys.exit(main())
