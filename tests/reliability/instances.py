"""Kills for the two-instance test: each SIGKILLs one instance of a service at its moment, read from the world's
databases, and restarts it; what the databases said at the kill is kept, so the test can tell the moment was right."""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from typing import Callable

from tests.stack import Service, World

# billing.cycle.locks.JURISDICTION: a cycle holds it (pg_advisory_xact_lock(class, key)) from start to commit.
CYCLE_LOCK_HOLDERS = ("SELECT l.pid FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
                      "WHERE d.datname = current_database() AND l.locktype = 'advisory' AND l.classid = 7531001 "
                      "AND l.objsubid = 2 AND l.granted")


@dataclass
class Kill:
    """What was killed, and the reading that chose the moment (an event count, or the cycle's database session)."""

    service: str
    instance: int
    reading: int


def local_ports(pid: int) -> set[int]:
    """The local TCP ports of the process's sockets (its connections to PostgreSQL among them), from /proc."""
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except FileNotFoundError:  # closed meanwhile
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as rows:
            for row in list(rows)[1:]:
                fields = row.split()
                if fields[9] in inodes:
                    ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


def cycle_runner(world: World) -> tuple[int, int] | None:
    """(instance index, database session) of the billing instance running a cycle now; None when none is."""
    for (session,) in world.query("billing", CYCLE_LOCK_HOLDERS):
        port = world.query("billing", f"SELECT client_port FROM pg_stat_activity WHERE pid = {session}")
        for index, service in enumerate(world.instances("billing")):
            if port and service.process.poll() is None and port[0][0] in local_ports(service.process.pid):
                return index, session
    return None


class Killer(threading.Thread):
    """Waits for `moment` to give a reading (None: not yet), then SIGKILLs that instance and starts it again."""

    def __init__(self, world: World, service: str, moment: Callable[[], tuple[int, int] | None], timeout: float):
        super().__init__(daemon=True, name=f"kill {service}")
        self.world, self.service, self.moment, self.timeout = world, service, moment, timeout
        self.kill: Kill | None = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            deadline = time.monotonic() + self.timeout
            while (found := self.moment()) is None:
                if time.monotonic() > deadline:
                    raise AssertionError(f"{self.service}: the moment to kill never came in {self.timeout}s")
                time.sleep(0.05)
            index, reading = found
            target: Service = self.world.instances(self.service)[index]
            target.kill()
            self.kill = Kill(self.service, index, reading)
            target.start(wait=False)
            target.wait_ready()
        except BaseException as exc:  # reported by the test thread
            self.error = exc


def counts_between(world: World, service: str, low: int, index: int) -> Callable[[], tuple[int, int] | None]:
    """The moment `service` has applied at least `low` events but not yet every one recorded: mid-stream."""
    def moment():
        applied = world.query(service, "SELECT count(*) FROM processed_events")[0][0]
        recorded = world.query("enrollment", "SELECT count(*) FROM outbox")[0][0]
        return (index, applied) if low <= applied < recorded else None
    return moment


def recorded_at_least(world: World, low: int, index: int) -> Callable[[], tuple[int, int] | None]:
    """The moment enrollment has recorded at least `low` events (the load has begun, more is coming)."""
    def moment():
        recorded = world.query("enrollment", "SELECT count(*) FROM outbox")[0][0]
        return (index, recorded) if recorded >= low else None
    return moment
