"""Benchmark of a 100,000-row roster import through the real enrollment service, PostgreSQL and Kafka.

    .venv/bin/python -m bench.roster_import [--rows 100000] [--format csv|xlsx]

Starts a world of its own (tests/stack.py: the three services on the PostgreSQL and Kafka that `make infra`
started), opens one facility with enough classes, writes a roster file of `--rows` rows (families of one to three
children, half of them with a national ID, a fifth of the enrollments with an end date), and
sends it with the CLI (`tuoyu import roster`, a streamed upload) three times: a dry run, the import, and the same
import again (which must change nothing). For each it records the wall time, rows per second and the peak resident
memory of the enrollment process (VmHWM of /proc/<pid>/status, reset before each phase by writing 5 to
/proc/<pid>/clear_refs), and the CLI's own peak memory. It counts the events the import added to the outbox (and
divides by the import's seconds), then times the outbox relay publishing them to Kafka and the subsidy service
applying them, and billing learning their families. Writes bench/results/roster_import.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.cpu import STACK_DIR, PathCpu  # noqa: E402
from subsidy.rules.catalog import shipped_text  # noqa: E402
from tests.stack import VENV_BIN, World  # noqa: E402
from tuoyu.national_id import check_character  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "roster_import.json"
HEADER = ["family", "child", "birth_date", "birth_order", "national_id", "class", "enrollment", "care",
          "monthly_fee", "start", "end"]
CLASS_CAPACITY = 450
PER_CLASS = 400  # rows per class: every enrollment may be open at once and still fit


def with_check(first17: str) -> str:
    return first17 + check_character(first17)


def rows(count: int, seed: int = 20220901):
    """`count` roster rows, deterministic for the seed."""
    rng = random.Random(seed)
    n = family = 0
    while n < count:
        family += 1
        size = rng.choices((1, 2, 3), (60, 30, 10))[0]
        born = date(2020, 1, 1) + timedelta(days=rng.randrange(600))
        for order in range(1, size + 1):
            if n >= count:
                return
            birth = born + timedelta(days=(order - 1) * rng.randrange(300, 500))
            if birth > date(2022, 8, 31):
                break
            child = f"K{family:06d}{order}"
            # A valid number (its check character, the child's birth date), unique by family and order.
            national_id = (with_check(f"{family:05d}{order}{birth:%Y%m%d}{rng.randrange(1000):03d}")
                           if rng.random() < 0.5 else "")
            start = max(birth, date(2022, 9, 1)) + timedelta(days=rng.randrange(120))
            end = start + timedelta(days=rng.randrange(30, 300)) if rng.random() < 0.2 else None
            fee = rng.choice(("1800.00", "2000.00", "2200.00", "2500.00"))
            klass = f"C{n // PER_CLASS + 1:04d}"
            yield [f"FAM{family:06d}", child, birth.isoformat(), order, national_id, klass, f"E{child}",
                   rng.choice(("full_day", "full_day", "half_day")), fee, start.isoformat(),
                   end.isoformat() if end else ""]
            n += 1


def write_file(path: Path, count: int, fmt: str) -> None:
    if fmt == "csv":
        with path.open("w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(HEADER)
            writer.writerows(rows(count))
        return
    from openpyxl import Workbook
    book = Workbook(write_only=True)
    sheet = book.create_sheet("roster")
    sheet.append(HEADER)
    for row in rows(count):
        sheet.append(row)
    book.save(path)


def status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def reset_peak(pid: int) -> None:
    Path(f"/proc/{pid}/clear_refs").write_text("5")


def timed_cli(world: World, *args: str) -> tuple[float, dict, int]:
    """Run the CLI under /usr/bin/time-like accounting: (seconds, JSON report, CLI peak RSS in kB)."""
    started = time.perf_counter()
    process = subprocess.Popen([str(VENV_BIN / "tuoyu"), *args, "--json"], env=world.env, cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    out, err = process.stdout.read(), process.stderr.read()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"tuoyu {' '.join(args)} failed: {err}")
    return seconds, json.loads(out), usage.ru_maxrss


def wait_until(predicate, timeout: float = 1800) -> float:
    started = time.perf_counter()
    while not predicate():
        if time.perf_counter() - started > timeout:
            raise SystemExit("timed out")
        time.sleep(0.5)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    args = parser.parse_args()

    load_at_start = list(os.getloadavg())
    work = Path(tempfile.mkdtemp(prefix="roster-bench-"))
    world = World(work).start()
    try:
        api = world.api()
        api.call(api.subsidy, "POST", "/rulesets", content=shipped_text("zhoushan-putuo-2022").encode(),
                 headers={"Content-Type": "application/yaml"})
        E = api.enrollment
        api.call(E, "POST", "/facilities", json={"external_id": "FB", "name": "基准托育园", "kind":
                                                 "childcare_institution", "ownership": "public", "inclusive": True})
        api.call(E, "PUT", "/facilities/FB/filing", json={"filed_on": "2022-03-01", "subsidy_rate": "0.12"})
        key = api.call(E, "POST", "/facilities/FB/keys", json={}).json()["api_key"]
        for i in range(-(-args.rows // PER_CLASS)):
            api.call(E, "POST", "/facilities/FB/classes", json={"external_id": f"C{i + 1:04d}",
                                                                "opened_on": "2022-09-01", "capacity": CLASS_CAPACITY})
        path = work / f"roster.{args.format}"
        started = time.perf_counter()
        write_file(path, args.rows, args.format)
        generated = time.perf_counter() - started
        pid = world["enrollment"].process.pid
        api.wait_for_outbox()
        outbox_before = world.query("enrollment", "SELECT count(*) FROM outbox")[0][0]
        phases = {}
        # What applying the import's events costs each consumer (its process and its PostgreSQL backends).
        consumers = PathCpu({name: [world[name].process.pid] for name in ("subsidy", "billing")},
                            [f"{world.namespace}_{name}" for name in ("subsidy", "billing")], STACK_DIR)
        for phase, extra in (("dry_run", ("--dry-run",)), ("import", ()), ("reimport", ())):
            if phase == "import":
                consumers.start()
            reset_peak(pid)
            baseline = status_kb(pid, "VmRSS")
            seconds, report, cli_kb = timed_cli(world, "import", "roster", str(path), "--facility", "FB",
                                                "--key", key, *extra)
            phases[phase] = {
                "seconds": round(seconds, 2), "rows_per_second": round(report["rows"] / seconds),
                "service_peak_rss_mb": round(status_kb(pid, "VmHWM") / 1024, 1),
                "service_rss_before_mb": round(baseline / 1024, 1), "cli_peak_rss_mb": round(cli_kb / 1024, 1),
                "created": report["created"], "unchanged": report["unchanged"], "bad_rows": report["bad_rows"]}
            print(phase, phases[phase], flush=True)
            if phase == "import":
                events = world.query("enrollment", "SELECT count(*) FROM outbox")[0][0] - outbox_before
                drained = wait_until(lambda: api.call(E, "GET", "/outbox").json()["pending"] == 0)
                applied = wait_until(lambda: world.query(
                    "subsidy", "SELECT count(*) FROM enrollments WHERE facility = 'FB'")[0][0] >= args.rows)
                families = report["created"]["families"]
                billed = applied + wait_until(lambda: world.query(
                    "billing", "SELECT count(*) FROM families WHERE facility = 'FB'")[0][0] >= families)
                spent = consumers.stop()
                consumer_cpu = {name: round(spent[name] + spent[f"postgres:{name}"], 2)
                                for name in ("subsidy", "billing")}
        assert phases["import"]["created"]["enrollments"] == args.rows, phases["import"]
        assert phases["reimport"]["unchanged"] == args.rows and phases["reimport"]["created"]["enrollments"] == 0
        result = {
            "benchmark": "roster_import", "recorded_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "command": f".venv/bin/python -m bench.roster_import --rows {args.rows} --format {args.format}",
            "rows": args.rows, "format": args.format, "file_mb": round(path.stat().st_size / 2**20, 1),
            "generate_file_seconds": round(generated, 2), "phases": phases,
            # Counted in the outbox (rows the import added), not inferred from the report.
            "events": events, "events_per_second": round(events / phases["import"]["seconds"]),
            "outbox_drained_seconds_after_import": round(drained, 1),
            "subsidy_applied_seconds_after_drain": round(applied, 1),
            "billing_families_seconds_after_drain": round(billed, 1),
            "consumer_cpu_seconds_for_the_import": consumer_cpu,
            "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                        "platform": platform.platform(),
                        # The machine is shared: how busy it was tells how far to trust the seconds.
                        "load_average_at_start": load_at_start, "load_average_at_end": list(os.getloadavg())},
        }
        RESULTS.parent.mkdir(exist_ok=True)
        target = RESULTS if args.format == "csv" else RESULTS.with_name("roster_import_xlsx.json")
        target.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(json.dumps(result, indent=2, ensure_ascii=False))
    finally:
        world.close()


if __name__ == "__main__":
    main()
