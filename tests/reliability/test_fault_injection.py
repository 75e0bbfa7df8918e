"""Under SIGKILLs of every service, a broker restart and a database restart, a 20,000-event load and its cycles
end with the same reports, to the fen, as a fault-free run: no document missing, none duplicated (issue 7)."""

from __future__ import annotations

import time

import pytest
import yaml

from bench.world import generate
from tests.e2e.expected import comparable
from tests.reliability.chaos import Chaos
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


def reports(world: World) -> dict:
    api = world.api()
    return {m: comparable(api.call(api.billing, "GET", f"/reports/{m}").json()) for m in MONTHS}


@pytest.fixture(scope="module")
def scenario(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("chaos") / "world.yaml"
    path.write_text(yaml.safe_dump(generate(CHILDREN, seed=11), allow_unicode=True), encoding="utf-8")
    return str(path)


@pytest.fixture(scope="module")
def fault_free(infra, tmp_path_factory, scenario) -> dict:
    world = World(tmp_path_factory.mktemp("fault-free")).start()
    try:
        load_until_done(world, scenario, time.monotonic() + 300)
        return reports(world)
    finally:
        world.close()


def test_a_load_and_its_cycles_survive_kills_and_restarts_with_identical_reports(world_factory, scenario,
                                                                                   fault_free):
    # The first cycle dies with all its documents written but not committed.
    world = world_factory(faults={"billing": {"TUOYU_FAULT_KILL_BEFORE_CYCLE_COMMIT": "1"}})
    chaos = Chaos(world, kills=10, seed=5)
    chaos.start()
    load_until_done(world, scenario, time.monotonic() + 600)
    chaos.join(600)
    assert chaos.error is None, chaos.error
    assert len([d for d in chaos.done if d.startswith("kill")]) >= 10
    assert {"restart kafka", "restart postgres"} <= set(chaos.done)
    load_until_done(world, scenario, time.monotonic() + 300)  # after the last fault: a clean pass changes nothing

    assert reports(world) == fault_free
    recorded = world.query("enrollment", "SELECT count(*) FROM outbox")[0][0]
    applied = world.query("subsidy", "SELECT count(*) FROM processed_events")[0][0]
    assert applied == recorded >= 20_000
    documents = world.query("billing", "SELECT count(*), count(DISTINCT (cycle_month, service_month, facility, "
                                       "enrollment)) FROM family_documents")[0]
    assert documents[0] == documents[1], "a family document was issued twice"
