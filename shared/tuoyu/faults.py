"""Fault injection for the crash tests: a process kills itself (SIGKILL) at a named point.

Set `TUOYU_FAULT_<POINT>=<n>` to die the n-th time the point is reached; unset, the check costs one dict lookup.
Points: KILL_BEFORE_COMMIT (consumer: effects applied, transaction not committed),
        KILL_BEFORE_CYCLE_COMMIT (billing: every document of a cycle written, not committed),
        KILL_AFTER_PUBLISH (outbox relay: events on the broker, rows not yet marked sent).
"""

from __future__ import annotations

import os
import signal

_counts: dict[str, int] = {}


def point(name: str) -> None:
    target = os.environ.get(f"TUOYU_FAULT_{name}")
    if not target:
        return
    _counts[name] = _counts.get(name, 0) + 1
    if _counts[name] >= int(target):
        os.kill(os.getpid(), signal.SIGKILL)
