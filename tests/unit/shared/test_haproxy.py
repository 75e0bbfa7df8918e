"""HAProxy's configuration: one frontend per service on its public port, its instances behind it, checked by
`GET /ready`, requests an instance cannot take sent to another."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time

import pytest

from tests.stack import free_port
from tuoyu.haproxy import Proxied, config, server_states

HAPROXY = shutil.which("haproxy", path="/usr/sbin:/usr/bin")
needs_haproxy = pytest.mark.skipif(HAPROXY is None, reason="haproxy is not installed")

SERVICES = [Proxied("enrollment", 8101, (8201, 8301)), Proxied("billing", 8103, (8203, 8303))]


def section(text: str, header: str) -> list[str]:
    """The lines of one section (`frontend billing`), without the header."""
    lines = text.splitlines()
    start = lines.index(header) + 1
    end = next((i for i in range(start, len(lines)) if lines[i] and not lines[i].startswith(" ")), len(lines))
    return [line.strip() for line in lines[start:end] if line.strip()]


def test_each_service_listens_on_its_public_port_and_sends_to_its_own_instances():
    text = config(SERVICES)
    assert section(text, "frontend billing") == ["bind 127.0.0.1:8103", "default_backend billing_instances"]
    servers = [line.split()[1:3] for line in section(text, "backend billing_instances")]
    assert servers == [["billing-1", "127.0.0.1:8203"], ["billing-2", "127.0.0.1:8303"]]
    assert "127.0.0.1:8201" not in "\n".join(section(text, "backend billing_instances"))


def test_every_instance_is_health_checked_on_ready_and_taken_out_quickly():
    text = config(SERVICES)
    defaults = section(text, "defaults")
    assert "http-check send meth GET uri /ready" in defaults
    for line in section(text, "backend enrollment_instances"):
        words = line.split()
        assert "check" in words
        assert words[words.index("fall") + 1] == "2" and words[words.index("inter") + 1] == "1s"


def test_a_request_an_instance_cannot_take_is_retried_on_another():
    defaults = section(config(SERVICES), "defaults")
    assert "retry-on conn-failure empty-response response-timeout" in defaults
    assert "option redispatch 1" in defaults
    assert "retries 3" in defaults


def test_a_minutes_long_cycle_is_not_cut_off_by_the_proxy():
    defaults = section(config(SERVICES), "defaults")
    assert "timeout server 30m" in defaults and "timeout client 30m" in defaults


def test_a_service_without_instances_is_refused():
    with pytest.raises(ValueError, match="subsidy"):
        config([Proxied("subsidy", 8102, ())])


def test_the_shell_gets_the_same_configuration_from_the_command_line():
    result = subprocess.run([sys.executable, "-m", "tuoyu.haproxy", "config", "enrollment=8101:8201,8301",
                             "billing=8103:8203,8303"], capture_output=True, text=True, check=True)
    assert result.stdout == config(SERVICES)


def test_a_malformed_service_on_the_command_line_says_what_to_write():
    result = subprocess.run([sys.executable, "-m", "tuoyu.haproxy", "config", "enrollment:8101"], capture_output=True,
                            text=True)
    assert result.returncode != 0 and "NAME=PORT:PORT1,PORT2" in result.stderr


@needs_haproxy
def test_haproxy_itself_accepts_the_configuration(tmp_path):
    path = tmp_path / "haproxy.cfg"
    path.write_text(config(SERVICES, stats_socket=str(tmp_path / "stats.sock")))
    result = subprocess.run([HAPROXY, "-c", "-f", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@needs_haproxy
def test_the_stats_socket_tells_which_instances_the_proxy_sends_to(tmp_path):
    path, sock = tmp_path / "haproxy.cfg", tmp_path / "stats.sock"
    path.write_text(config([Proxied("subsidy", free_port(), (free_port(), free_port()))], stats_socket=str(sock)))
    proxy = subprocess.Popen([HAPROXY, "-db", "-f", str(path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while True:
            states = server_states(str(sock)) if sock.exists() else {}
            # HAProxy says UP of an instance it has not checked yet: read as UNCHECKED, never as UP.
            assert "UP" not in states.values(), "an instance never checked was reported up"
            if states and set(states.values()) == {"DOWN"}:
                break
            assert time.monotonic() < deadline, "the proxy never marked the absent instances down"
            time.sleep(0.05)
        assert set(states) == {"subsidy-1", "subsidy-2"}
    finally:
        proxy.terminate()
        proxy.wait(10)
