"""The real services as child processes, each test world in its own databases and topics.

A `World` runs enrollment, subsidy and billing (uvicorn) against the PostgreSQL and Kafka that `deploy/`
started, with a unique namespace, so tests never see each other's data and can kill any service.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Iterable

import httpx
import psycopg

from tuoyu.cli.client import Api, CliSettings
from tuoyu.settings import postgres_dsn

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
SERVICES = ("enrollment", "subsidy", "billing")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pg_admin_dsn(database: str = "postgres") -> str:
    """The stack's PostgreSQL as the tuoyu role: every data node when there are several (deploy/env.sh)."""
    default = f"{os.environ.get('TUOYU_PG_HOST', '127.0.0.1')}:{os.environ.get('TUOYU_PG_PORT', '55432')}"
    return postgres_dsn(os.environ.get("TUOYU_PG_HOSTS") or default, "tuoyu", "tuoyu", database)


def drop_databases(names: Iterable[str], attempts: int = 30) -> None:
    """Drop databases, waiting out an autovacuum worker in one: it runs as a superuser, which even `WITH (FORCE)`
    cannot disconnect for our role."""
    with psycopg.connect(pg_admin_dsn(), autocommit=True) as conn:
        for name in names:
            for _ in range(attempts):
                try:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                    break
                except (psycopg.errors.ObjectInUse, psycopg.errors.InsufficientPrivilege):
                    time.sleep(1)
            else:
                print(f"could not drop database {name}: drop it by hand", file=sys.stderr)


class Service:
    def __init__(self, name: str, port: int, env: dict, log: Path):
        self.name, self.port, self.env, self.log = name, port, env, log
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, wait: bool = True, **extra_env: str) -> None:
        """Start the process; `extra_env` (fault points, say) applies to this start only."""
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [str(VENV_BIN / "uvicorn"), f"{self.name}.app:create_app", "--factory", "--host", "127.0.0.1",
                 "--port", str(self.port)], env={**self.env, **extra_env}, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
        if wait:
            self.wait_ready()

    def wait_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited ({self.process.returncode}); log:\n{self.log.read_text()[-3000:]}")
            try:
                if httpx.get(f"{self.url}/ready", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} not ready in {timeout}s; log:\n{self.log.read_text()[-3000:]}")

    def kill(self) -> None:
        """SIGKILL: no shutdown hook runs, nothing uncommitted survives."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()

    def restart(self) -> None:
        self.kill()
        self.start()

    def wait_exit(self, timeout: float = 60) -> int:
        """Wait for the process to die on its own (an injected fault); returns its exit code."""
        return self.process.wait(timeout)


class World:
    """Three services in one namespace (databases `<ns>_<service>`, topics `<ns>.*`)."""

    def __init__(self, tmp: Path, **extra_env: str):
        self.namespace = f"t{uuid.uuid4().hex[:10]}"
        self.admin_key = f"adm_{secrets.token_hex(12)}"
        self.finance_key = f"fin_{secrets.token_hex(12)}"
        self.operator_key = f"opr_{secrets.token_hex(12)}"
        ports = {name: free_port() for name in SERVICES}
        self.env = {
            **os.environ,
            "TUOYU_TOPIC_PREFIX": self.namespace,
            "TUOYU_ADMIN_KEY": self.admin_key,
            "TUOYU_FINANCE_KEY": self.finance_key,
            "TUOYU_OPERATOR_KEY": self.operator_key,
            "TUOYU_HASH_PEPPER": secrets.token_hex(16),
            **{f"TUOYU_{name.upper()}_DATABASE": f"{self.namespace}_{name}" for name in SERVICES},
            **{f"TUOYU_{name.upper()}_URL": f"http://127.0.0.1:{port}" for name, port in ports.items()},
            **extra_env,
        }
        self.services = {name: Service(name, ports[name], self.env, tmp / f"{name}.log") for name in SERVICES}

    def __getitem__(self, name: str) -> Service:
        return self.services[name]

    def start(self, faults: dict[str, dict[str, str]] | None = None) -> "World":
        """Start all three; `faults` maps a service to the fault points set for this first start."""
        faults = faults or {}
        for name in ("subsidy", "enrollment", "billing"):
            self.services[name].start(wait=False, **faults.get(name, {}))
        for service in self.services.values():
            service.wait_ready()
        return self

    def api(self) -> Api:
        settings = CliSettings(
            _env_file=None, admin_key=self.admin_key, finance_key=self.finance_key,
            operator_key=self.operator_key, hash_pepper="unused",
            enrollment_url=self["enrollment"].url, subsidy_url=self["subsidy"].url, billing_url=self["billing"].url)
        return Api(settings, timeout=300)

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run([str(VENV_BIN / "tuoyu"), *args], env=self.env, cwd=ROOT, capture_output=True,
                                text=True, timeout=600)
        if check and result.returncode != 0:
            raise AssertionError(f"tuoyu {' '.join(args)} failed ({result.returncode}): {result.stderr}")
        return result

    def query(self, service: str, sql: str):
        """Read a service's own database (tests check what was stored)."""
        dsn = pg_admin_dsn(f"{self.namespace}_{service}")
        with psycopg.connect(dsn) as conn:
            return conn.execute(sql).fetchall()

    def close(self) -> None:
        for service in self.services.values():
            service.stop()
        drop_databases(f"{self.namespace}_{name}" for name in SERVICES)
