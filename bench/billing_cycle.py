"""Benchmark of the billing cycle end to end: a million child-months, from facts in the database to documents
committed, against the time PostgreSQL takes to COPY the rows the cycle writes.

    .venv/bin/python -m bench.billing_cycle --child-months 1000000

What runs: the real subsidy and billing services (uvicorn, as `make up` runs them) on fresh databases. The
subsidy service's view of the facts is seeded with COPY (facilities, classes, families, children, enrollments,
fees: the state its consumer would have built from events), then the timed part is one `POST /cycles/2022-09`:
subsidy reads the month's facts and computes every line, billing fetches them as columns, plans the difference,
numbers and COPYs every document and commits. Then the same rows are copied with COPY into tables made LIKE
billing's (same indexes), which is the yardstick. A second cycle (October) runs after late changes to 1% of the
enrollments, to show the cost of correcting a month as big as the first. Writes bench/results/billing_cycle.json.

`--jurisdictions 20` spreads the facilities over 20 districts of a city, each under its own copy of Putuo's rule set
and its own fund: the one `POST /cycles/2022-09` then runs 20 cycles, one per district (issue 13), and the
yardstick is the same COPY of everything they wrote.

`--workers 1,2` bills the same month with the billing service's `TUOYU_BILLING_CYCLE_WORKERS` at each value in
turn, every attempt on a fresh billing database (issue 14: different funds' cycles at once against one jurisdiction
after another), and reports each attempt's ratio of the first value's wall time to the last's, their median, and the
most billing transactions seen open at once and any seen waiting for a lock (pg_stat_activity, sampled every
0.2 s: do the cycles overlap, does anything serialise them?), with the CPU seconds each service used. The other
figures (ratio to COPY, October's cycle) are the last value's.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import secrets
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import httpx
import numpy as np
import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# The same launcher and clean-up the tests use.
from tests.stack import Service, drop_databases, free_port, pg_admin_dsn  # noqa: E402

from subsidy.rules.catalog import shipped_text  # noqa: E402
from tuoyu.contracts import due as contract  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "billing_cycle.json"  # run_all keeps each size's under its own name
CHILDREN_PER_FACILITY = 500
CLASS_SIZE = 25
WRITTEN = ("family_documents", "payouts", "payout_lines")


def _tsv(columns: list[list]) -> str:
    """Rows for COPY … FROM STDIN (text format): tab-separated, \\N for None."""
    cells = [[r"\N" if v is None else str(v) for v in column] for column in columns]
    return "".join("\t".join(row) + "\n" for row in zip(*cells))


CITY = "339900"  # a made-up city (GB/T 2260 has no 3399xx), its districts 339901, 339902, ...


def districts(count: int) -> list[str]:
    return [f"3399{i:02d}" for i in range(1, count + 1)]


def generate(children: int, seed: int, jurisdictions: int = 0) -> dict[str, tuple[list[str], list[list]]]:
    """The subsidy service's projection tables for a city of `children` enrolled children (one enrollment each),
    its facilities spread in contiguous blocks over `jurisdictions` districts (0: in none, as before issue 13)."""
    rng = np.random.default_rng(seed)
    sizes = rng.choice([1, 2, 3], p=[0.62, 0.30, 0.08], size=children)
    sizes = sizes[np.cumsum(sizes) <= children]
    if sizes.sum() < children:
        sizes = np.append(sizes, children - sizes.sum())
    family = np.repeat(np.arange(len(sizes)), sizes)
    order = np.arange(children) - np.repeat(np.cumsum(sizes) - sizes, sizes) + 1
    facility = np.minimum(np.repeat(np.cumsum(sizes) - sizes, sizes) // CHILDREN_PER_FACILITY,
                          max(children // CHILDREN_PER_FACILITY, 1) - 1)
    n_fac = int(facility.max()) + 1
    seat = np.arange(children) - np.searchsorted(facility, facility)  # the child's rank within its facility
    klass = seat // CLASS_SIZE + 1
    born = np.datetime64("2019-10-01") + rng.integers(0, 1000, children).astype("timedelta64[D]")
    fac_fee = rng.integers(15, 41, n_fac) * 10000  # 1,500.00 … 4,000.00 a month
    start = np.where(rng.random(children) < 0.05, np.datetime64("2022-09-01") + rng.integers(1, 29, children)
                     .astype("timedelta64[D]"), np.datetime64("2022-03-01"))
    ends = rng.random(children) < 0.03
    end = np.where(ends, np.datetime64("2022-09-01") + rng.integers(0, 29, children).astype("timedelta64[D]"),
                   np.datetime64("NaT"))
    end = np.where(ends & (end < start), start, end)

    fac_names = [f"F{i:05d}" for i in range(n_fac)]
    failing = set(rng.choice(n_fac, size=max(1, n_fac // 50), replace=False).tolist())  # 2% in rectification
    facilities = [[fac_names[i] for i in range(n_fac)], ["childcare_institution"] * n_fac, ["f"] * n_fac,
                  ["2022-01-01"] * n_fac, ["2022-01-01"] * n_fac, ["2022-01-01"] * n_fac, [None] * n_fac,
                  [json.dumps([{"from": "2022-01-01", "rate": f"0.{8 + i % 8:02d}"}]) for i in range(n_fac)],
                  [json.dumps([{"date": "2022-08-15", "result": "fail" if i in failing else "pass"}])
                   for i in range(n_fac)], [1] * n_fac]
    codes = districts(jurisdictions)
    placed = [json.dumps([{"from": "2000-01-01", "jurisdiction": codes[i * len(codes) // n_fac]}]) if codes else "[]"
              for i in range(n_fac)]
    facilities.append(placed)
    classes_per = np.bincount(facility, minlength=n_fac) // CLASS_SIZE + 1
    class_rows = [(fac_names[f], f"C{c}") for f in range(n_fac) for c in range(1, int(classes_per[f]) + 1)]
    classes = [[f for f, _ in class_rows], [c for _, c in class_rows], ["2022-03-01"] * len(class_rows),
               [None] * len(class_rows), ["2022-03-01"] * len(class_rows), [1] * len(class_rows)]
    fam_facility = facility[np.cumsum(sizes) - sizes]
    families = [list(range(1, len(sizes) + 1)), [fac_names[f] for f in fam_facility.tolist()],
                [f"FAM{j}" for j in range(len(sizes))]]
    ids = list(range(1, children + 1))
    fac_of_child = [fac_names[f] for f in facility.tolist()]
    kids = [ids, fac_of_child, [f"K{i}" for i in range(children)], (family + 1).tolist(),
            [str(d) for d in born.tolist()], order.tolist(), [1] * children]
    enrollments = [ids, fac_of_child, [f"E{i}" for i in range(children)], ids, [f"C{k}" for k in klass.tolist()],
                   [str(d) for d in start.tolist()], [None if d is None else str(d) for d in end.tolist()],
                   [1] * children]
    fees = [ids, [str(d) for d in start.tolist()], fac_fee[facility].tolist()]
    return {
        "facilities": (["external_id", "kind", "serves_meals", "filed_on", "fire_safety_certified_on",
                        "food_licence_on", "revoked_on", "rates", "reviews", "version", "jurisdictions"],
                       facilities),
        "jurisdictions": (["code", "name", "parent"], [[CITY, *codes], ["基准市", *(f"基准{c[-2:]}区" for c in codes)],
                                                       [None, *[CITY] * len(codes)]]),
        "classes": (["facility", "external_id", "opened_on", "closed_on", "confirmed_on", "version"], classes),
        "families": (["id", "facility", "external_id"], families),
        "children": (["id", "facility", "external_id", "family_id", "birth_date", "birth_order", "version"], kids),
        "enrollments": (["id", "facility", "external_id", "child_id", "class", "start_on", "end_on", "version"],
                        enrollments),
        "enrollment_fees": (["enrollment_id", "effective_from", "fee_fen"], fees),
    }


def seed(dsn: str, tables: dict) -> float:
    started = time.perf_counter()
    with psycopg.connect(dsn) as conn:
        for table, (columns, data) in tables.items():
            with conn.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                copy.write(_tsv(data))
        for table in ("families", "children", "enrollments"):
            conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        conn.execute("ANALYZE")
    return time.perf_counter() - started


def late_changes(dsn: str, share: float, seed: int) -> int:
    """Late events for a billed September: withdrawals on the 15th and corrected fees, `share` of enrollments."""
    rng = np.random.default_rng(seed)
    with psycopg.connect(dsn) as conn:
        n = conn.execute("SELECT count(*) FROM enrollments").fetchone()[0]
        picked = rng.choice(np.arange(1, n + 1), size=int(n * share), replace=False)
        half = len(picked) // 2
        conn.execute("UPDATE enrollments SET end_on = greatest(start_on, date '2022-09-15'), version = version + 1 "
                     "WHERE id = ANY(%s)", (picked[:half].tolist(),))
        conn.execute("UPDATE enrollment_fees SET fee_fen = fee_fen + 20000 WHERE enrollment_id = ANY(%s)",
                     (picked[half:].tolist(),))
    return len(picked)


def rulesets(jurisdictions: int) -> list[str]:
    """Putuo's shipped rule set, or one copy of it per district, each covering that district with a fund of its own."""
    putuo = shipped_text("zhoushan-putuo-2022")
    return [putuo] if not jurisdictions else [
        putuo.replace("id: zhoushan-putuo-2022", f"id: bench-district-{code}")
             .replace('jurisdictions: ["330903"]', f'jurisdictions: ["{code}"]')
             .replace("id: putuo-childcare-fund", f"id: bench-fund-{code}") for code in districts(jurisdictions)]


def funds(jurisdictions: int) -> list[str]:
    return [f"bench-fund-{code}" for code in districts(jurisdictions)] or ["putuo-childcare-fund"]


def reset_peak_rss(pid: int) -> None:
    """Start the process's high-water mark (VmHWM) afresh, so the next reading is this phase's peak."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def copy_baseline(dsn: str) -> dict:
    """COPY the rows the cycle wrote into tables LIKE billing's (same indexes and checks), timed per table."""
    out = {"rows": {}, "seconds": {}}
    with psycopg.connect(dsn, autocommit=True) as conn:
        for table in WRITTEN:
            buffer = io.BytesIO()
            with conn.cursor().copy(f"COPY {table} TO STDOUT (FORMAT binary)") as copy:
                for chunk in copy:
                    buffer.write(chunk)
            conn.execute(f"DROP TABLE IF EXISTS bench_copy_{table}")
            conn.execute(f"CREATE TABLE bench_copy_{table} (LIKE {table} INCLUDING ALL)")
            data = buffer.getvalue()
            started = time.perf_counter()
            with conn.transaction():
                with conn.cursor().copy(f"COPY bench_copy_{table} FROM STDIN (FORMAT binary)") as copy:
                    copy.write(data)
            out["seconds"][table] = round(time.perf_counter() - started, 3)
            out["rows"][table] = conn.execute(f"SELECT count(*) FROM bench_copy_{table}").fetchone()[0]
            conn.execute(f"DROP TABLE bench_copy_{table}")
    out["total_s"] = round(sum(out["seconds"].values()), 3)
    out["total_rows"] = sum(out["rows"].values())
    out["rows_per_s"] = int(out["total_rows"] / out["total_s"])
    return out


def timed_cycle(finance: httpx.Client, services: dict, month: str) -> tuple[float, dict, dict]:
    """Run the month's cycle: its wall seconds, its answer, and each service's peak memory during it."""
    for service in services.values():
        reset_peak_rss(service.process.pid)
    started = time.perf_counter()
    answer = finance.post(f"/cycles/{month}")
    elapsed = time.perf_counter() - started
    answer.raise_for_status()
    return elapsed, answer.json(), {n: peak_rss_mib(s.process.pid) for n, s in services.items()}


class OpenTransactions(threading.Thread):
    """While it runs, the most client transactions open at once on a database, and the locks they were seen waiting
    for, by kind (pg_stat_activity every 0.2 s; autovacuum's are not counted)."""

    def __init__(self, dsn: str, database: str):
        super().__init__(daemon=True)
        self.dsn, self.database, self.most, self.lock_waits = dsn, database, 0, Counter()
        self.done = threading.Event()

    def run(self) -> None:
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            while not self.done.wait(0.2):
                rows = conn.execute(
                    "SELECT wait_event_type, wait_event FROM pg_stat_activity WHERE datname = %s AND backend_type = "
                    "'client backend' AND xact_start IS NOT NULL AND pid <> pg_backend_pid()",
                    (self.database,)).fetchall()
                self.most = max(self.most, len(rows))
                self.lock_waits.update(event for kind, event in rows if kind == "Lock")

    def __enter__(self) -> "OpenTransactions":
        self.start()
        return self

    def __exit__(self, *_) -> None:
        self.done.set()
        self.join()


def cpu_seconds(pid: int) -> float:
    """The process's CPU time so far (user + system, /proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def parallel(samples: list[dict], workers: list[int]) -> dict:
    """Each attempt's wall time at the first workers value over the last's (> 1: the last is faster), medians."""
    first, last = ([s["wall_s"] for s in samples if s["workers"] == w] for w in (workers[0], workers[-1]))
    ratios = [round(a / b, 2) for a, b in zip(first, last)]
    return {"workers": [workers[0], workers[-1]], f"wall_s_workers_{workers[0]}": first,
            f"wall_s_workers_{workers[-1]}": last, "median_s": [statistics.median(first), statistics.median(last)],
            "ratios_per_attempt": ratios, "ratio": statistics.median(ratios),
            "most_open_transactions": {w: max(s["most_open_transactions"] for s in samples if s["workers"] == w)
                                       for w in (workers[0], workers[-1])},
            "lock_waits_seen": dict(sum((Counter(s["lock_waits_seen"]) for s in samples), Counter()))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child-months", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20220901)
    parser.add_argument("--late-share", type=float, default=0.01, help="late changes before October's cycle")
    parser.add_argument("--repeat", type=int, default=3, help="September cycles, each on a fresh billing database "
                                                              "and followed by the COPY yardstick")
    parser.add_argument("--jurisdictions", type=int, default=0, help="spread the facilities over this many districts, "
                                                                      "each under its own rule set and fund (0: none)")
    parser.add_argument("--workers", default="2", help="TUOYU_BILLING_CYCLE_WORKERS values, comma-separated: each "
                                                         "attempt bills the month once with each (e.g. 1,2)")
    parser.add_argument("--keep", action="store_true", help="keep the databases (to look at them)")
    args = parser.parse_args()
    workers = [int(w) for w in args.workers.split(",")]

    namespace = f"bench{secrets.token_hex(4)}"
    keys = {"admin": f"adm_{secrets.token_hex(12)}", "finance": f"fin_{secrets.token_hex(12)}",
            "operator": f"opr_{secrets.token_hex(12)}"}
    ports = {"subsidy": free_port(), "billing": free_port()}
    env = {**os.environ, "TUOYU_TOPIC_PREFIX": namespace, "TUOYU_ADMIN_KEY": keys["admin"],
           "TUOYU_FINANCE_KEY": keys["finance"], "TUOYU_OPERATOR_KEY": keys["operator"],
           "TUOYU_HASH_PEPPER": secrets.token_hex(16),
           "TUOYU_RUN_CONSUMER": "false", "TUOYU_LOG_LEVEL": "WARNING",
           "TUOYU_SUBSIDY_DATABASE": f"{namespace}_subsidy", "TUOYU_BILLING_DATABASE": f"{namespace}_billing",
           "TUOYU_BILLING_CYCLE_WORKERS": str(workers[0]),
           **{f"TUOYU_{n.upper()}_URL": f"http://127.0.0.1:{p}" for n, p in ports.items()}}
    logs = Path(tempfile.mkdtemp(prefix="bench-billing-"))
    services = {n: Service(n, ports[n], env, logs / f"{n}.log") for n in ports}
    base = pg_admin_dsn().rsplit("/", 1)[0]
    result: dict = {"benchmark": "billing cycle, end to end", "child_months": args.child_months,
                    "jurisdictions": args.jurisdictions, "workers": workers,
                    "command": f".venv/bin/python -m bench.billing_cycle --child-months {args.child_months} "
                               f"--repeat {args.repeat} --jurisdictions {args.jurisdictions} --workers {args.workers}",
                    "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                                "load_average_at_start": os.getloadavg()},
                    "at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    billing_databases = [f"{namespace}_billing"]
    try:
        services["subsidy"].start()
        services["billing"].start()
        admin = httpx.Client(base_url=services["subsidy"].url, headers={"Authorization": f"Bearer {keys['admin']}"},
                             timeout=1800)
        for document in rulesets(args.jurisdictions):
            admin.post("/rulesets", content=document.encode(),
                       headers={"Content-Type": "application/yaml"}).raise_for_status()
        started = time.perf_counter()
        tables = generate(args.child_months, args.seed, args.jurisdictions)
        result["generate_s"] = round(time.perf_counter() - started, 2)
        result["seed_copy_s"] = round(seed(f"{base}/{namespace}_subsidy", tables), 2)
        result["world"] = {t: len(cols[0]) for t, (_, cols) in tables.items()}
        del tables

        finance = httpx.Client(base_url=services["billing"].url, timeout=1800,
                               headers={"Authorization": f"Bearer {keys['finance']}"})
        samples = []
        runs = [(attempt, w) for attempt in range(args.repeat) for w in workers]
        for number, (attempt, w) in enumerate(runs):  # the machine is shared: repeat on a fresh billing database
            if number:
                # A new database rather than the old one dropped: after a million rows autovacuum (a superuser, which
                # nothing of ours can interrupt) may hold the old one for minutes. All are dropped at the end.
                billing_databases.append(f"{namespace}_billing{number}")
                services["billing"].stop()
                services["billing"].env = {**env, "TUOYU_BILLING_DATABASE": billing_databases[-1],
                                           "TUOYU_BILLING_CYCLE_WORKERS": str(w)}
                services["billing"].start()
            billing_dsn = f"{base}/{billing_databases[-1]}"
            # A city this size needs more than the seed's 700,000.00 default, or most payouts would wait.
            for fund in funds(args.jurisdictions):
                finance.put(f"/budgets/{fund}/2022", json={"amount": "10000000000.00"}).raise_for_status()
            load = os.getloadavg()[0]
            cpu = {n: cpu_seconds(s.process.pid) for n, s in services.items()}
            with OpenTransactions(pg_admin_dsn(), billing_databases[-1]) as watch:
                elapsed, cycle, peaks = timed_cycle(finance, services, "2022-09")
            cpu = {n: round(cpu_seconds(s.process.pid) - cpu[n], 1) for n, s in services.items()}
            # The yardstick right after, under the same neighbours' load: COPY of exactly the rows just written.
            copy = copy_baseline(billing_dsn)
            samples.append({"workers": w, "attempt": attempt, "wall_s": round(elapsed, 2),
                            "load_average_before": round(load, 2), "load_average_after": round(os.getloadavg()[0], 2),
                            "most_open_transactions": watch.most, "lock_waits_seen": dict(watch.lock_waits),
                            "service_cpu_s": cpu,
                            "copy_s": copy["total_s"], "ratio": round(elapsed / copy["total_s"], 2),
                            "service_timings_s": cycle["seconds"], "documents": cycle["documents"],
                            "payout_statuses": cycle["payout_statuses"], "peak_rss_mib": peaks})
            print(f"attempt {attempt + 1}, workers {w}: {elapsed:.2f} s (COPY {copy['total_s']} s, load "
                  f"{load:.2f} → {os.getloadavg()[0]:.2f}, at most {watch.most} transactions open, lock waits "
                  f"{dict(watch.lock_waits)}, CPU {cpu})",
                  flush=True)
        if len(workers) > 1:
            result["parallel"] = parallel(samples, workers)
        samples_last = [s for s in samples if s["workers"] == workers[-1]]
        ratios = sorted(s["ratio"] for s in samples_last)
        result["cycle"] = {"month": "2022-09", "wall_s": min(s["wall_s"] for s in samples_last), "samples": samples}
        result["copy_baseline"] = {**copy, "samples_total_s": [s["copy_s"] for s in samples]}
        # Each cycle over the COPY run right after it (the machine is shared: a pair sees the same load).
        result["ratio_cycle_to_copy"] = round(statistics.median(ratios), 2)
        result["ratios_per_pair"] = [s["ratio"] for s in samples_last]
        assert finance.post("/cycles/2022-09").json()["issued"] is False, "a second run issues nothing"
        with psycopg.connect(billing_dsn) as conn:
            docs, fees = conn.execute("SELECT count(*), sum(fee_fen) FROM family_documents").fetchone()
        due_lines = due_fees = 0
        for code in [j["code"] for j in admin.get("/due/2022-09/jurisdictions").json()["jurisdictions"]]:
            asked = {"jurisdiction": code}
            for batch in admin.get("/due/2022-09/batches", params=asked).json()["batches"]:
                answer = admin.get("/due/2022-09", params={**asked, **{k: v for k, v in batch.items() if v}})
                fee_fen = contract.decode(answer.content).lines.fee_fen
                due_lines += len(fee_fen)
                due_fees += sum(fee_fen)
        assert docs == due_lines == args.child_months, (docs, due_lines, args.child_months)
        assert fees == due_fees, "every fen of the month's fees is on an invoice"

        changed = late_changes(f"{base}/{namespace}_subsidy", args.late_share, args.seed)
        elapsed, second, peaks = timed_cycle(finance, services, "2022-10")
        result["second_cycle"] = {
            "month": "2022-10", "late_changes": changed, "wall_s": round(elapsed, 2),
            "service_timings_s": second["seconds"], "documents": second["documents"],
            "note": "recomputes September (1M lines) to find the corrections, and bills October (1M lines)",
            "peak_rss_mib": peaks}
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        print(json.dumps(result, ensure_ascii=False, indent=2))
    finally:
        for service in services.values():
            service.stop()
        if not args.keep:
            drop_databases([f"{namespace}_subsidy", *billing_databases], attempts=600)


if __name__ == "__main__":
    main()
