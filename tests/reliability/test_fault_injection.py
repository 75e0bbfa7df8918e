"""Under SIGKILLs of every service, a broker restart and a database restart, a 20,000-event load and its cycles
end with the same reports, to the fen, as a fault-free run: no document missing, none duplicated (issue 7)."""

from __future__ import annotations

import time

from tests.reliability.chaos import Chaos
from tests.reliability.load import applied_once, documents_issued_twice, load_until_done, reports


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
    recorded, applied = applied_once(world)
    assert applied == recorded >= 20_000
    assert documents_issued_twice(world) == 0, "a family document was issued twice"
