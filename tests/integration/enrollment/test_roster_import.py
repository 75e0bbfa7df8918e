"""Roster import: CSV (UTF-8, GBK) and XLSX, dry runs, partial imports, re-imports, the CLI, and Kafka."""

from __future__ import annotations

import io
import json
import time
from datetime import date

from openpyxl import Workbook

from enrollment.importing.apply import BATCH
from tests.integration.enrollment.conftest import assert_problem, fresh_national_id, uid

HEADER = ("family", "child", "birth_date", "birth_order", "national_id", "class", "enrollment", "care",
          "monthly_fee", "start", "end")
CHINESE_HEADER = ("家庭编号", "幼儿编号", "出生日期", "孩次", "身份证号", "班级", "入托编号", "托育类型", "月收费",
                  "入托日期", "离托日期")


def csv_text(rows: list[tuple], header=HEADER) -> str:
    return "\n".join(",".join(str(c) for c in row) for row in [header, *rows]) + "\n"


def roster(tag: str) -> tuple[list[tuple], list[tuple]]:
    """Good rows (two families, siblings, a child enrolled twice) and bad rows, with ids unique to `tag`."""
    fa, fb = f"FA{tag}", f"FB{tag}"
    good = [
        (fa, f"K1{tag}", "2020-05-01", 1, "", "C1", f"E1{tag}", "full_day", "2000.00", "2022-09-01", ""),
        (fa, f"K2{tag}", "2021-03-10", 2, fresh_national_id(), "C1", f"E2{tag}", "full_day",
         "2000", "2022-09-01", ""),
        (fb, f"K3{tag}", "2021-06-01", 2, "", "C1", f"E3{tag}", "half_day", "1200.5", "2022-09-16", "2022-12-31"),
        (fb, f"K3{tag}", "2021-06-01", 2, "", "C1", f"E4{tag}", "full_day", "2000.00", "2023-01-01", ""),
        (fb, f"K4{tag}", "2022/1/15", 3, "", "C1", f"E5{tag}", "", "2000.00", "2022-10-01", "2022-10-10"),
    ]
    bad = [
        (fa, f"K5{tag}", "2022-02-30", 3, "", "C1", f"E6{tag}", "full_day", "2000.00", "2022-09-01", ""),
        (fa, f"K6{tag}", "2022-01-01", 4, "", "C9", f"E7{tag}", "full_day", "2000.00", "2022-09-01", ""),
        (fa, f"K7{tag}", "2019-01-01", 3, "", "C1", f"E8{tag}", "full_day", "2000.00", "2022-09-01", ""),
        (fb, f"K8{tag}", "2022-03-01", 4, "", "C1", f"E9{tag}", "weekly", "-5", "2022-02-01", ""),
    ]
    return good, bad


def post(f, content: bytes, **params):
    return f.post("/roster", content=content, params={k: str(v).lower() if isinstance(v, bool) else v
                                                      for k, v in params.items()})


def test_a_csv_import_applies_the_good_rows_in_one_go_and_reports_each_bad_row_by_row_and_column(desk):
    f = desk.facility()
    good, bad = roster(uid("")[1:])
    content = csv_text(good + bad).encode("utf-8")
    since = desk.last_seq()
    response = post(f, content)
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["created"] == {"families": 2, "children": 4, "enrollments": 5}
    assert (report["rows"], report["unchanged"], report["bad_rows"]) == (9, 0, 4)
    assert [(e["row"], e["column"]) for e in report["errors"]] == [
        (7, "birth_date"), (8, "class"), (9, "birth_order"), (10, "care"), (10, "monthly_fee"), (10, "start")]
    events = desk.events(since=since)
    assert [e["type"] for e in events].count("ChildEnrolled") == 5
    assert len(events) == 2 + 4 + 5
    k3 = f.get(f"/children/{good[2][1]}").json()
    assert (k3["birth_order"], k3["family"]) == (2, good[2][0])
    e3 = f.get(f"/enrollments/{good[2][6]}").json()
    assert (e3["care"], e3["end"], e3["fees"]) == ("half_day", "2022-12-31",
                                                   [{"from": "2022-09-16", "monthly_fee": "1200.50"}])
    assert f.get(f"/children/{good[1][1]}").json()["national_id_on_file"] is True
    # The events carry the same snapshots the API's own writes publish.
    snapshots = {(e["type"], next(iter(e["payload"].values()))["external_id"]): e["payload"] for e in events}
    assert snapshots[("ChildEnrolled", good[2][6])] == {"enrollment": {
        "facility": f.external_id, "external_id": good[2][6], "child": good[2][1], "class": "C1", "care": "half_day",
        "start": "2022-09-16", "end": "2022-12-31", "fees": [{"from": "2022-09-16", "monthly_fee": "1200.50"}],
        "version": 1}}
    assert snapshots[("ChildRegistered", good[2][1])] == {"child": {
        "facility": f.external_id, "family": good[2][0], "external_id": good[2][1], "birth_date": "2021-06-01",
        "birth_order": 2, "version": 1}}
    assert snapshots[("FamilyRegistered", good[2][0])] == {"family": {
        "facility": f.external_id, "external_id": good[2][0], "version": 1}}

    # The same file again changes nothing.
    before = desk.counts()
    again = post(f, content).json()
    assert again["created"] == {"families": 0, "children": 0, "enrollments": 0}
    assert (again["unchanged"], again["bad_rows"]) == (5, 4)
    assert desk.counts() == before


def test_a_dry_run_reports_every_bad_row_and_writes_nothing(desk):
    f = desk.facility()
    good, bad = roster(uid("")[1:])
    before = desk.counts()
    body = assert_problem(post(f, csv_text(good + bad).encode(), dry_run=True), 422, "birth_date")
    assert body["dry_run"] is True and body["bad_rows"] == 4, body["errors"]
    assert body["created"] == {"families": 2, "children": 4, "enrollments": 5}  # what a real import would create
    ok = post(f, csv_text(good).encode(), dry_run=True)
    assert ok.status_code == 200 and ok.json()["errors"] == []
    assert desk.counts() == before


def test_a_gbk_file_with_chinese_headers_is_detected_or_named_and_read_alike(desk):
    f = desk.facility()
    tag = uid("")[1:]
    rows = [(f"W{tag}", f"WK{tag}", "2021-04-01", 1, "", "C1", f"WE{tag}", "full_day", "1980.00", "2022-09-01", "")]
    content = csv_text(rows, CHINESE_HEADER).encode("gbk")
    dry = post(f, content, dry_run=True)
    assert dry.status_code == 200 and dry.json()["encoding"] == "gbk"
    assert_problem(post(f, content, encoding="utf-8"), 422, "encoding")
    named = post(f, content, encoding="GBK")
    assert named.status_code == 200 and named.json()["created"]["enrollments"] == 1
    # A UTF-8 file with a byte-order mark, as Excel writes "CSV UTF-8".
    bom = ("\ufeff" + csv_text([(f"V{tag}", f"VK{tag}", "2021-04-01", 1, "", "C1", f"VE{tag}", "full_day", "1980",
                                  "2022-09-01", "")], CHINESE_HEADER)).encode("utf-8")
    assert post(f, bom).json()["created"]["children"] == 1


def xlsx(rows: list[tuple]) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("名单")
    sheet.append(HEADER)
    for row in rows:
        sheet.append([date.fromisoformat(c) if isinstance(c, str) and len(c) == 10 and c[4] == "-" else
                      (float(c) if i == 8 else c) for i, c in enumerate(row)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_xlsx_roster_uploaded_as_multipart_is_read_with_date_and_number_cells(desk):
    f = desk.facility()
    good, bad = roster(uid("")[1:])
    content = xlsx(good[:2] + bad[1:2])
    response = f.post("/roster", files={"file": ("名单.xlsx", content, "application/octet-stream")})
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["format"] == "xlsx" and report["created"]["enrollments"] == 2
    assert [(e["row"], e["column"]) for e in report["errors"]] == [(4, "class")]
    assert f.get(f"/enrollments/{good[1][6]}").json()["fees"][0]["monthly_fee"] == "2000.00"
    before = desk.counts()
    assert post(f, content).json()["unchanged"] == 2
    assert desk.counts() == before


def test_rows_are_checked_against_each_other_capacity_duplicates_and_disagreeing_children(desk):
    f = desk.facility(classes=(("C1", "2022-09-01", 2),))
    t = uid("")[1:]
    rows = [
        (f"A{t}", f"A1{t}", "2021-01-01", 1, "", "C1", f"X1{t}", "full_day", "2000", "2022-09-01", ""),
        (f"B{t}", f"B1{t}", "2021-01-01", 1, "", "C1", f"X2{t}", "full_day", "2000", "2022-09-01", ""),
        (f"C{t}", f"C1{t}", "2021-01-01", 1, "", "C1", f"X3{t}", "full_day", "2000", "2022-09-01", ""),   # full
        (f"A{t}", f"A1{t}", "2021-01-02", 1, "", "C1", f"X4{t}", "full_day", "2000", "2023-09-01", ""),   # differs
        (f"D{t}", f"D1{t}", "2021-01-01", 1, "", "C1", f"X5{t}", "full_day", "2000", "2022-09-01", ""),   # repeated
        (f"D{t}", f"D1{t}", "2021-01-01", 1, "", "C1", f"X5{t}", "full_day", "2000", "2022-09-01", ""),
        (f"A{t}", f"A1{t}", "2021-01-01", 1, "", "C1", f"X6{t}", "full_day", "2000", "2022-10-01", ""),   # overlap
    ]
    report = post(f, csv_text(rows).encode()).json()
    assert report["created"]["enrollments"] == 2
    assert [(e["row"], e["column"]) for e in report["errors"]] == [
        (4, "class"), (5, "birth_date"), (6, "enrollment"), (7, "enrollment"), (8, "start")]


def test_a_roster_of_several_batches_sees_earlier_batches_and_publishes_each_record_after_what_it_names(desk):
    # Batches are parsed, checked and written overlapping one another: a later batch must still see what an
    # earlier one accepted, and the events must still come family, then child, then enrollment.
    f = desk.facility(classes=[(f"C{c}", "2022-09-01", 500) for c in range(10)])
    t = uid("")[1:]
    rows = [(f"F{i // 2}{t}", f"K{i}{t}", "2021-01-01" if i % 2 == 0 else "2021-12-01", 1 + i % 2, "", f"C{i % 10}",
             f"E{i}{t}", "full_day", "2000", "2022-09-01", "2022-12-31") for i in range(2 * BATCH + 100)]
    rows.append((f"F0{t}", f"K0{t}", "2021-01-01", 1, "", "C1", f"E-again{t}", "full_day", "2000", "2023-01-01", ""))
    rows.append((f"F0{t}", f"K0{t}", "2021-01-01", 1, "", "C2", f"E-twice{t}", "full_day", "2000", "2022-10-01", ""))
    rows.append((f"G{t}", f"KG{t}", "2021-01-01", 1, "", "C99", f"EG{t}", "full_day", "2000", "2022-09-01", ""))
    content = csv_text(rows).encode()
    before = desk.counts()
    dry = post(f, content, dry_run=True)
    assert dry.status_code == 422 and desk.counts() == before
    since = desk.last_seq()
    report = post(f, content).json()
    assert report["created"] == {"families": BATCH + 50, "children": 2 * BATCH + 100, "enrollments": 2 * BATCH + 101}
    last = 2 * BATCH + 100 + 1  # the header is row 1
    assert [(e["row"], e["column"]) for e in report["errors"]] == [(last + 2, "start"), (last + 3, "class")]
    assert [(e["row"], e["column"]) for e in dry.json()["errors"]] == [(last + 2, "start"), (last + 3, "class")]
    seen: set[tuple[str, str]] = set()
    for event in desk.events(since=since):
        record, = event["payload"].values()
        named = {"FamilyRegistered": (), "ChildRegistered": (("family", record.get("family")),),
                 "ChildEnrolled": (("child", record.get("child")),)}[event["type"]]
        assert all(n in seen for n in named), event
        seen.add(({"FamilyRegistered": "family", "ChildRegistered": "child", "ChildEnrolled": "enrollment"}
                  [event["type"]], record["external_id"]))
    assert len(seen) == sum(report["created"].values())
    again = post(f, content).json()
    assert again["created"] == {"families": 0, "children": 0, "enrollments": 0}
    assert again["unchanged"] == 2 * BATCH + 101


def test_the_cli_streams_a_roster_shows_bad_rows_and_exits_non_zero_on_them(desk, tmp_path):
    f = desk.facility()
    good, bad = roster(uid("")[1:])
    path = tmp_path / "roster.csv"
    path.write_text(csv_text(good + bad[:1]), encoding="gbk")
    before = desk.counts()
    dry = desk.world.cli("import", "roster", str(path), "--facility", f.external_id, "--dry-run", "--key", f.key,
                         check=False)
    assert dry.returncode == 1
    assert "row 7, birth_date:" in dry.stderr and "nothing was written" in dry.stderr
    assert desk.counts() == before
    path.write_text(csv_text(good), encoding="gbk")
    done = desk.world.cli("import", "roster", str(path), "--facility", f.external_id, "--json")
    assert json.loads(done.stdout)["created"]["enrollments"] == 5
    assert "created 2 families, 4 children, 5 enrollments" in done.stderr
    # Another facility's key cannot import into this one.
    other = desk.facility()
    refused = desk.world.cli("import", "roster", str(path), "--facility", f.external_id, "--key", other.key,
                             check=False)
    assert refused.returncode == 1 and "404" in refused.stderr


def test_imported_rows_reach_the_subsidy_service_through_kafka(desk):
    f = desk.facility()
    good, _ = roster(uid("")[1:])
    assert post(f, csv_text(good).encode()).status_code == 200
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        seen = desk.world.query("subsidy", f"SELECT count(*) FROM enrollments WHERE facility = '{f.external_id}'")
        if seen[0][0] == 5:
            break
        time.sleep(0.3)
    assert seen[0][0] == 5
    assert desk.world.query("subsidy", f"SELECT count(*) FROM children WHERE facility = '{f.external_id}'")[0][0] == 4


def test_ids_differing_only_in_case_from_the_file_or_the_facility_are_bad_rows_not_second_records(desk):
    f = desk.facility(classes=(("C1", "2022-09-01", 10),))
    t = uid("")[1:]
    first = [(f"FAM{t}", f"K1{t}", "2021-01-01", 1, "", "C1", f"E1{t}", "full_day", "2000", "2022-09-01", "")]
    assert post(f, csv_text(first).encode()).json()["created"]["enrollments"] == 1
    rows = [
        (f"fam{t}", f"K2{t}", "2021-02-01", 1, "", "C1", f"E2{t}", "full_day", "2000", "2022-09-01", ""),  # family
        (f"FAM{t}", f"k1{t}", "2021-01-01", 1, "", "C1", f"E3{t}", "full_day", "2000", "2023-01-01", ""),  # child
        (f"FAM{t}", f"K1{t}", "2021-01-01", 1, "", "C1", f"e1{t}", "full_day", "2000", "2022-09-01", ""),  # enrollment
        (f"NEW{t}", f"K4{t}", "2021-01-01", 1, "", "C1", f"E4{t}", "full_day", "2000", "2022-09-01", ""),
        (f"new{t}", f"K5{t}", "2021-01-01", 1, "", "C1", f"E5{t}", "full_day", "2000", "2022-09-01", ""),  # in file
    ]
    report = post(f, csv_text(rows).encode()).json()
    assert [(e["row"], e["column"]) for e in report["errors"]] == [
        (2, "family"), (3, "child"), (4, "enrollment"), (6, "family")]
    assert "differs only in case" in report["errors"][0]["reason"]
    assert report["created"]["enrollments"] == 1
