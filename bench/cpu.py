"""CPU accounting from /proc: what a benchmark's processes, their PostgreSQL backends and the machine spent."""

from __future__ import annotations

import os
from pathlib import Path

import psycopg

from tests.stack import ROOT, pg_admin_dsn

TICKS = os.sysconf("SC_CLK_TCK")
# Where `make infra` keeps its pid files (deploy/kafka.sh): how the broker's processes are found.
STACK_DIR = Path(os.environ.get("TUOYU_STACK_DIR", ROOT / ".stack"))


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


def _parent(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except FileNotFoundError:
        return 0


def descendants(pid: int) -> list[int]:
    """The process and every process under it (uvicorn's workers, a shell's child)."""
    parents = {int(p.name): _parent(int(p.name)) for p in Path("/proc").iterdir() if p.name.isdigit()}
    found, frontier = [pid], [pid]
    while frontier:
        frontier = [child for child, parent in parents.items() if parent in frontier]
        found += frontier
    return found


def postgres_server() -> list[int]:
    """PostgreSQL's own processes (the postmaster, WAL writer, checkpointer, background writer, autovacuum): shared
    by every database on the server, so by whoever else uses it during a measurement. Found as the postmaster's
    children that are no client's backend (pg_stat_activity hides them from a role that is not a superuser)."""
    with psycopg.connect(pg_admin_dsn()) as conn:
        postmaster = _parent(conn.execute("SELECT pg_backend_pid()").fetchone()[0])
        clients = {r[0] for r in conn.execute("SELECT pid FROM pg_stat_activity WHERE backend_type = 'client backend'")}
    return [pid for pid in descendants(postmaster) if pid not in clients]


def kafka_brokers(stack_dir: Path) -> list[int]:
    """The stack's broker JVMs, from deploy/kafka.sh's pid files."""
    return [int(p.read_text()) for p in sorted((stack_dir / "run").glob("kafka*.pid")) if p.read_text().strip()]


class PathCpu:
    """CPU seconds spent by each part of a request's path between `start` and `stop`: named process groups, the
    world's PostgreSQL backends (of each of its databases, `postgres:<service>`), PostgreSQL's server processes, the brokers, this process (the load
    client) and the whole machine. `per(count)` gives each part's microseconds per item (an accepted request)."""

    def __init__(self, groups: dict[str, list[int]], databases: list[str], stack_dir: Path):
        self.groups = {name: [p for pid in pids for p in descendants(pid)] for name, pids in groups.items()}
        self.databases, self.stack_dir = databases, stack_dir

    def _backends(self) -> dict[str, dict[int, float]]:
        return {database: {pid: cpu_seconds(pid) for pid in backends(database)} for database in self.databases}

    def _sample(self) -> dict:
        return {**{name: sum(map(cpu_seconds, pids)) for name, pids in self.groups.items()},
                "postgres_server": sum(map(cpu_seconds, postgres_server())),
                "kafka_broker": sum(map(cpu_seconds, kafka_brokers(self.stack_dir))),
                "load_client": sum(os.times()[:2]), "machine": machine_busy_seconds()}

    def start(self) -> None:
        self.before, self.backends_before = self._sample(), self._backends()

    def stop(self) -> dict[str, float]:
        after, backends_after = self._sample(), self._backends()
        spent = {name: after[name] - self.before[name] for name in after}
        for database, seen in backends_after.items():  # a backend opened meanwhile counts from 0
            before = self.backends_before[database]
            spent[f"postgres:{database.rsplit('_', 1)[-1]}"] = sum(cpu - before.get(pid, 0.0) for pid, cpu in seen.items())
        return spent

    @staticmethod
    def per(spent: dict[str, float], count: int) -> dict[str, float]:
        """Microseconds per item, each part and the sum of the parts (`path`, without the machine's other work)."""
        parts = {name: round(seconds * 1e6 / max(count, 1)) for name, seconds in spent.items()}
        parts["path"] = sum(v for k, v in parts.items() if k != "machine")
        return parts
