"""Faults in the infrastructure for the soak test and the failover checks: which PostgreSQL node is the primary, kill
one, start what is down; kill a Kafka node. The stack's settings (TUOYU_STACK_DIR, TUOYU_PG_PORT, ...) come from the environment, with
deploy/env.sh's defaults; the formation is TUOYU_PG_NODES=2 (deploy/pg_cluster.sh).
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import psycopg

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
PRIMARY_STATES = ("single", "primary", "wait_primary")


def stack_env(expression: str) -> str:
    """A shell expression evaluated after deploy/env.sh (`$RUN`, `$(pg_monitor_port)`): the stack's values."""
    return subprocess.run(["bash", "-c", f'source "{DEPLOY}/env.sh" && echo "{expression}"'], env=pg_env(), check=True,
                          capture_output=True, text=True).stdout.strip()


def pg_env() -> dict[str, str]:
    """The environment with the formation asked for, unless it asks for something itself."""
    return {"TUOYU_PG_NODES": "2", **os.environ}


def pg_nodes() -> dict[int, tuple[str, str]]:
    """The monitor's view: node number -> (the state it last reported, the state it was assigned)."""
    uri = f"postgresql://autoctl_node@127.0.0.1:{stack_env('$(pg_monitor_port)')}/pg_auto_failover"
    with psycopg.connect(uri, connect_timeout=3) as conn:
        rows = conn.execute("SELECT nodename, reportedstate, goalstate FROM pgautofailover.node").fetchall()
    return {int(name.removeprefix("node")): (reported, goal) for name, reported, goal in rows}


def pg_primary() -> int:
    """The node number (1, 2) the monitor holds as primary; LookupError while there is none (a failover)."""
    for node, (reported, goal) in pg_nodes().items():
        if reported == goal and reported in PRIMARY_STATES:
            return node
    raise LookupError("no primary at the moment")


def wait_pg_primary(*, not_node: int | None = None, timeout: float = 120) -> int:
    """Wait until a node other than `not_node` is the primary; returns its number."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            node = pg_primary()
            if node != not_node:
                return node
        except (LookupError, psycopg.OperationalError):
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"no new primary in {timeout} s: {pg_nodes()}")
        time.sleep(0.1)


def wait_pg_secondary(node: int, timeout: float = 180) -> None:
    """Wait until `node` is a standby in sync again (after a restart it rejoins, rewound or copied afresh)."""
    deadline = time.monotonic() + timeout
    while pg_nodes().get(node) != ("secondary", "secondary"):
        if time.monotonic() > deadline:
            raise TimeoutError(f"node{node} not back as secondary in {timeout} s: {pg_nodes()}")
        time.sleep(0.2)


def kill_pg_node(node: int) -> list[int]:
    """SIGKILL node `node`'s pg_autoctl and everything under it (its postgres and that server's backends), at once,
    as a machine failure would; returns the pids killed. Nothing restarts it until `start_pg`."""
    root = int((Path(stack_env("$RUN")) / f"pg-node{node}.pid").read_text().split()[0])
    pids = [root, *_descendants(root)]
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return pids


def kill_kafka_node(node: int) -> int:
    """SIGKILL Kafka node `node` (1..3) of the three-broker cluster (deploy/kafka.sh); returns its pid."""
    pid = int((Path(stack_env("$RUN")) / f"kafka{node}.pid").read_text().split()[0])
    os.kill(pid, signal.SIGKILL)
    return pid


def start_kafka() -> None:
    """Start whichever Kafka node is not running (deploy/kafka.sh start); a killed broker catches up by itself."""
    subprocess.run(["bash", str(DEPLOY / "kafka.sh"), "start"], env=os.environ, check=True, capture_output=True,
                   text=True, timeout=300)


def start_pg() -> None:
    """Start whatever part of the formation is not running (deploy/postgres.sh start); a killed node rejoins."""
    pg_sh("start")


def pg_sh(command: str) -> str:
    """deploy/postgres.sh COMMAND (start, stop, status, wipe) for the stack of the environment; its output."""
    return subprocess.run(["bash", str(DEPLOY / "postgres.sh"), command], env=pg_env(), check=True,
                          capture_output=True, text=True, timeout=300).stdout


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # The command name, in parentheses, may hold spaces: the parent pid is the second field after it.
            child, parent = int(stat.parent.name), int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(child)
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found
