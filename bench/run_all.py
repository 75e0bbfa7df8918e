"""Every benchmark, one after another, each printing its figures and writing bench/results/<name>.json.

    .venv/bin/python -m bench.run_all [--quick]

`--quick` runs smaller sizes (minutes instead of tens of minutes) for a look, not for the record.
The machine is shared and noisy: compare the ratios each benchmark prints within one run, quote medians.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"

FULL = [
    ("engine", ["bench.engine_bench", "--rows", "1000000"], None),
    ("billing cycle, 100,000 child-months", ["bench.billing_cycle", "--child-months", "100000"],
     "billing_cycle_100k"),
    ("billing cycle, 1,000,000 child-months", ["bench.billing_cycle", "--child-months", "1000000"],
     "billing_cycle_1m"),
    ("billing cycle, 1,000,000 child-months over 20 jurisdictions, one after another and two funds at once",
     ["bench.billing_cycle", "--child-months", "1000000", "--jurisdictions", "20", "--workers", "1,2"],
     "billing_cycle_1m_20j"),
    ("roster import, 100,000 rows", ["bench.roster_import", "--rows", "100000"], None),
    ("event path", ["bench.event_path", "--rates", "250,500,1000", "--seconds", "10"], None),
    ("replay, one and two subsidy instances", ["bench.replay", "--children", "100000", "--instances", "1", "2"],
     None),
]
QUICK = [
    ("engine", ["bench.engine_bench", "--rows", "200000"], None),
    ("billing cycle, 100,000 child-months", ["bench.billing_cycle", "--child-months", "100000"],
     "billing_cycle_100k"),
    ("roster import, 20,000 rows", ["bench.roster_import", "--rows", "20000"], None),
    ("event path", ["bench.event_path", "--rates", "250,500", "--seconds", "5"], None),
    ("replay, one and two subsidy instances",
     ["bench.replay", "--children", "20000", "--instances", "1", "2", "--runs", "1"], None),
]


def peak_memory() -> dict[str, dict]:
    """Each service's highest resident memory over the benchmarks just run, and where it was reached."""
    def samples(name: str, report: dict):
        if name.startswith("billing_cycle"):
            for sample in [*report["cycle"]["samples"], report.get("second_cycle") or {}]:
                yield from (sample.get("peak_rss_mib") or {}).items()
        elif name == "roster_import":
            for phase in report["phases"].values():
                yield "enrollment", phase["service_peak_rss_mb"] / 1.048576  # MB → MiB
        elif name == "event_path":
            yield from report["peak_rss_mib"].items()
        elif name == "replay":
            yield "subsidy", report["replay"]["peak_rss_mib"]

    peaks: dict[str, dict] = {}
    for path in sorted(RESULTS.glob("*.json")):
        report = json.loads(path.read_text())
        for service, mib in samples(path.stem, report):
            if mib > peaks.get(service, {}).get("peak_rss_mib", 0):
                peaks[service] = {"peak_rss_mib": round(mib, 1), "during": report.get("command", path.stem)}
    return peaks


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    failed = []
    for title, command, keep_as in QUICK if args.quick else FULL:
        print(f"\n=== {title}: python -m {' '.join(command)}", flush=True)
        started = time.perf_counter()
        if subprocess.run([sys.executable, "-m", *command]).returncode != 0:
            failed.append(title)
        elif keep_as:  # the same benchmark at two sizes: keep both result files
            shutil.copy(RESULTS / f"{command[0].split('.')[1]}.json", RESULTS / f"{keep_as}.json")
        print(f"=== {title}: {time.perf_counter() - started:.0f} s", flush=True)
    peaks = peak_memory()
    (RESULTS / "memory.json").write_text(json.dumps({"benchmark": "peak memory per service", "limit_mib": 500,
                                                     "services": peaks}, indent=2) + "\n")
    print("\npeak memory per service (limit 500 MiB):")
    for service, peak in sorted(peaks.items()):
        print(f"  {service:<11} {peak['peak_rss_mib']:>6.1f} MiB  during {peak['during']}")
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
