"""CPU accounting from /proc: what a benchmark's processes, their PostgreSQL backends and the machine spent."""

from __future__ import annotations

import os
from pathlib import Path

import psycopg

from tests.stack import pg_admin_dsn

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of one process so far (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine has spent not idle (all cores)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(values) - values[3] - values[4]) / TICKS  # less idle and iowait


def backends(database: str) -> list[int]:
    with psycopg.connect(pg_admin_dsn()) as conn:
        return [r[0] for r in conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", (database,))]


class CpuWindow:
    """CPU spent between `start` and `stop` by the given processes (`name`), the database's backends and the
    machine."""

    def __init__(self, name: str):
        self.name = name

    def start(self, pids: list[int], database: str) -> None:
        self.pids, self.database = pids, database
        self.backends = {pid: cpu_seconds(pid) for pid in backends(database)}
        self.services = [cpu_seconds(pid) for pid in pids]
        self.machine = machine_busy_seconds()

    def stop(self) -> dict:
        seen = {pid: cpu_seconds(pid) for pid in backends(self.database)}
        return {f"{self.name}_s": round(sum(cpu_seconds(pid) - s for pid, s in zip(self.pids, self.services)), 2),
                "postgres_backends_s": round(sum(cpu - self.backends.get(pid, 0.0) for pid, cpu in seen.items()), 2),
                "machine_s": round(machine_busy_seconds() - self.machine, 2)}
