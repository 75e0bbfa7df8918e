"""HAProxy's configuration for several instances of each service: one frontend per service on its public port.

Clients, the CLI and the services themselves keep one address per service (`TUOYU_<S>_URL`); HAProxy spreads the
requests over the instances that answer `GET /ready`. A killed instance fails its checks within about a second, and
until then a request it cannot take (connection refused, connection closed without an answer, no answer in time) is
sent again to another instance (`retry-on`, `option redispatch`). A request an instance was already working on when
it died may still fail: clients retry idempotent work. Timeouts are generous because a cycle or a roster import is
one request that can take minutes. HAProxy (Debian's 2.6) writes no file itself: it logs to stdout, and the scripts
send its stdout to the log file.

Used by deploy/services.sh (through `python -m tuoyu.haproxy config|states`) and by tests/stack.py.
"""

from __future__ import annotations

import argparse
import csv
import socket
from dataclasses import dataclass
from typing import Sequence

# Health checks: every second; down after two failures, up again after two successes.
CHECK = "check inter 1s fastinter 500ms downinter 1s fall 2 rise 2"
# The longest request served: a cycle of a large jurisdiction, or a whole province's roster import.
LONGEST_REQUEST = "30m"


@dataclass(frozen=True)
class Proxied:
    """A service behind the proxy: `port` is its public port, `instances` the ports of its processes."""

    name: str
    port: int
    instances: tuple[int, ...]


def config(services: Sequence[Proxied], *, stats_socket: str | None = None, host: str = "127.0.0.1",
           max_connections: int = 4000) -> str:
    """The whole configuration file for `services`, every address on `host` (loopback by default); with
    `stats_socket`, a unix socket there answers `server_states`."""
    if not services:
        raise ValueError("give at least one service to proxy")
    for service in services:
        if not service.instances:
            raise ValueError(f"{service.name}: give at least one instance port")
    lines = [
        "global",
        f"    maxconn {max_connections}",
        "    log stdout format raw local0 info",
        *([f"    stats socket {stats_socket} mode 600 level user"] if stats_socket else []),
        "",
        "defaults",
        "    mode http",
        "    log global",
        "    option httplog",
        "    option dontlognull",
        # leastconn: a minutes-long cycle or import occupies one instance; new requests go to the other.
        "    balance leastconn",
        "    retries 3",
        "    option redispatch 1",
        "    retry-on conn-failure empty-response response-timeout",
        "    timeout connect 2s",
        "    timeout check 2s",
        "    timeout queue 30s",
        "    timeout http-request 60s",
        "    timeout http-keep-alive 10s",
        f"    timeout client {LONGEST_REQUEST}",
        f"    timeout server {LONGEST_REQUEST}",
        "    option httpchk",
        "    http-check send meth GET uri /ready",
        "    http-check expect status 200",
    ]
    for service in services:
        lines += [
            "",
            f"frontend {service.name}",
            f"    bind {host}:{service.port}",
            f"    default_backend {service.name}_instances",
            "",
            f"backend {service.name}_instances",
            *(f"    server {service.name}-{i} {host}:{port} {CHECK}"
              for i, port in enumerate(service.instances, start=1)),
        ]
    return "\n".join(lines) + "\n"


def server_states(stats_socket: str, timeout: float = 2) -> dict[str, str]:
    """Each instance's state as the proxy sees it (`{"billing-1": "UP", "billing-2": "DOWN"}`), read from the
    stats socket (`show stat`: CSV, the server's name in `svname`, its state in `status`).

    Between two states HAProxy counts checks: "UP(1/2)" is still sent to, one check of two having failed; "DOWN(1/2)"
    is not yet, one check of two having passed. "UNCHECKED": not checked yet since the proxy started (HAProxy then
    says UP, and sends to it)."""
    with socket.socket(socket.AF_UNIX) as conn:
        conn.settimeout(timeout)
        conn.connect(stats_socket)
        conn.sendall(b"show stat\n")
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    rows = csv.DictReader(answer.decode().lstrip("# ").splitlines())
    return {row["svname"]: "UNCHECKED" if row["check_status"] == "INI" else _one_word(row["status"])
            for row in rows if row["svname"] not in ("FRONTEND", "BACKEND")}


def _one_word(status: str) -> str:
    """ "UP 1/2" → "UP(1/2)": one word, for the shell to split on spaces."""
    state, _, count = status.partition(" ")
    return f"{state}({count})" if count else state


def _proxied(text: str) -> Proxied:
    """`NAME=PORT:PORT1,PORT2`: the service, its public port, its instances' ports."""
    try:
        name, ports = text.split("=", 1)
        public, instances = ports.split(":", 1)
        return Proxied(name, int(public), tuple(int(p) for p in instances.split(",")))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: write NAME=PORT:PORT1,PORT2 (enrollment=8101:8201,8301)")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tuoyu.haproxy", description="HAProxy for the services.")
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("config", help="print the configuration for the services given")
    make.add_argument("--stats-socket", help="where the proxy answers `states`")
    make.add_argument("services", nargs="+", type=_proxied, metavar="NAME=PORT:PORT1,PORT2")
    states = commands.add_parser("states", help="print each instance's state as the running proxy sees it")
    states.add_argument("stats_socket")
    args = parser.parse_args(argv)
    if args.command == "config":
        print(config(args.services, stats_socket=args.stats_socket), end="")
    else:
        for server, state in server_states(args.stats_socket).items():
            print(server, state)


if __name__ == "__main__":
    main()
