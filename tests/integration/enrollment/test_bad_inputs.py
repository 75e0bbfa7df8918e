"""Bad input, a table of it: each answered with problem+json naming the field, and nothing written anywhere.

"Nothing written" is checked on every table of the enrollment database, the outbox included.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.integration.enrollment.conftest import assert_problem, uid

GOOD_ROW = "{fam},{kid},2021-03-10,1,,C1,{enr},full_day,2000.00,2022-09-01,"
ABOVE = "100000000.00"
HEADER = "family,child,birth_date,birth_order,national_id,class,enrollment,care,monthly_fee,start,end"


@dataclass
class Ground:
    """A full class, a child, an enrollment, a revoked facility: what the bad requests run into."""
    f: object
    revoked: object
    family: str
    child: str
    other_child: str
    enrollment: str


@pytest.fixture(scope="module")
def ground(desk) -> Ground:
    f = desk.facility(classes=(("C1", "2022-09-01", 1), ("C2", "2022-09-01", 10)))
    family, child = desk.child(f, birth_date="2021-03-10")
    _, other = desk.child(f, birth_date="2021-04-10")
    enrollment = desk.enroll(f, other, start="2022-09-01")  # C1 is now full
    revoked = desk.facility()
    _, revoked_child = desk.child(revoked)
    for day in ("2022-06-30", "2022-12-15"):
        desk.admin.post(f"/facilities/{revoked.external_id}/reviews", json={"date": day, "result": "fail"})
    revoked.revoked_child = revoked_child
    return Ground(f, revoked, family, child, other, enrollment)


def enrollment(g: Ground, **override) -> dict:
    return {"external_id": uid("E"), "child": g.child, "class": "C2", "monthly_fee": "2000.00",
            "start": "2022-09-01", **override}


def roster(content: bytes, **params):
    return lambda g: g.f.post("/roster", content=content, params=params)


def csv(*rows: str, header: str = HEADER) -> bytes:
    return "\n".join((header,) + rows).encode()


def good_row(n: int = 0) -> str:
    return GOOD_ROW.format(fam=uid("FAM"), kid=uid("K"), enr=f"DUP{n}")


CASES = {
    # wrong types
    "capacity as words": (lambda g: g.f.post("/classes", json={"external_id": uid("C"), "opened_on": "2022-09-01",
                                                               "capacity": "twenty"}), 422, "capacity"),
    "birth order as words": (lambda g: g.f.post("/children", json={"external_id": uid("K"), "family": "X",
                                                                   "birth_date": "2021-01-01",
                                                                   "birth_order": "first"}), 422, "birth_order"),
    "fee as a number": (lambda g: g.f.post("/enrollments", json=enrollment(g, monthly_fee=2000)), 422,
                        "monthly_fee"),
    "fee with three decimals": (lambda g: g.f.post("/enrollments", json=enrollment(g, monthly_fee="2000.001")), 422,
                                "monthly_fee"),
    "negative fee": (lambda g: g.f.post("/enrollments", json=enrollment(g, monthly_fee="-1.00")), 422, "monthly_fee"),
    # a fen above the largest fee the subsidy engine computes (`tuoyu.bounds.MONTHLY_FEE_FEN`)
    "a fee a fen above the bound": (lambda g: g.f.post("/enrollments", json=enrollment(g, monthly_fee=ABOVE)), 422,
                                    "monthly_fee"),
    "a fee change a fen above the bound": (lambda g: g.f.post(f"/enrollments/{g.enrollment}/fees", json={
        "monthly_fee": ABOVE, "from": "2022-10-01"}), 422, "monthly_fee"),
    "a roster row a fen above the bound": (roster(csv(good_row().replace(",2000.00,", f",{ABOVE},"))), 422,
                                           "monthly_fee"),
    "inclusive as maybe": (lambda g: g.f.patch("", json={"inclusive": "maybe"}), 422, "inclusive"),
    "rate as a percentage": (lambda g: g.f.client.post(f"/facilities/{g.f.external_id}/rates",
                                                       json={"rate": "12%", "effective_from": "2022-10-01"}),
                             422, None),  # a facility key may not change rates: 404 first (see access control)
    "unknown field": (lambda g: g.f.post("/families", json={"external_id": uid("FAM"), "colour": "red"}), 422,
                      "colour"),
    "malformed national ID": (lambda g: g.f.post("/children", json={"external_id": uid("K"), "family": g.family,
                                                                    "birth_date": "2021-01-01", "birth_order": 1,
                                                                    "national_id": "12345"}), 422, "national_id"),
    "external id with spaces": (lambda g: g.f.post("/families", json={"external_id": "A B"}), 422, "external_id"),
    # impossible dates
    "30 February": (lambda g: g.f.post("/enrollments", json=enrollment(g, start="2022-02-30")), 422, "start"),
    "29 February of 2021": (lambda g: g.f.post("/children", json={"external_id": uid("K"), "family": "X",
                                                                  "birth_date": "2021-02-29", "birth_order": 1}),
                            422, "birth_date"),
    "a start a thousand years away": (lambda g: g.f.post("/enrollments", json=enrollment(g, start="3022-09-01")), 422,
                                      "start"),
    "a cursor past any row id": (lambda g: g.f.get("/children", params={"cursor": "aWQ6OTk5OTk5OTk5OTk5OTk5OTk5OTk"}),
                                 422, "cursor"),
    "month 13 in a list": (lambda g: g.f.get("/enrollments", params={"month": "2022-13"}), 422, "month"),
    "a birth date in the future": (lambda g: g.f.post("/children", json={"external_id": uid("K"), "family": g.family,
                                                                         "birth_date": "2099-01-01",
                                                                         "birth_order": 2}), 422, "birth_date"),
    # the rules
    "start before the birth date": (lambda g: g.f.post("/enrollments", json=enrollment(g, start="2021-03-01")), 422,
                                    "start"),
    "over capacity": (lambda g: g.f.post("/enrollments", json=enrollment(g, **{"class": "C1"})), 422, "class"),
    "unknown class": (lambda g: g.f.post("/enrollments", json=enrollment(g, **{"class": "C99"})), 422, "class"),
    "unknown child": (lambda g: g.f.post("/enrollments", json=enrollment(g, child="NOBODY")), 422, "child"),
    "the same child twice on a day": (lambda g: g.f.post("/enrollments", json=enrollment(g, child=g.other_child,
                                                                                         start="2023-01-01")),
                                      422, "start"),
    "revoked facility": (lambda g: g.revoked.post("/enrollments", json={
        "external_id": uid("E"), "child": g.revoked.revoked_child, "class": "C1", "monthly_fee": "2000.00",
        "start": "2023-01-01"}), 422, "facility"),
    "revoked facility's roster": (lambda g: g.revoked.post("/roster", content=csv(good_row())), 422, "facility"),
    "duplicate external_id with other content": (lambda g: g.f.post("/enrollments", json=enrollment(
        g, external_id=g.enrollment, child=g.other_child, **{"class": "C1"}, monthly_fee="2100.00")), 409, None),
    # roster files
    "a UTF-16 CSV": (lambda g: g.f.post("/roster", content=csv(good_row()).decode().encode("utf-16")), 422, "file"),
    "GBK announced as UTF-8": (roster(csv(good_row(), header=HEADER.replace("family", "家庭编号")).decode()
                                      .encode("gbk"), encoding="utf-8"), 422, "encoding"),
    "an unknown encoding": (roster(csv(good_row()), encoding="latin-9"), 422, "encoding"),
    "missing columns": (roster(csv("A,B,2021-01-01,1", header="family,child,birth_date,birth_order")), 422,
                        "class"),
    "an unknown column": (roster(csv(good_row() + ",x", header=HEADER + ",remarks")), 422, "remarks"),
    "duplicate rows": (lambda g: g.f.post("/roster", content=csv(*[GOOD_ROW.format(fam="FAMD", kid="KD", enr="ED")] * 2)),
                       422, "enrollment"),
    "every row bad": (roster(csv(GOOD_ROW.format(fam="FAMB", kid="KB", enr="EB").replace("2021-03-10", "2021-02-30"))),
                      422, "birth_date"),
    "a zip that is no workbook": (roster(b"PK\x03\x04" + b"\x00" * 64), 422, "file"),
    "an empty body": (roster(b""), 422, "file"),
    "a header and no rows": (roster(csv()), 422, "file"),
    "a dry run with a bad row": (roster(csv(GOOD_ROW.format(fam="FAMR", kid="KR", enr="ER").replace(",C1,", ",C77,")),
                                        dry_run="true"), 422, "class"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_is_refused_with_a_problem_naming_the_field_and_nothing_is_written(desk, ground, case):
    send, status, field = CASES[case]
    before = desk.counts()
    response = send(ground)
    if case == "rate as a percentage":  # the facility's own key cannot set rates at all
        assert_problem(response, 404)
        response = desk.admin.post(f"/facilities/{ground.f.external_id}/rates",
                                   json={"rate": "12%", "effective_from": "2022-10-01"})
        field = "rate"
    assert_problem(response, status, field)
    assert desk.counts() == before
