"""No national ID number (身份证号), API key or family token leaves the place it was given.

A world is loaded with children carrying national IDs (through the API and through CSV and XLSX rosters, at two
facilities, including the refusals that concern an ID: the same child twice, a bad ID, a bad row holding one),
facility keys (issued by the commission, and by self-registration) and family tokens; a month is billed and every
kind of page is read, by every kind of caller, including with revoked keys. Then none of those secrets may appear
in any HTTP response (except the one answer that hands a key or token out), in any line of any service's log, in
any event on the enrollment topic, or in any database row (CONTRACT: kept only as a keyed hash).
"""

from __future__ import annotations

import asyncio
import io
import os
import time
from dataclasses import dataclass, field

import httpx
import psycopg
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from openpyxl import Workbook

from tests.scenarios import path
from tests.stack import SERVICES, World, pg_admin_dsn
from tuoyu.national_id import check_character



def _valid_id(born: str, n: int) -> str:
    """Valid, not real: 17 digits holding the birth date, then the check character (the first sequence whose
    character is X, to try the lower-case x). The 17-digit stem is what is looked for, whatever the case of x."""
    stem = next(f"{330000 + n}{born.replace('-', '')}{seq:03d}" for seq in range(1000)
                if check_character(f"{330000 + n}{born.replace('-', '')}{seq:03d}") == "X")
    return stem + "X"


# In the order `_load` takes them: three for children born 2021-03-10, the CSV's, the XLSX's, the unfiled facility's,
# then a guardian's (a household at FP and F1) and a guardian's the unfiled facility may not give.
NATIONAL_IDS = [_valid_id(born, n) for n, born in enumerate(
    ("2021-03-10", "2021-03-10", "2021-03-10", "2021-05-01", "2022-01-01", "2021-06-01", "2021-04-04", "2021-03-10",
     "2021-03-10", "1990-01-01", "1991-02-02"), start=1)]


@dataclass
class Exposure:
    """Everything the world let out, and the secrets it was given."""
    world: World
    secrets: dict[str, str] = field(default_factory=dict)  # what → the secret
    responses: list[tuple[str, str]] = field(default_factory=list)  # (request, headers and body)
    handed_out: dict[str, int] = field(default_factory=dict)  # secret → index of the response that gave it

    def record(self, response: httpx.Response) -> None:
        response.read()
        body = response.text if "zip" not in response.headers.get("content-type", "") else ""
        self.responses.append((f"{response.request.method} {response.request.url}",
                               f"{dict(response.headers)}\n{body}"))

    def client(self, service: str, key: str | None = None) -> httpx.Client:
        return httpx.Client(base_url=self.world[service].url, timeout=300, event_hooks={"response": [self.record]},
                            headers={"Authorization": f"Bearer {key}"} if key else {})

    def hands_out(self, name: str, secret: str) -> None:
        """The response just recorded is the one that hands this secret out."""
        self.secrets[name] = secret
        self.handed_out[secret] = len(self.responses) - 1

    def found_in(self, text: str) -> list[str]:
        return [name for name, secret in self.secrets.items() if _needle(secret) in text]


def _needle(secret: str) -> str:
    return secret[:17] if secret in NATIONAL_IDS or secret.lower() in (n.lower() for n in NATIONAL_IDS) else secret


def _ok(response: httpx.Response) -> dict:
    assert response.status_code < 300, f"{response.request.method} {response.request.url}: {response.text}"
    return response.json() if response.content and "json" in response.headers.get("content-type", "") else {}


def _refused(response: httpx.Response, status: int) -> None:
    assert response.status_code == status, f"{response.request.url}: wanted {status}: {response.text}"


def _xlsx(rows: list[list]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _wait(condition, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"never: {what}"
        time.sleep(0.2)


def _load(x: Exposure) -> None:
    """Facilities, keys, children with national IDs (API, CSV, XLSX, refusals), enrollments, tokens, a bill."""
    w = x.world
    ids = iter(NATIONAL_IDS)
    admin = x.client("enrollment", w.admin_key)
    for method, route, body in (
            ("POST", "/facilities", {"external_id": "FP", "name": "隐私托育园", "kind": "community",
                                     "ownership": "public", "inclusive": True, "bank_account": "6222020200100000009"}),
            ("PUT", "/facilities/FP/certifications", {"fire_safety_certified_on": "2022-03-01"}),
            ("PUT", "/facilities/FP/filing", {"filed_on": "2022-03-01", "subsidy_rate": "0.12"})):
        _ok(admin.request(method, route, json=body))
    x.hands_out("FP key", _ok(admin.post("/facilities/FP/keys", json={"label": "privacy"}))["api_key"])
    x.hands_out("F1 key", _ok(admin.post("/facilities/F1/keys", json={"label": "privacy"}))["api_key"])
    registered = _ok(x.client("enrollment").post("/registrations", json={
        "external_id": "FS", "name": "自助登记托育园", "kind": "community", "ownership": "private_forprofit"}))
    x.hands_out("FS self-registration key", registered["key"]["api_key"])

    fp = x.client("enrollment", x.secrets["FP key"])
    f1 = x.client("enrollment", x.secrets["F1 key"])
    _ok(fp.post("/facilities/FP/classes", json={"external_id": "C1", "opened_on": "2022-09-01", "capacity": 50}))
    # Through the API: a child with an ID, one with a lower-case x, and the first one again at F1 (recognised).
    first, second = next(ids), next(ids)
    x.secrets.update({"national ID (API)": first, "national ID (API, lower-case x)": second.lower()})
    _ok(fp.post("/facilities/FP/families", json={"external_id": "PFAM1"}))
    for child, national_id, order in (("PK1", first, 1), ("PK2", second.lower(), 2)):
        _ok(fp.post("/facilities/FP/children", json={"external_id": child, "family": "PFAM1",
                                                     "birth_date": "2021-03-10", "birth_order": order,
                                                     "national_id": national_id}))
        _ok(fp.post("/facilities/FP/enrollments", json={"external_id": f"PE{child[2:]}", "child": child,
                                                        "class": "C1", "monthly_fee": "2000.00",
                                                        "start": "2022-09-01"}))
    _ok(f1.post("/facilities/F1/families", json={"external_id": "QFAM"}))
    same = _ok(f1.post("/facilities/F1/children", json={"external_id": "QK1", "family": "QFAM",
                                                        "birth_date": "2021-03-10", "birth_order": 1,
                                                        "national_id": first}))
    assert same["national_id_on_file"] and "same_child_elsewhere" not in same  # no facility is told
    # Refusals about an ID: the same child twice here, an existing child with another ID, an ID that is not one.
    _refused(fp.post("/facilities/FP/children", json={"external_id": "PK9", "family": "PFAM1",
                                                      "birth_date": "2021-03-10", "birth_order": 3,
                                                      "national_id": first}), 422)
    other = next(ids)
    x.secrets["national ID (refused: another ID for an existing child)"] = other
    _refused(fp.post("/facilities/FP/children", json={"external_id": "PK1", "family": "PFAM1",
                                                      "birth_date": "2021-03-10", "birth_order": 1,
                                                      "national_id": other}), 409)
    _refused(fp.post("/facilities/FP/children", json={"external_id": "PK8", "family": "PFAM1",
                                                      "birth_date": "2021-03-10", "birth_order": 3,
                                                      "national_id": other[:17] + "Y"}), 422)
    # A CSV roster (with a dry run first): two good rows, a bad row holding an ID, an ID given twice.
    csv_ids = [next(ids) for _ in range(3)]
    x.secrets.update({f"national ID (CSV row {i})": n for i, n in enumerate(csv_ids, start=2)})
    csv = ("family,child,birth_date,birth_order,national_id,class,enrollment,monthly_fee,start\n"
           f"PFAM2,PK3,2021-05-01,1,{csv_ids[0]},C1,PE3,2000.00,2022-09-01\n"
           f"PFAM2,PK4,2022-01-01,2,{csv_ids[1]},C1,PE4,2000.00,2022-09-01\n"
           f"PFAM3,PK5,2021-06-01,1,{csv_ids[2]},C9,PE5,2000.00,2022-09-01\n"
           f"PFAM3,PK6,2021-06-01,2,{csv_ids[0]},C1,PE6,2000.00,2022-09-01\n").encode()
    _refused(fp.post("/facilities/FP/roster", params={"dry_run": "true"}, content=csv), 422)
    report = _ok(fp.post("/facilities/FP/roster", content=csv))
    assert report["bad_rows"] == 2 and report["created"]["children"] == 2, report
    # An XLSX roster, the ID a text cell, into F1 (whose class C1 the scenario opened).
    xlsx_id = next(ids)
    x.secrets["national ID (XLSX)"] = xlsx_id
    _ok(f1.post("/facilities/F1/roster", content=_xlsx([
        ["家庭编号", "幼儿编号", "出生日期", "孩次", "身份证号", "班级", "入托编号", "月收费", "入托日期"],
        ["QFAM2", "QK2", "2021-04-04", 1, xlsx_id, "C1", "QE2", "1800.00", "2022-09-01"]])))
    # A facility nobody filed may not give an ID; the health commission sees the ID held at FP and F1 (a number).
    unfiled_id = next(ids)
    x.secrets["national ID (refused: an unfiled facility)"] = unfiled_id
    fs = x.client("enrollment", x.secrets["FS self-registration key"])
    _ok(fs.post("/facilities/FS/families", json={"external_id": "SFAM"}))
    _refused(fs.post("/facilities/FS/children", json={"external_id": "SK1", "family": "SFAM",
                                                      "birth_date": "2021-03-10", "birth_order": 1,
                                                      "national_id": unfiled_id}), 422)
    # A guardian's ID: one household of a family at FP and one at F1; an unfiled facility may not give one.
    guardian, unfiled_guardian = next(ids), next(ids)
    x.secrets.update({"guardian's ID": guardian.lower(), "guardian's ID (refused: an unfiled facility)":
                      unfiled_guardian})
    _ok(fp.post("/facilities/FP/families", json={"external_id": "PHOME", "guardian_id": guardian.lower()}))
    _ok(f1.post("/facilities/F1/families", json={"external_id": "QHOME", "name": "王", "guardian_id": guardian}))
    _refused(fp.post("/facilities/FP/families", json={"external_id": "PHOME", "guardian_id": unfiled_guardian}), 409)
    _refused(fs.post("/facilities/FS/families", json={"external_id": "SHOME", "guardian_id": unfiled_guardian}), 422)
    groups = _ok(admin.get("/national-id-duplicates"))["items"]
    assert [sorted((c["facility"], c["child"]) for c in g["children"]) for g in groups] == [[("F1", "QK1"),
                                                                                           ("FP", "PK1")]]

    # Billing learns the keys from events; tokens for a family of each facility, one issued by the facility.
    billing_admin = x.client("billing", w.admin_key)
    _wait(lambda: httpx.get(w["billing"].url + "/payouts", timeout=30,
                            headers={"Authorization": f"Bearer {x.secrets['FP key']}"}).status_code == 200,
          "billing knows FP key")
    issued = _ok(billing_admin.post("/family-tokens", json={"facility": "F1", "family": "FAM1"}))
    x.hands_out("F1 FAM1 token", issued["token"])
    _wait(lambda: billing_admin.get("/family-tokens", params={"facility": "FP"}).status_code == 200
          and httpx.post(w["billing"].url + "/family-tokens", json={"family": "PFAM1"}, timeout=30,
                         headers={"Authorization": f"Bearer {x.secrets['FP key']}"}).status_code == 201,
          "billing knows family PFAM1")
    issued = _ok(x.client("billing", x.secrets["FP key"]).post("/family-tokens", json={"family": "PFAM1"}))
    x.hands_out("FP PFAM1 token", issued["token"])
    revoked = _ok(billing_admin.post("/family-tokens", json={"facility": "FP", "family": "PFAM1"}))
    x.hands_out("a revoked token", revoked["token"])
    _ok(billing_admin.delete(f"/family-tokens/{revoked['id']}"))
    key = _ok(admin.post("/facilities/FP/keys", json={"label": "to revoke"}))
    x.hands_out("a revoked key", key["api_key"])
    _ok(admin.delete(f"/facilities/FP/keys/{key['key_id']}"))

    _wait(lambda: _ok(admin.get("/outbox"))["pending"] == 0, "the outbox drained")
    _ok(x.client("billing", w.finance_key).post("/cycles/2022-11"))


def _read_everything(x: Exposure) -> None:
    """Every read a caller can make of these records, as every caller."""
    w = x.world
    for key in (w.admin_key, x.secrets["FP key"]):
        fp = x.client("enrollment", key)
        for route in ("", "/children", "/children/PK1", "/children/PK2", "/children/PK3", "/families",
                      "/families/PFAM1", "/enrollments", "/enrollments/PE1", "/classes/C1"):
            _ok(fp.get(f"/facilities/FP{route}"))
    admin = x.client("enrollment", w.admin_key)
    for route in ("/facilities", "/facilities/FP/keys", "/facilities/F1/children/QK1", "/facilities/F1/children",
                  "/facilities/FS", "/outbox"):
        _ok(admin.get(route))
    anyone = x.client("enrollment")
    for route in ("/public/facilities", "/public/facilities.html", "/metrics"):
        _ok(anyone.get(route))
    for revoked in (x.secrets["a revoked key"], x.secrets["a revoked token"]):
        _refused(x.client("enrollment", revoked).get("/facilities/FP/children"), 401)
        _refused(x.client("billing", revoked).get("/payouts"), 401)
    subsidy = x.client("subsidy", w.admin_key)
    for route in ("/due/2022-11/jurisdictions", "/explanations/2022-11/FP/PE1", "/metrics"):
        _ok(subsidy.get(route))
    for jurisdiction in ("000000", "330903"):  # FP is in none, the scenario's F1 in Putuo
        for route in ("/due/2022-11", "/due/2022-11/batches"):
            _ok(subsidy.get(route, params={"jurisdiction": jurisdiction}))
    finance = x.client("billing", w.finance_key)
    _ok(finance.post("/payouts/2022-11/approve", json={}))
    for route, params in (("/reports/2022-11", {}), ("/reports/2022-11", {"format": "csv"}), ("/payouts", {}),
                          ("/audit", {"limit": 1000}), ("/cycles", {}), ("/bank-files/2022-11", {}),
                          ("/reconcile/2022-11", {}), ("/metrics", {})):
        _ok(finance.get(route, params=params))
    _ok(x.client("billing", w.admin_key).get("/family-tokens"))
    _ok(x.client("billing", x.secrets["FP key"]).get("/payouts"))
    for name in ("F1 FAM1 token", "FP PFAM1 token"):
        token = x.secrets[name]
        family = x.client("billing")
        page = family.get("/family", params={"token": token})
        assert page.status_code == 200 and "zh-CN" in page.text
        _ok(family.get(f"/family/{token}"))
        _ok(x.client("billing", token).get("/family/documents"))
    _refused(x.client("billing").get("/family", params={"token": x.secrets["a revoked token"]}), 401)


def _kafka_text(topic: str) -> tuple[int, str]:
    """Every event on the topic, from its beginning: (how many, keys, headers and values as text)."""
    async def read() -> tuple[int, str]:
        # No group: the consumer takes every partition of the topic, from the beginning.
        consumer = AIOKafkaConsumer(topic, bootstrap_servers=os.environ.get("TUOYU_KAFKA_BOOTSTRAP", "127.0.0.1:59092"),
                                    group_id=None, enable_auto_commit=False, auto_offset_reset="earliest")
        await consumer.start()
        try:
            deadline = time.monotonic() + 30
            while not consumer.partitions_for_topic(topic):
                assert time.monotonic() < deadline, f"no topic {topic}"
                await asyncio.sleep(0.1)
            partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic))]
            end = await consumer.end_offsets(partitions)
            count, parts = 0, []
            while [p for p in partitions if await consumer.position(p) < end[p]]:
                for batch in (await consumer.getmany(timeout_ms=1000)).values():
                    for message in batch:
                        count += 1
                        parts += [repr(message.key), repr(message.headers),
                                  message.value.decode("utf-8", "replace")]
            return count, "\n".join(parts)
        finally:
            await consumer.stop()

    return asyncio.run(read())


@pytest.fixture(scope="module")
def exposure(infra, tmp_path_factory) -> Exposure:
    world = World(tmp_path_factory.mktemp("privacy-world")).start()
    try:
        world.cli("scenario", "load", str(path("late-changes.yaml")))
        x = Exposure(world, {"admin key": world.admin_key, "finance key": world.finance_key})
        _load(x)
        _read_everything(x)
        yield x
    finally:
        world.close()


def test_no_response_shows_a_national_id_a_key_or_a_token_but_the_one_that_hands_it_out(exposure):
    assert len(exposure.responses) > 80
    for secret, i in exposure.handed_out.items():  # the search finds a secret where it belongs
        assert _needle(secret) in exposure.responses[i][1], f"not found where it was handed out: {i}"
    leaks = []
    for i, (request, text) in enumerate(exposure.responses):
        for name in exposure.found_in(text):
            if exposure.handed_out.get(exposure.secrets[name]) != i:
                leaks.append(f"{name} in the answer to {request}")
    assert not leaks, "\n".join(leaks)


def test_no_log_line_of_any_service_holds_one(exposure):
    leaks = []
    for name in SERVICES:
        lines = exposure.world[name].log.read_text(encoding="utf-8", errors="replace").splitlines()
        assert lines, f"{name} logged nothing: is its log where the world says?"
        leaks += [f"{name} log: {found} in {line[:200]}" for line in lines for found in exposure.found_in(line)]
    assert not leaks, "\n".join(leaks)


def test_no_event_on_the_enrollment_topic_holds_one(exposure):
    recorded = exposure.world.query("enrollment", "SELECT count(*) FROM outbox")[0][0]
    count, text = _kafka_text(f"{exposure.world.namespace}.enrollment.events")
    assert count >= recorded > 30 and "ChildRegistered" in text and "ApiKeyIssued" in text, "the whole topic"
    assert not exposure.found_in(text), f"events hold: {exposure.found_in(text)}"


def test_no_database_row_holds_one_only_keyed_hashes(exposure):
    leaks = []
    for service in SERVICES:
        dsn = pg_admin_dsn(f"{exposure.world.namespace}_{service}")
        with psycopg.connect(dsn) as conn:
            tables = [r[0] for r in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()]
            for table in tables:
                rows = conn.execute(f'SELECT t::text FROM "{table}" t').fetchall()
                leaks += [f"{service}.{table}: {found}" for (row,) in rows for found in exposure.found_in(row)]
    assert not leaks, "\n".join(sorted(set(leaks)))


def test_a_guardians_hash_is_in_no_answer_log_or_event_and_the_household_is_not_it(exposure):
    w = exposure.world
    (id_hash, household), (same_hash, same_household) = w.query(
        "enrollment", "SELECT guardian_hash, household FROM families WHERE guardian_hash IS NOT NULL")
    assert (id_hash, household) == (same_hash, same_household) and id_hash != household
    _, events = _kafka_text(f"{w.namespace}.enrollment.events")
    logs = "\n".join(w[name].log.read_text(encoding="utf-8", errors="replace") for name in SERVICES)
    answers = "\n".join(text for _, text in exposure.responses)
    assert household in events and id_hash not in events
    assert id_hash not in logs and id_hash not in answers
