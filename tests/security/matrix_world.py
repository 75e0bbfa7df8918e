"""The world the access matrix asks about: the budget-runs-out scenario, its facility F1 as the target of every
request, and a facility in each of two of Zhoushan's districts (Putuo, Dinghai) with records of their own in the three
services, for the officials' keys scoped to them."""

from __future__ import annotations

import re
import time

import httpx

from subsidy.rules.catalog import shipped_text
from tests.integration.enrollment.conftest import TABLES as ENROLLMENT_TABLES
from tests.integration.enrollment.conftest import Desk, Facility, uid
from tests.security.access import ADMIN, PLACES, SCOPED_KEYS
from tests.stack import World
from tuoyu.jurisdictions import KNOWN

# The tables each service's API writes (not its Kafka consumer, which runs on its own time).
# A desk's sessions too: a refused sign-in opens none.
WRITTEN = {"enrollment": (*ENROLLMENT_TABLES, "desk_sessions"), "subsidy": ("rulesets",),
           "billing": ("cycles", "family_documents", "payouts", "payout_lines", "budgets", "audit_trail",
                       "family_tokens", "bank_confirmations", "desk_sessions")}
FUND, DINGHAI_FUND = "putuo-childcare-fund", "dinghai-childcare-fund"
# Dinghai's own rule set for the matrix: Putuo's rules, its fund with one yuan a year, so each payout waits for budget.
DINGHAI_RULES = (shipped_text("zhoushan-putuo-2022").replace("id: zhoushan-putuo-2022", "id: matrix-dinghai-2022")
                 .replace('["330903"]', '["330902"]').replace(f"id: {FUND}", f"id: {DINGHAI_FUND}")
                 .replace("普陀区婴幼儿照护服务补助资金", "定海区婴幼儿照护服务补助资金").replace('"700000.00"', '"1.00"'))


class Place:
    """A facility whose records a request names, with a family, a child and an enrollment of the test's own; `code`
    the jurisdiction it is in (None: none), `fund` the one its rule set pays from, `approved` a payout of its
    approved (set once billed)."""

    code: str | None = None
    fund = FUND
    rules = shipped_text("zhoushan-putuo-2022")
    approved: dict

    def __init__(self, world: World, desk: Desk, f: Facility):
        self.world, self.desk, self.f = world, desk, f
        self.desk_sessions: dict[tuple[str, str | None], dict | None] = {}  # the places share the target's
        self.family, self.child = self.desk.child(self.f)
        self.enrollment = self.desk.enroll(self.f, self.child)
        self.explained = self.enrollment
        self.token_family = self.family
        self.billing_admin = httpx.Client(base_url=world["billing"].url, headers=bearer(world.admin_key),
                                          timeout=300)
        self.finance = httpx.Client(base_url=world["billing"].url, headers=bearer(world.finance_key), timeout=300)

    def awaiting(self) -> str:
        """A payout of the place's jurisdiction that waits for budget (each over-budget approval takes one)."""
        waiting = self.finance.get("/payouts", params={"jurisdiction": self.code, "status": "awaiting_budget"}).json()
        return waiting[0]["number"] if waiting else self.approved["number"]

    def confirmation(self) -> bytes:
        """A bank confirmation the place's finance may import again and again: its approved payout failed."""
        return (f"reference,amount,paid_on,status,reason\n{self.approved['number']},{self.approved['total']},"
                f"2022-10-10,failed,账户冻结\n").encode()

    def propose_account(self) -> str:
        """The facility asks for a new bank account; returns it once billing holds it waiting for finance."""
        account = f"6222{time.time_ns() % 10**12:012d}"
        assert self.f.patch("", json={"bank_account": account}).status_code == 200
        deadline = time.monotonic() + 60
        while self.finance.get(f"/facilities/{self.f.external_id}/bank-account").json()["proposed"] != account:
            assert time.monotonic() < deadline, "billing never saw the facility's new account"
            time.sleep(0.1)
        return account

    def token(self) -> dict:
        made = self.billing_admin.post("/family-tokens", json={"facility": self.f.external_id,
                                                               "family": self.token_family})
        made.raise_for_status()
        return made.json()

    def new_class(self) -> str:
        """A class the facility opens itself, nobody has confirmed yet."""
        klass = uid("C")
        self.f.post("/classes", json={"external_id": klass, "opened_on": "2022-09-01", "capacity": 5}
                    ).raise_for_status()
        return klass

    def spare_key(self) -> int:
        return self.desk.admin.post(f"/facilities/{self.f.external_id}/keys", json={}).json()["key_id"]

    def spare_official_key(self) -> int:
        made = httpx.post(self.desk.url + "/official-keys", json={"role": "finance", "jurisdiction": "330903"},
                          headers=bearer(self.world.operator_key), timeout=300)
        made.raise_for_status()
        return made.json()["key_id"]

    def desk_session(self, service: str, key: str | None, fresh: bool = False) -> dict | None:
        """The session the key gets by signing in at the service's desk: `{"cookies": ..., "csrf": ...}`, or None when
        the desk refuses it (401). Kept for the next request with that key, unless `fresh` (signing out ends one)."""
        if fresh:
            return sign_in_at_desk(self.world[service].url, key)
        if (service, key) not in self.desk_sessions:
            self.desk_sessions[(service, key)] = sign_in_at_desk(self.world[service].url, key)
        return self.desk_sessions[(service, key)]

    def desk_get(self, service: str, key: str | None, **kwargs) -> dict:
        """httpx arguments of a desk page's request by the key's session (none: no cookie)."""
        session = self.desk_session(service, key)
        return {**kwargs, **({"cookies": session["cookies"]} if session else {})}

    def desk_form(self, service: str, key: str | None, fields: dict, files: dict | None = None,
                  fresh: bool = False) -> dict:
        """httpx arguments posting a desk's form by the key's session, with the session's CSRF token (none: no cookie
        and no token); `files` makes it multipart."""
        session = self.desk_session(service, key, fresh)
        if session is None:
            return {"data": fields, **({"files": files} if files else {})}
        return {"cookies": session["cookies"], "data": {**fields, "csrf": session["csrf"]},
                **({"files": files} if files else {})}

    def counts(self, service: str) -> dict:
        sql = " UNION ALL ".join(f"SELECT '{t}', count(*) FROM {t}" for t in WRITTEN[service])
        return dict(self.world.query(service, sql))


class Target(Place):
    """The budget-runs-out world (its facilities in Putuo), billed for September: F1 is the caller's own facility,
    F3 another one.

    F1 holds a family, a child and an enrollment of the test's own; its September payout is approved (so a bank
    confirmation has something to confirm), F2's waits for budget (so finance has something to approve over it).
    Zhoushan's districts hold a facility each (`places`), for the officials' keys scoped to them (`scoped_keys`):
    Dinghai under a rule set of its own, billed September to November, Putuo October and January with its fund
    spent, so that each district has payouts waiting for budget and one approved over it.
    """

    code = "330903"  # where the scenario's `ruleset: zhoushan-putuo-2022` puts its facilities

    def __init__(self, world: World):
        desk = Desk(world)
        admin = desk.admin
        own_key = admin.post("/facilities/F1/keys", json={"label": "matrix"}).json()["api_key"]
        other_key = admin.post("/facilities/F3/keys", json={"label": "matrix"}).json()["api_key"]
        super().__init__(world, desk, Facility("F1", own_key, desk.as_key(own_key)))
        self.explained, self.token_family = "E1", "FAM1"
        finance = self.finance
        for key in (own_key, other_key):
            _wait_until_billing_knows(world, key)
        finance.post("/payouts/2022-09/approve", json={}).raise_for_status()
        payouts = {p["facility"]: p for p in finance.get("/payouts", params={"month": "2022-09"}).json()}
        self.approved, self.waiting = payouts["F1"], payouts["F2"]
        assert (self.approved["status"], self.waiting["status"]) == ("approved", "awaiting_budget")
        self.family_token = self.token()
        operator = httpx.Client(base_url=world["enrollment"].url, headers=bearer(world.operator_key), timeout=300)
        for code in ("330000", "330900", "330903", "330902"):  # those the scenario added again (200), and Dinghai
            name, parent = KNOWN[code]
            operator.post("/jurisdictions", json={"code": code, "name": name, "parent": parent}).raise_for_status()
        self.keys = {"no key": None, "wrong key": "fac_not-a-key-anyone-has", "other facility": other_key,
                     "family token": self.family_token["token"], "admin key": world.admin_key,
                     "finance key": world.finance_key, "operator key": world.operator_key, "own facility": own_key}
        self.places = {name: self._place(code) for name, code in PLACES.items()}
        self.scoped_keys = {credential: operator.post("/official-keys", json={
            "role": "commission" if role == ADMIN else "finance", "jurisdiction": code}).json()["api_key"]
            for credential, (role, code) in SCOPED_KEYS.items()}
        self._bill_places()

    def awaiting(self) -> str:
        return self.waiting["number"]

    def confirmation(self) -> bytes:
        return (f"reference,amount,paid_on,status\n{self.approved['number']},{self.approved['total']},2022-10-10,"
                f"paid\n").encode()

    def _place(self, code: str) -> Place:
        place = Place(self.world, self.desk, self.desk.facility(jurisdiction=code))
        place.code, place.desk_sessions = code, self.desk_sessions
        if code == PLACES["dinghai"]:
            place.fund, place.rules = DINGHAI_FUND, DINGHAI_RULES
        return place

    def _bill_places(self) -> None:
        subsidy = httpx.Client(base_url=self.world["subsidy"].url, headers=bearer(self.world.admin_key), timeout=300)
        subsidy.post("/rulesets", content=DINGHAI_RULES.encode(),
                     headers={"Content-Type": "application/yaml"}).raise_for_status()
        drawn = self.finance.get(f"/budgets/{FUND}/2022").json()["drawn"]
        self.finance.put(f"/budgets/{FUND}/2022", json={"amount": drawn}).raise_for_status()  # nothing left
        # None for 2023 either: January's payouts still wait once the matrix raises 2022's budget.
        self.finance.put(f"/budgets/{FUND}/2023", json={"amount": "0.00"}).raise_for_status()
        for name, months in (("dinghai", ("2022-09", "2022-10", "2022-11")), ("putuo", ("2022-10", "2023-01"))):
            for month in months:
                self.finance.post(f"/cycles/{month}", params={"jurisdiction": PLACES[name]}).raise_for_status()
        for place in self.places.values():
            mine = self.finance.get("/payouts", params={"facility": place.f.external_id,
                                                        "status": "awaiting_budget"}).json()
            assert mine, f"{place.code}: the place's facility has no payout waiting for budget"
            number = mine[0]["number"]
            self.finance.post(f"/payouts/{number}/approve-over-budget",
                              json={"reason": "矩阵测试：先行拨付"}).raise_for_status()
            place.approved = self.finance.get(f"/payouts/{number}").json()


def bearer(key: str) -> dict:
    return {"Authorization": f"Bearer {key}"}


def sign_in_at_desk(url: str, key: str | None) -> dict | None:
    """Sign in at the desk of the service at `url` as a browser does: the cookies it sets, and the CSRF token of the
    page it leads to (the sign-out form every desk page holds); None when the desk refuses the key."""
    with httpx.Client(base_url=url, timeout=300) as client:
        signed = client.post("/desk/sign-in", data={"key": key or ""})
        if signed.status_code == 401:
            return None
        assert signed.status_code == 303, f"signing in answered {signed.status_code}: {signed.text[:200]}"
        cookies = dict(signed.cookies)
        page = client.get(signed.headers["location"])  # with the cookie the client keeps
        token = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert page.status_code == 200 and token, f"the desk after signing in: {page.status_code} {page.text[:200]}"
        return {"cookies": cookies, "csrf": token.group(1)}


def _wait_until_billing_knows(world: World, key: str) -> None:
    deadline = time.monotonic() + 60
    while httpx.get(world["billing"].url + "/payouts", headers=bearer(key), timeout=30).status_code == 401:
        assert time.monotonic() < deadline, "billing never learnt the facility key (ApiKeyIssued)"
        time.sleep(0.2)
