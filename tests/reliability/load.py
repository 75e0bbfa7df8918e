"""The load both reliability tests put on a world: a generated world of about 20,000 events, loaded and billed
through the CLI until one whole pass succeeds, and what is checked after it."""

from __future__ import annotations

import time

from tests.e2e.expected import comparable
from tests.stack import World

CHILDREN = 7_500  # about 20,000 events: facilities, families, children, enrollments, late changes
MONTHS = ("2022-09", "2022-10")


def load_until_done(world: World, scenario: str, deadline: float) -> int:
    """Load (and bill) the scenario again and again until one whole pass succeeds; every step is idempotent."""
    attempts = 0
    while True:
        attempts += 1
        result = world.cli("scenario", "load", "--bulk", scenario, check=False)
        if result.returncode == 0:
            return attempts
        if time.monotonic() > deadline:
            raise AssertionError(f"the load never completed; last error: {result.stderr[-2000:]}")
        time.sleep(1)


def reports(world: World, months: tuple[str, ...] = MONTHS, jurisdictions: tuple[str, ...] = ()) -> dict:
    """Each month's report without document numbers, platform-wide and (keys "month/code") per jurisdiction."""
    api = world.api()
    out = {}
    for month in months:
        out[month] = comparable(api.call(api.billing, "GET", f"/reports/{month}").json())
        for code in jurisdictions:
            out[f"{month}/{code}"] = comparable(
                api.call(api.billing, "GET", f"/reports/{month}", params={"jurisdiction": code}).json())
    return out


def applied_once(world: World) -> tuple[int, int]:
    """(events recorded by enrollment, events applied by subsidy): equal when every event was applied once."""
    recorded = world.query("enrollment", "SELECT count(*) FROM outbox")[0][0]
    applied = world.query("subsidy", "SELECT count(*) FROM processed_events")[0][0]
    return recorded, applied


def applied_by(world: World, service: str, expected: int, timeout: float = 120) -> int:
    """Events `service` has applied, once it has `expected` or `timeout` seconds have passed. Billing's consumer has
    no barrier before a cycle (the cycle waits for subsidy's), so it may still be applying when the load ends."""
    deadline = time.monotonic() + timeout
    while True:
        applied = world.query(service, "SELECT count(*) FROM processed_events")[0][0]
        if applied >= expected or time.monotonic() > deadline:
            return applied
        time.sleep(0.5)


def documents_issued_twice(world: World) -> int:
    """Family documents issued more than once for one (cycle month, service month, facility, enrollment)."""
    total, distinct = world.query("billing", "SELECT count(*), count(DISTINCT (cycle_month, service_month, facility, "
                                             "enrollment)) FROM family_documents")[0]
    return total - distinct
