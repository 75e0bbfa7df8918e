"""The services a scenario load talks to, faked behind httpx.MockTransport: they answer what a plan asks and
record every request, so the plan's tests read what the loader sent."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from tuoyu.cli.client import Api, CliSettings
from tuoyu.cli.scenario import steps

PUTUO = {"id": "zhoushan-putuo-2022", "fund": {"id": "putuo-childcare-fund"}, "jurisdictions": ["330903"]}


class Services:
    """The three services and the operator's desk, answering what a scenario's first steps ask."""

    def __init__(self, shipped: dict | None = None, on_platform: list[str] = (), cycles: list[dict] | None = None):
        self.shipped = shipped or PUTUO
        self.on_platform = list(on_platform)
        self.cycles = cycles  # each jurisdiction's cycle in the answer of POST /cycles/{month}
        self.requests: list[tuple[str, str, str, object]] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.headers.get("content-type") == "application/json" else (
            request.content.decode() or None)
        self.requests.append((request.url.host, request.method, request.url.path, body))
        if request.url.path.startswith("/rulesets/shipped/"):
            return httpx.Response(201, json={**self.shipped, "id": request.url.path.rsplit("/", 1)[1]})
        if request.url.path == "/rulesets":
            fund = "dinghai-childcare-fund" if "dinghai" in body else "other-fund"
            return httpx.Response(201, json={"id": "doc", "fund": {"id": fund}, "jurisdictions": ["330902"]})
        if request.method == "GET" and request.url.path == "/jurisdictions":
            return httpx.Response(200, json=[{"code": c} for c in self.on_platform])
        if request.url.path == "/outbox":  # a timeline's `bill` waits for the enrollment service's events
            return httpx.Response(200, json={"pending": 0})
        if request.url.path.startswith("/cycles/"):
            month = request.url.path.rsplit("/", 1)[1]
            return httpx.Response(200, json={"month": month, "issued": True, **(
                {"cycles": self.cycles} if self.cycles is not None else {})})
        return httpx.Response(201, json={})

    def api(self) -> Api:
        api = Api(CliSettings(_env_file=None, admin_key="a", finance_key="f", operator_key="o", hash_pepper="p"))
        for name in ("enrollment", "subsidy", "billing", "operator"):
            setattr(api, name, httpx.Client(base_url=f"http://{name}", transport=httpx.MockTransport(self.handle)))
        return api

    def run(self, scenario: dict, base: Path = Path(".")) -> None:
        for _, action in steps(self.api(), scenario, base=base):
            action()

    def sent(self, host: str, method: str = "POST", path: str | None = None) -> list:
        return [body for h, m, p, body in self.requests if (h, m) == (host, method) and path in (None, p)]
