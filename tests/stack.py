"""The real services as child processes, each test world in its own databases and topics.

A `World` runs enrollment, subsidy and billing (uvicorn) against the PostgreSQL and Kafka that `deploy/`
started, with a unique namespace, so tests never see each other's data and can kill any service. With
`instances=N` (N >= 2) each service runs as N processes behind one HAProxy of the world's own (as
`TUOYU_INSTANCES=N` runs the stack), and the world's URLs are the proxy's.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Iterable

import httpx
import psycopg

from tuoyu.cli.client import Api, CliSettings
from tuoyu.haproxy import Proxied, config, server_states
from tuoyu.settings import postgres_dsn

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
SERVICES = ("enrollment", "subsidy", "billing")
HAPROXY = shutil.which("haproxy") or "/usr/sbin/haproxy"  # as deploy/env.sh finds it


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


def terminate(process: subprocess.Popen | None) -> None:
    """SIGTERM, and SIGKILL if the process has not ended 15 s later."""
    if process and process.poll() is None:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


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
        terminate(self.process)

    def restart(self) -> None:
        self.kill()
        self.start()

    def wait_exit(self, timeout: float = 60) -> int:
        """Wait for the process to die on its own (an injected fault); returns its exit code."""
        return self.process.wait(timeout)


class Proxy:
    """The world's HAProxy: each service's public port in front of its instances."""

    def __init__(self, proxied: list[Proxied], tmp: Path, stats_socket: Path):
        self.proxied, self.config, self.log = proxied, tmp / "haproxy.cfg", tmp / "haproxy.log"
        self.stats_socket = stats_socket  # a short path: a unix socket's may not exceed 107 bytes
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 30) -> None:
        self.config.write_text(config(self.proxied, stats_socket=str(self.stats_socket)))
        with open(self.log, "ab") as log:  # -db: in the foreground, logging to stdout (the log file)
            self.process = subprocess.Popen([HAPROXY, "-db", "-f", str(self.config)], stdout=log,
                                            stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        for service in self.proxied:
            while not accepts(service.port):
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"haproxy did not listen on {service.port}; log:\n{self.log.read_text()}")
                time.sleep(0.1)

    def states(self) -> dict[str, str]:
        """Each instance's state as the proxy sees it: `{"billing-1": "UP", ...}`."""
        return server_states(str(self.stats_socket))

    def wait_up(self, timeout: float = 30) -> None:
        """Wait until the proxy sends to every instance (its checks pass twice in a row after a start)."""
        deadline = time.monotonic() + timeout
        while set((states := self.states()).values()) != {"UP"}:
            if time.monotonic() > deadline:
                raise RuntimeError(f"instances not up in the proxy after {timeout}s: {states}")
            time.sleep(0.2)

    def stop(self) -> None:
        terminate(self.process)
        self.stats_socket.unlink(missing_ok=True)


def accepts(port: int) -> bool:
    """Something accepts TCP connections on 127.0.0.1:`port`."""
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


class World:
    """Three services in one namespace (databases `<ns>_<service>`, topics `<ns>.*`), each as `instances` processes
    (same databases, topics and consumer groups) behind the world's HAProxy when there are several."""

    def __init__(self, tmp: Path, instances: int = 1, **extra_env: str):
        self.namespace = f"t{uuid.uuid4().hex[:10]}"
        self.admin_key = f"adm_{secrets.token_hex(12)}"
        self.finance_key = f"fin_{secrets.token_hex(12)}"
        self.operator_key = f"opr_{secrets.token_hex(12)}"
        ports = {name: free_port() for name in SERVICES}  # what clients use: the proxy's, or the one instance's
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
        self._urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
        if instances == 1:
            self._instances = {name: [Service(name, ports[name], self.env, tmp / f"{name}.log")] for name in SERVICES}
            self.proxy = None
        else:
            self._instances = {name: [Service(name, free_port(), self.env, tmp / f"{name}-{i}.log")
                                      for i in range(1, instances + 1)] for name in SERVICES}
            proxied = [Proxied(name, ports[name], tuple(s.port for s in self._instances[name])) for name in SERVICES]
            self.proxy = Proxy(proxied, tmp, Path(tempfile.gettempdir()) / f"{self.namespace}-haproxy.sock")
        self.services = {name: group[0] for name, group in self._instances.items()}

    def __getitem__(self, name: str) -> Service:
        """The service's first instance (its only one unless the world has several)."""
        return self.services[name]

    def instances(self, name: str) -> list[Service]:
        return self._instances[name]

    def url(self, name: str) -> str:
        """The address clients use: the proxy's when the service runs as several instances."""
        return self._urls[name]

    def start(self, faults: dict[str, dict[str, str]] | None = None) -> "World":
        """Start all three (every instance); `faults` maps a service to the fault points set for this first start
        of each of its instances."""
        faults = faults or {}
        if self.proxy is not None:
            self.proxy.start()
        for name in ("subsidy", "enrollment", "billing"):
            for service in self._instances[name]:
                service.start(wait=False, **faults.get(name, {}))
        for group in self._instances.values():
            for service in group:
                service.wait_ready()
        if self.proxy is not None:
            self.proxy.wait_up()
        return self

    def api(self) -> Api:
        settings = CliSettings(
            _env_file=None, admin_key=self.admin_key, finance_key=self.finance_key,
            operator_key=self.operator_key, hash_pepper="unused",
            enrollment_url=self.url("enrollment"), subsidy_url=self.url("subsidy"), billing_url=self.url("billing"))
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
        for group in self._instances.values():
            for service in group:
                service.stop()
        if self.proxy is not None:
            self.proxy.stop()
        drop_databases(f"{self.namespace}_{name}" for name in SERVICES)
