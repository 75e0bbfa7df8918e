"""Hypothesis against the roster importer: malformed CSV and XLSX files, every way they arrive.

Random bytes, truncated and corrupted XLSX workbooks, CSV in the wrong encoding (or declared in one it is not),
byte-order marks, missing, duplicated and unknown headers, huge fields, quotes, NULs and newlines inside cells,
multipart uploads without a file; real imports and dry runs. Whatever arrives, the answer is 422 problem+json with
nothing written, or 200 with a per-row report whose created counts are exactly what was written (records and
their events), and never a 5xx.
"""

from __future__ import annotations

import io
import os
from datetime import date, datetime, timedelta

import httpx
import psycopg
import pytest
from hypothesis import HealthCheck, Phase, event, given, settings, strategies as st
from openpyxl import Workbook

from tests.integration.enrollment.conftest import TABLES
from tests.stack import pg_admin_dsn
from tuoyu.national_id import check_character

EXAMPLES = int(os.environ.get("TUOYU_FUZZ_ROSTER_EXAMPLES", "200"))
COLUMNS = ("family", "child", "birth_date", "birth_order", "national_id", "class", "enrollment", "care",
           "monthly_fee", "start", "end")
CHINESE = ("家庭编号", "幼儿编号", "出生日期", "孩次", "身份证号", "班级", "入托编号", "托育类型", "月收费", "入托日期",
           "离托日期")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class Roster:
    """FR: a filed facility with four roomy classes, its key, and a database connection to count what is written."""

    def __init__(self, fuzz_world):
        world = fuzz_world.world
        admin = httpx.Client(base_url=world["enrollment"].url, timeout=120,
                             headers={"Authorization": f"Bearer {world.admin_key}"})
        for method, route, body in (
                ("POST", "/facilities", {"external_id": "FR", "name": "名单托育园", "kind": "community",
                                         "ownership": "public"}),
                ("PUT", "/facilities/FR/certifications", {"fire_safety_certified_on": "2022-03-01"}),
                ("PUT", "/facilities/FR/filing", {"filed_on": "2022-03-01", "subsidy_rate": "0.10"}),
                *(("POST", "/facilities/FR/classes", {"external_id": f"C{i}", "opened_on": "2022-01-01",
                                                      "capacity": 500}) for i in range(1, 5))):
            response = admin.request(method, route, json=body)
            assert response.status_code < 300, response.text
        key = admin.post("/facilities/FR/keys", json={}).json()["api_key"]
        self.client = httpx.Client(base_url=world["enrollment"].url, timeout=120,
                                   headers={"Authorization": f"Bearer {key}"})
        dsn = pg_admin_dsn(f"{world.namespace}_enrollment")
        self.db = psycopg.connect(dsn, autocommit=True)

    def counts(self) -> dict[str, int]:
        sql = " UNION ALL ".join(f"SELECT '{t}', count(*) FROM {t}" for t in TABLES)
        return dict(self.db.execute(sql).fetchall())


@pytest.fixture(scope="module")
def roster(fuzz_world):
    r = Roster(fuzz_world)
    yield r
    r.db.close()


# --- what a roster file may hold -----------------------------------------------------------------------------------

def _junk(max_size: int = 30):
    return st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=max_size)


def _national_id(j: int, born: date) -> str:
    """A valid number of the j-th child: its birth date, its check character (GB 11643)."""
    first17 = f"{j:06d}{born:%Y%m%d}001"
    return first17 + check_character(first17)


def good_row(j: int) -> dict[str, str]:
    """The j-th child of a consistent roster: importing it twice changes nothing, so most rows can be good."""
    born = date(2021, 1, 1) + timedelta(days=j % 300)
    return {"family": f"FA{j // 3}", "child": f"KA{j}",
            "birth_date": born.strftime("%Y/%-m/%-d" if j % 5 else "%Y-%m-%d"),
            "birth_order": str(j % 3 + 1), "national_id": _national_id(j, born) if j % 4 == 0 else "",
            "class": f"C{j % 4 + 1}", "enrollment": f"EA{j}", "care": "" if j % 2 else "full_day",
            "monthly_fee": "2000.00" if j % 7 else "1800", "start": "2022-09-01", "end": "" if j % 6 else "2022-12-31"}


huge = st.integers(1, 120_000).map(lambda n: "字" * n)
odd = st.one_of(_junk(), huge, st.sampled_from(['"', '""', "a,b", "a\nb", "a\rb", "\x00", "=1+1", " C1 ", "\ufeff",
                                                "2022-02-30", "-1", "1e309", "99999999999999999999.99", "C9", "4"]))


@st.composite
def tables(draw) -> tuple[list, list[list]]:
    """A header (columns in any order; now and then missing, repeated, unknown or Chinese) and rows that are good
    rows of a consistent roster, a cell here and there spoilt."""
    if draw(st.integers(0, 3)):
        names = draw(st.permutations(range(len(COLUMNS))))
    else:
        names = draw(st.lists(st.sampled_from(range(len(COLUMNS))), unique=True, max_size=len(COLUMNS)))
    header = [draw(st.sampled_from([COLUMNS[i], CHINESE[i], COLUMNS[i].upper()])) for i in names]
    extra = 0
    if draw(st.integers(0, 3)) == 0:  # an empty, unknown or repeated column now and then
        extras = draw(st.lists(st.one_of(st.just(""), st.sampled_from(["notes", "family"]), _junk(10)), max_size=2))
        header, extra = header + extras, len(extras)
    rows = []
    for _ in range(draw(st.integers(0, 8))):
        good = good_row(draw(st.integers(1, 1500)))
        row = [good[COLUMNS[i]] if draw(st.integers(0, 15)) else draw(odd) for i in names]
        row += [draw(odd) for _ in range(extra)]
        if draw(st.integers(0, 7)) == 0:
            row += draw(st.lists(odd, max_size=2))  # ragged rows
        rows.append(row)
    return header, rows


def _csv(header: list, rows: list[list]) -> str:
    import csv
    out = io.StringIO()
    writer = csv.writer(out)
    for row in [header, *rows]:
        writer.writerow(row)
    return out.getvalue()


def _xlsx(header: list, rows: list[list], typed: bool) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in [header, *rows]:
        cells = []
        for cell in row:
            cell = cell.replace("\x00", "")[:32_000]  # what a spreadsheet can hold
            if typed and cell.isascii() and cell.isdigit() and len(cell) < 15:  # not "²": a digit, not a number
                cell = int(cell)
            elif typed and cell == "2021-03-10":
                cell = datetime(2021, 3, 10)
            elif typed and cell == "2022-09-01":
                cell = date(2022, 9, 1)
            cells.append(cell)
        try:
            sheet.append(cells)
        except Exception:  # openpyxl refuses some control characters: leave that cell out
            sheet.append([c if not isinstance(c, str) or c.isprintable() else "" for c in cells])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


ENCODINGS = ("utf-8", "utf-8-sig", "gb18030", "utf-16", "latin-1", "big5")


@st.composite
def uploads(draw) -> tuple[bytes, str]:
    """(file bytes, how it was made) — CSV in some encoding, XLSX whole, cut short or scribbled on, or noise."""
    kind = draw(st.sampled_from(["csv", "csv", "xlsx", "xlsx-truncated", "xlsx-corrupted", "bytes", "empty"]))
    if kind == "bytes":
        return draw(st.binary(max_size=4000)), kind
    if kind == "empty":
        return draw(st.sampled_from([b"", b"\n", b"\xef\xbb\xbf", b"\r\n\r\n", b",,,\n"])), kind
    header, rows = draw(tables())
    if kind == "csv":
        encoding = draw(st.sampled_from(ENCODINGS))
        return _csv(header, rows).encode(encoding, errors="replace"), f"csv/{encoding}"
    data = _xlsx(header, rows, typed=draw(st.booleans()))
    # Positions as fractions of the length: a workbook's length varies with the time it is saved at, and what
    # hypothesis draws must not depend on it.
    at = lambda fraction: int(fraction * (len(data) - 1))  # noqa: E731
    fractions = st.floats(0, 1, exclude_max=True)
    if kind == "xlsx-truncated":
        return data[:at(draw(fractions))], kind
    if kind == "xlsx-corrupted":
        spoiled = bytearray(data)
        for _ in range(draw(st.integers(1, 20))):
            spoiled[max(4, at(draw(fractions)))] = draw(st.integers(0, 255))
        return bytes(spoiled), kind
    return data, kind


# --- the property --------------------------------------------------------------------------------------------------

def _send(client: httpx.Client, data: bytes, transport: str, params: dict) -> httpx.Response:
    route = "/facilities/FR/roster"
    if transport == "multipart":
        return client.post(route, params=params, files={"file": ("roster", data)})
    if transport == "multipart-without-file":  # a form field where the file should be
        return client.post(route, params=params, files={"file": (None, data.decode("latin-1")[:1000])})
    return client.post(route, params=params, content=data, headers={"Content-Type": transport})


@settings(max_examples=EXAMPLES, deadline=None, database=None, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=list(HealthCheck))
@given(upload=uploads(), dry_run=st.sampled_from([False, False, True]),
       encoding=st.sampled_from([None] * 6 + ["utf-8", "gbk", "gb18030", "latin-1", "utf-16", ""]),
       transport=st.sampled_from(["text/csv", XLSX, "application/octet-stream", "multipart", "multipart",
                                  "multipart-without-file"]))
def test_a_malformed_roster_is_refused_whole_or_reported_row_by_row_never_half_written(roster, upload, dry_run,
                                                                                       encoding, transport):
    data, made = upload
    params = {"dry_run": str(dry_run).lower(), **({"encoding": encoding} if encoding is not None else {})}
    before = roster.counts()
    response = _send(roster.client, data, transport, params)
    after = roster.counts()
    context = f"{made} as {transport} {params}: {response.status_code} {response.text[:300]}"

    assert response.status_code in (200, 422), context
    created_any = response.status_code == 200 and any(response.json()["created"].values())
    event(f"{response.status_code} {made.split('/')[0]}{' (created records)' if created_any else ''}")
    if response.status_code == 422:
        assert response.headers["content-type"].startswith("application/problem+json"), context
        problem = response.json()
        assert problem["status"] == 422 and problem["title"] and problem["detail"], context
        assert after == before, f"refused, yet written: {context}"
        return
    report = response.json()
    assert report["dry_run"] is dry_run and report["rows"] >= report["bad_rows"], context
    assert all(e["row"] >= 2 and e["column"] and e["reason"] for e in report["errors"]), context
    created = report["created"] if not dry_run else {"families": 0, "children": 0, "enrollments": 0}
    assert {t: after[t] - before[t] for t in ("families", "children", "enrollments")} == created, context
    assert after["outbox"] - before["outbox"] == sum(created.values()), f"one event per record: {context}"
