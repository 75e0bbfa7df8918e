"""The national-ID check locks per ID (issue 14): the same child sent to two facilities at once is enrolled once,
while an ID held by another transaction stops no enrollment of another ID, of a child without one, or a roster
import of other IDs; two imports sharing IDs in opposite orders both finish (one waits for the other)."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager

import asyncpg
import pytest

from enrollment.importing.apply import BATCH
from enrollment.store.enrollments import lock_national_ids
from tests.integration.enrollment.conftest import fresh_national_id, uid
from tests.stack import pg_admin_dsn

HEADER = "family,child,birth_date,birth_order,national_id,class,enrollment,monthly_fee,start,end\n"


def body(child: str, start: str = "2022-09-01") -> dict:
    return {"external_id": uid("E"), "child": child, "class": "C1", "monthly_fee": "2000.00", "start": start}


def id_hash(desk, child: str) -> str:
    return desk.world.query("enrollment", f"SELECT national_id_hash FROM children WHERE external_id = '{child}'")[0][0]


@asynccontextmanager
async def holding(desk, child: str, row_exists: bool = False):
    """An open transaction holding the lock of this child's national ID, as an enrollment would (rolled back at
    the end, or when the test releases it); `row_exists`: the ID was locked once before (its row is there)."""
    conn = await asyncpg.connect(pg_admin_dsn().rsplit("/", 1)[0] + f"/{desk.world.namespace}_enrollment")
    try:
        if row_exists:
            async with conn.transaction():
                await lock_national_ids(conn, [id_hash(desk, child)])
        transaction = conn.transaction()
        await transaction.start()
        await lock_national_ids(conn, [id_hash(desk, child)])
        yield transaction
    finally:
        await conn.close()


def test_the_same_child_sent_to_two_facilities_at_once_is_enrolled_at_one(desk):
    for _ in range(5):
        number = fresh_national_id()
        a, b = desk.facility(), desk.facility()
        (_, at_a), (_, at_b) = desk.child(a, national_id=number), desk.child(b, national_id=number)
        with ThreadPoolExecutor(2) as pool:
            answers = list(pool.map(lambda fc: fc[0].post("/enrollments", json=body(fc[1])), [(a, at_a), (b, at_b)]))
        assert sorted(r.status_code for r in answers) == [201, 422], [r.text for r in answers]
        stored = desk.world.query("enrollment", "SELECT count(*) FROM enrollments e JOIN children c ON c.id = "
                                                f"e.child_id WHERE c.external_id IN ('{at_a}', '{at_b}')")
        assert stored[0][0] == 1


@pytest.mark.parametrize("row_exists", [False, True])
async def test_an_id_held_by_another_transaction_stops_no_enrollment_of_another_id_or_of_a_child_without_one(
        desk, row_exists):
    f, g = desk.facility(), desk.facility()
    _, held = desk.child(f, national_id=fresh_national_id())
    _, other = desk.child(g, national_id=fresh_national_id())
    _, without = desk.child(g)
    async with holding(desk, held, row_exists) as transaction:
        # Both complete while the first ID's lock is held (a global lock would keep them waiting until the end).
        for child in (other, without):
            answer = await asyncio.wait_for(asyncio.to_thread(g.post, "/enrollments", json=body(child)), 10)
            assert answer.status_code == 201, answer.text
        # The held ID's own enrollment waits for it, and goes through once it is released.
        waiting = asyncio.ensure_future(asyncio.to_thread(f.post, "/enrollments", json=body(held)))
        done, _ = await asyncio.wait([waiting], timeout=1.5)
        assert not done
        await transaction.rollback()
        assert (await asyncio.wait_for(waiting, 10)).status_code == 201


async def test_a_roster_import_of_other_ids_completes_while_one_id_is_held(desk):
    f, g = desk.facility(), desk.facility()
    _, held = desk.child(f, national_id=fresh_national_id())
    rows = "".join(f"{uid('FAM')},{uid('K')},2021-03-10,1,{fresh_national_id()},C1,{uid('E')},2000.00,2022-09-01,\n"
                   for _ in range(3))
    async with holding(desk, held):
        answer = await asyncio.wait_for(asyncio.to_thread(g.post, "/roster", content=(HEADER + rows).encode()), 10)
        assert answer.status_code == 200, answer.text
        assert answer.json()["created"]["enrollments"] == 3


def test_two_imports_sharing_ids_in_opposite_orders_both_finish_and_enroll_each_child_once(desk):
    # Each file names the shared IDs in its first batch and in its last, the other file the other way round: had
    # each batch locked its own IDs, the two would each hold what the other waits for, and PostgreSQL would end one.
    first, last = [fresh_national_id() for _ in range(10)], [fresh_national_id() for _ in range(10)]
    classes = [(f"C{c}", "2022-09-01", 500) for c in range(6)]
    f, g = desk.facility(classes=classes), desk.facility(classes=classes)
    kids: list[str] = []

    def roster(ids_first: list[str], ids_last: list[str]) -> bytes:
        rows = []
        for i, number in enumerate(ids_first + [""] * BATCH + ids_last):
            kid = uid("K")
            kids.extend([kid] if number else [])
            rows.append(f"{uid('FAM')},{kid},2021-03-10,1,{number},C{i % 6},{uid('E')},2000.00,2022-09-01,\n")
        return (HEADER + "".join(rows)).encode()

    files = [(f, roster(first, last)), (g, roster(last, first))]
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda fc: fc[0].post("/roster", content=fc[1]), files))
    assert [a.status_code for a in answers] == [200, 200], [a.text[:300] for a in answers]
    # The first to lock takes every shared ID; the other waits for it, then finds them all enrolled there.
    assert sorted(a.json()["created"]["enrollments"] for a in answers) == [BATCH, BATCH + 20]
    per_id = desk.world.query("enrollment", "SELECT count(*) FROM enrollments e JOIN children c ON c.id = "
                                            "e.child_id WHERE c.external_id IN (" + ", ".join(f"'{k}'" for k in kids)
                              + ") GROUP BY c.national_id_hash")
    assert sorted(n for n, in per_id) == [1] * 20
