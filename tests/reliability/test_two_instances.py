"""Two instances of each service behind HAProxy: one of each SIGKILLed while the world loads (of enrollment, the one
publishing the outbox), and the billing instance running a cycle SIGKILLed mid-cycle, each restarted; the reports
equal, to the fen, a single-instance fault-free run's, every event is applied once, no document is issued twice
(issue 14)."""

from __future__ import annotations

import time

from tests.reliability.instances import (CYCLE_LOCK, Killer, consumer_taken_over, counts_between, lock_holder,
                                         relay_taken_over, relaying_once_recorded)
from tests.reliability.load import applied_by, applied_once, documents_issued_twice, load_until_done, reports
from tests.stack import World


def test_two_instances_of_each_service_lose_nothing_when_one_of_each_dies_mid_load_and_one_mid_cycle(
        infra, tmp_path, scenario, fault_free):
    world = World(tmp_path, instances=2)
    try:
        world.start()
        mid_load = [Killer(world, "enrollment", relaying_once_recorded(world, 1), timeout=300,
                           taken_over=relay_taken_over(world)),
                    Killer(world, "subsidy", counts_between(world, "subsidy", 1000, index=1), timeout=300,
                           taken_over=consumer_taken_over(world, "subsidy")),
                    Killer(world, "billing", counts_between(world, "billing", 1000, index=1), timeout=300,
                           taken_over=consumer_taken_over(world, "billing"))]
        mid_cycle = Killer(world, "billing", lambda: lock_holder(world, "billing", CYCLE_LOCK), timeout=600)
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
        # Mid-load: each kill came while events were still being recorded or applied, not after the load, and the
        # other instance took over before the killed one was started again: of enrollment, the instance killed was
        # the one publishing the outbox; of subsidy and billing, the survivor applied the dead one's partitions too.
        assert mid_load[0].kill.reading < recorded, "enrollment was killed after the load had recorded everything"
        assert world.query("enrollment", "SELECT count(*) FROM outbox WHERE sent_at IS NULL") == [(0,)]
        assert mid_load[1].kill.reading < recorded, "subsidy was killed after it had applied everything"
        assert mid_load[2].kill.reading < recorded, "billing was killed after it had applied everything"
        # Mid-cycle: the killed instance's own database session held a jurisdiction's cycle lock; it is gone.
        held = world.query("billing", f"SELECT count(*) FROM pg_stat_activity WHERE pid = {mid_cycle.kill.reading}")
        assert held[0][0] == 0, "the killed instance's cycle session outlived it"

        assert reports(world) == fault_free
        assert applied == recorded >= 20_000
        assert applied_by(world, "billing", recorded) == recorded, "billing applied an event twice or missed one"
        assert documents_issued_twice(world) == 0, "a family document was issued twice"
    finally:
        world.close()
