"""Kills for the two-instance test: each SIGKILLs one instance of a service at its moment, read from the world's
databases, and restarts it; what the databases said at the kill is kept, so the test can tell the moment was right."""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from typing import Callable

from tests.stack import Service, World

# The advisory locks whose holder the kills look for, as pg_locks shows them: billing.cycle.locks.JURISDICTION (a
# cycle holds it, pg_advisory_xact_lock(class, key), from its start to its commit) and tuoyu.outbox.RELAY_LOCK (the
# instance publishing the outbox holds it, pg_try_advisory_lock(key), for as long as it lives).
CYCLE_LOCK = "l.classid = 7531001 AND l.objsubid = 2"
RELAY_LOCK = "l.classid = 0 AND l.objid = 7531002 AND l.objsubid = 1"


@dataclass
class Kill:
    """What was killed, and the reading that chose the moment (an event count, or the cycle's database session)."""

    service: str
    instance: int
    reading: int


def local_ports(pid: int) -> set[int]:
    """The local TCP ports of the process's sockets (its connections to PostgreSQL among them), from /proc."""
    inodes = set()
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except FileNotFoundError:  # the process has just ended
        return set()
    for fd in fds:
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


def lock_holder(world: World, service: str, lock: str) -> tuple[int, int] | None:
    """(instance index, database session) of the instance of `service` holding the advisory `lock` now; None when
    none does. The session's client port is one of the instance's own sockets."""
    sessions = world.query(service, "SELECT l.pid, a.client_port FROM pg_locks l "
                                    "JOIN pg_database d ON d.oid = l.database JOIN pg_stat_activity a ON a.pid = l.pid "
                                    "WHERE d.datname = current_database() AND l.locktype = 'advisory' AND l.granted "
                                    f"AND {lock}")
    for session, port in sessions:
        for index, instance in enumerate(world.instances(service)):
            if instance.process.poll() is None and port in local_ports(instance.process.pid):
                return index, session
    return None


class Killer(threading.Thread):
    """Waits for `moment` to give a reading (None: not yet), then SIGKILLs that instance and starts it again; with
    `taken_over`, only once that says another instance has taken over the killed one's work (given its index)."""

    def __init__(self, world: World, service: str, moment: Callable[[], tuple[int, int] | None], timeout: float,
                 taken_over: Callable[[int], bool] | None = None):
        super().__init__(daemon=True, name=f"kill {service}")
        self.world, self.service, self.moment, self.timeout = world, service, moment, timeout
        self.taken_over = taken_over
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
            deadline = time.monotonic() + 90
            while self.taken_over is not None and not self.taken_over(index):
                if time.monotonic() > deadline:
                    raise AssertionError(f"{self.service}: no other instance took over in 90 s")
                time.sleep(0.05)
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


def relaying_once_recorded(world: World, low: int) -> Callable[[], tuple[int, int] | None]:
    """The moment enrollment has recorded at least `low` events (the load has begun, more is coming): the instance
    publishing the outbox, and the events recorded so far."""
    def moment():
        recorded = world.query("enrollment", "SELECT count(*) FROM outbox")[0][0]
        relay = lock_holder(world, "enrollment", RELAY_LOCK) if recorded >= low else None
        return (relay[0], recorded) if relay else None
    return moment


def relay_taken_over(world: World) -> Callable[[int], bool]:
    """Another enrollment instance than the killed one now holds the outbox relay's lock."""
    def taken_over(killed: int) -> bool:
        holder = lock_holder(world, "enrollment", RELAY_LOCK)
        return holder is not None and holder[0] != killed
    return taken_over


def consumer_taken_over(world: World, service: str) -> Callable[[int], bool]:
    """Every event enrollment had recorded when the instance of `service` was killed is applied, while it is still
    dead: the survivor holds the dead one's partitions too (after the group's session timeout)."""
    recorded_at_kill: list[int] = []

    def taken_over(killed: int) -> bool:
        if not recorded_at_kill:  # the first call comes right after the kill
            recorded_at_kill.append(world.query("enrollment", "SELECT count(*) FROM outbox")[0][0])
        return world.query(service, "SELECT count(*) FROM processed_events")[0][0] >= recorded_at_kill[0]
    return taken_over
