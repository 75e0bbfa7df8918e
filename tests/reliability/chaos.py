"""Chaos for the fault-injection tests: SIGKILL services at random moments, restart Kafka and PostgreSQL."""

from __future__ import annotations

import random
import subprocess
import threading
import time

from tests.stack import ROOT, World


def restart_infra(component: str) -> None:
    """Stop and start the broker or the database with the project's own scripts (as an operator would)."""
    script = ROOT / "deploy" / f"{component}.sh"
    subprocess.run(["bash", str(script), "stop"], check=True, capture_output=True, timeout=120)
    subprocess.run(["bash", str(script), "start"], check=True, capture_output=True, timeout=300)


class Chaos(threading.Thread):
    """Kills a random service every few seconds; once each, restarts Kafka and PostgreSQL instead."""

    def __init__(self, world: World, *, kills: int, seed: int, infra: bool = True):
        super().__init__(daemon=True)
        self.world = world
        self.rng = random.Random(seed)
        self.plan = ["service"] * kills + (["kafka", "postgres"] if infra else [])
        self.rng.shuffle(self.plan)
        self.done: list[str] = []
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            for action in self.plan:
                time.sleep(self.rng.uniform(1.0, 3.0))
                if action == "service":
                    name = self.rng.choice(["enrollment", "subsidy", "billing"])
                    self.world[name].kill()
                    self.world[name].start(wait=False)
                    self.done.append(f"kill {name}")
                else:
                    restart_infra(action)
                    self.done.append(f"restart {action}")
            for service in self.world.services.values():
                if service.process.poll() is not None:  # died on its own (a fault point): bring it back
                    service.start(wait=False)
                service.wait_ready()
        except BaseException as exc:  # reported by the test thread
            self.error = exc
