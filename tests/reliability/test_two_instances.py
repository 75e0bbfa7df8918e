"""Two instances of each service behind HAProxy: one of each SIGKILLed while the world loads, and the billing
instance running a cycle SIGKILLed mid-cycle, each restarted; the reports equal, to the fen, a single-instance
fault-free run's, every event is applied once, no document is issued twice (issue 14)."""

from __future__ import annotations

import time

from tests.reliability.instances import Killer, counts_between, cycle_runner, recorded_at_least
from tests.reliability.load import applied_once, documents_issued_twice, load_until_done, reports
from tests.stack import World


def test_two_instances_of_each_service_lose_nothing_when_one_of_each_dies_mid_load_and_one_mid_cycle(
        infra, tmp_path, scenario, fault_free):
    world = World(tmp_path, instances=2).start()
    try:
        mid_load = [Killer(world, "enrollment", recorded_at_least(world, 1, index=0), timeout=300),
                    Killer(world, "subsidy", counts_between(world, "subsidy", 1000, index=1), timeout=300),
                    Killer(world, "billing", counts_between(world, "billing", 1000, index=1), timeout=300)]
        mid_cycle = Killer(world, "billing", lambda: cycle_runner(world), timeout=600)
        for killer in (*mid_load, mid_cycle):
            killer.start()
        load_until_done(world, scenario, time.monotonic() + 900)
        for killer in (*mid_load, mid_cycle):
            killer.join(60)
        for instance in (i for name in ("enrollment", "subsidy", "billing") for i in world.instances(name)):
            instance.wait_ready()
        world.proxy.wait_up()

        for killer in (*mid_load, mid_cycle):
            assert killer.error is None, f"{killer.name}: {killer.error!r}"
            assert killer.kill is not None, f"{killer.name}: never killed"
        recorded, applied = applied_once(world)
        # Mid-load: each kill came while events were still being recorded or applied, not after the load.
        assert mid_load[0].kill.reading < recorded, "enrollment was killed after the load had recorded everything"
        assert mid_load[1].kill.reading < recorded, "subsidy was killed after it had applied everything"
        assert mid_load[2].kill.reading < recorded, "billing was killed after it had applied everything"
        # Mid-cycle: the killed instance's own database session held a jurisdiction's cycle lock; it is gone.
        held = world.query("billing", f"SELECT count(*) FROM pg_stat_activity WHERE pid = {mid_cycle.kill.reading}")
        assert held[0][0] == 0, "the killed instance's cycle session outlived it"

        assert reports(world) == fault_free
        assert applied == recorded >= 20_000
        billed_from = world.query("billing", "SELECT count(*) FROM processed_events")[0][0]
        assert billed_from == recorded, "billing applied an event twice or missed one"
        assert documents_issued_twice(world) == 0, "a family document was issued twice"
    finally:
        world.close()
