"""Applying a roster to a facility: batches of rows checked against its records and written in one transaction.

For each batch the importer looks up, in a handful of queries, what the facility already holds under the batch's
ids (families, children, enrollments, national-ID hashes), checks each row with the same `rules` as the API, and
keeps what it accepted in memory so later rows see earlier ones. A row is all or nothing: its family, child and
enrollment are created together or the row is reported. Accepted rows are written with one statement per table per
batch (`unnest`) and their events with one call to `tuoyu.outbox.add_events` (a COPY, at this size).

Python and PostgreSQL take turns on a batch, so they are made to overlap: while PostgreSQL writes one batch's records,
Python builds its events and then reads and parses the next batch. The long Python loops give the event loop a turn
every `YIELD_EVERY` items so the statement waiting for its answer can send the next one.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Iterable

import asyncpg
import orjson

from enrollment.domain import rules, snapshots
from enrollment.domain.roster import ELSEWHERE, child_fingerprint, enrollment_fingerprint, lock_national_ids
from enrollment.importing import rows as roster_rows
from enrollment.importing.rows import RosterRow
from tuoyu import outbox
from tuoyu.envelope import Envelope
from tuoyu.hashing import keyed_hash

BATCH = 2000
YIELD_EVERY = 200


@dataclass(slots=True)
class Klass:
    id: int
    opened_on: date
    closed_on: date | None
    capacity: int
    occupancy: rules.Occupancy | None = None


@dataclass(slots=True)
class Child:
    id: int | None  # None until written
    family: str
    birth_date: date
    birth_order: int
    id_hash: str | None
    # What it was created as (JSON, read only when a row disagrees with what it is now). Kept this small because
    # an import may hold 100,000 children.
    created_as: str | None
    spans: list = field(default_factory=list)
    row: int | None = None  # the row of this file that created it

    def fingerprints(self) -> tuple[dict, ...]:
        """What a row may repeat: what the child is now, or what it was created as."""
        now = child_fingerprint(self.family, self.birth_date, self.birth_order, self.id_hash)
        return (now,) + ((json.loads(self.created_as),) if self.created_as else ())


@dataclass
class Report:
    rows: int = 0
    created: dict = field(default_factory=lambda: {"families": 0, "children": 0, "enrollments": 0})
    unchanged: int = 0
    errors: list[dict] = field(default_factory=list)

    def bad(self, row: int, column: str, reason: str) -> None:
        self.errors.append({"row": row, "column": column, "field": column, "reason": reason})


class RosterImport:
    """One import into one facility, inside the caller's transaction (which holds the facility's row lock)."""

    def __init__(self, conn: asyncpg.Connection, fid: int, facility: str, topic: str, pepper: str, today: date,
                 repeated: dict[str, list[int]]):
        self.conn, self.fid, self.facility, self.topic = conn, fid, facility, topic
        self.pepper, self.today, self.repeated = pepper, today, repeated
        self.report = Report()
        self.classes: dict[str, Klass] = {}
        self.families: dict[str, int | None] = {}  # external id → id (None: created by this import, not yet written)
        self.siblings: dict[str, list[rules.Sibling]] = {}
        self.children: dict[str, Child] = {}
        self.hash_owner: dict[str, str] = {}  # national-ID hash → child external id, at this facility
        self.elsewhere: dict[str, list] = {}  # national-ID hash → spans at other facilities
        # Enrollments of the current batch that exist already (an id cannot come back in a later batch: a
        # repeated enrollment id is a bad row wherever it appears).
        self.enrollments: dict[str, tuple[dict, ...]] = {}
        self._national_ids_locked = False

    async def start(self) -> None:
        rows = await self.conn.fetch("SELECT id, external_id, opened_on, closed_on, capacity FROM classes "
                                     "WHERE facility_id = $1", self.fid)
        self.classes = {r["external_id"]: Klass(r["id"], r["opened_on"], r["closed_on"], r["capacity"]) for r in rows}

    async def run(self, cells: Iterable[tuple[int, dict[str, str]]]) -> None:
        """Parse the rows (numbered cells) and apply them in batches, parsing the next while the last is applied."""
        report = self.report
        applying: asyncio.Task | None = None
        batch: list[RosterRow] = []
        try:
            for number, row_cells in cells:
                report.rows += 1
                parsed, problems = roster_rows.parse(number, row_cells, self.today)
                for column, reason in problems:
                    report.bad(number, column, reason)
                if parsed is not None:
                    batch.append(parsed)
                if len(batch) == BATCH:
                    if applying is not None:
                        await applying
                    applying = asyncio.create_task(self.batch(batch))
                    batch = []
                elif report.rows % YIELD_EVERY == 0:
                    await asyncio.sleep(0)
            if applying is not None:
                await applying
            if batch:
                await self.batch(batch)
        finally:
            if applying is not None and not applying.done():  # the request failed or was cancelled meanwhile
                applying.cancel()
                await asyncio.wait([applying])

    async def batch(self, rows: list[RosterRow]) -> None:
        for r in rows:
            if r.national_id is not None and not self._national_ids_locked:
                await lock_national_ids(self.conn)
                self._national_ids_locked = True
                break
        hashes = {r.row: keyed_hash(self.pepper, r.national_id) for r in rows if r.national_id}
        # The facility's tables grow by thousands of rows a batch inside this transaction, while their statistics
        # can say they are empty: autovacuum, cleaning up after a dry run, counts none of this transaction's rows
        # but cannot shrink the table while it runs. Believing the tables empty, the planner picks plans that
        # match every row against every id (a generic plan's unhashed `= ANY`, nested loops over whole tables):
        # 100,000-row imports took 400 s and more instead of 25. So the lookups are planned for their own arrays,
        # without nested loops, and cost at most a pass over the facility's rows whatever the statistics say.
        # (Not the writes: planning their arrays as constants doubles their cost.)
        await self.conn.execute("SET LOCAL plan_cache_mode = force_custom_plan; SET LOCAL enable_nestloop = off")
        await self._look_up(rows, set(hashes.values()))
        await self.conn.execute("SET LOCAL plan_cache_mode TO DEFAULT; SET LOCAL enable_nestloop TO DEFAULT")
        for name in {r.class_ for r in rows}:
            if name in self.classes:
                await self._occupancy(self.classes[name])
        new_families: list[str] = []
        new_children: list[tuple[str, Child]] = []
        new_enrollments: list[tuple[RosterRow, dict]] = []
        for r in rows:
            accepted = self._check(r, hashes.get(r.row))
            if accepted is None:
                continue
            family_new, child_new, enrollment = accepted
            if family_new:
                new_families.append(r.family)
            if child_new is not None:
                new_children.append((r.child, child_new))
            if enrollment is not None:
                new_enrollments.append((r, enrollment))
        records = asyncio.create_task(self._write(new_families, new_children, new_enrollments))
        try:
            events = await self._events(new_families, new_children, new_enrollments)
        finally:
            await asyncio.wait([records])  # never leave a statement running on the connection
        records.result()
        await outbox.add_events(self.conn, self.topic, events)

    # --- looking up what the facility holds ------------------------------------------------------------------------

    async def _look_up(self, rows: list[RosterRow], hashes: set[str]) -> None:
        conn, fid = self.conn, self.fid
        families = list({r.family for r in rows} - self.families.keys())
        if families:
            found = await conn.fetch("SELECT id, external_id FROM families WHERE facility_id = $1 "
                                     "AND external_id = ANY($2::text[])", fid, families)
            for f in found:
                self.families[f["external_id"]] = f["id"]
                self.siblings[f["external_id"]] = []
            if found:
                for s in await conn.fetch(
                        "SELECT fa.external_id AS family, c.external_id, c.birth_date, c.birth_order FROM children c "
                        "JOIN families fa ON fa.id = c.family_id WHERE c.family_id = ANY($1::bigint[])",
                        [f["id"] for f in found]):
                    self.siblings[s["family"]].append(rules.Sibling(s["external_id"], s["birth_date"],
                                                                    s["birth_order"]))
        children = list({r.child for r in rows} - self.children.keys())
        if children:
            found = await conn.fetch(
                "SELECT c.id, c.external_id, fa.external_id AS family, c.birth_date, c.birth_order, "
                "c.national_id_hash, c.created_as FROM children c JOIN families fa ON fa.id = c.family_id "
                "WHERE c.facility_id = $1 AND c.external_id = ANY($2::text[])", fid, children)
            by_id = {}
            for c in found:
                child = Child(c["id"], c["family"], c["birth_date"], c["birth_order"], c["national_id_hash"],
                              c["created_as"])
                self.children[c["external_id"]] = by_id[c["id"]] = child
            if by_id:
                for s in await conn.fetch("SELECT child_id, start_on, end_on FROM enrollments "
                                          "WHERE child_id = ANY($1::bigint[])", list(by_id)):
                    by_id[s["child_id"]].spans.append((s["start_on"], s["end_on"]))
        hashes = list(hashes - self.hash_owner.keys())
        if hashes:
            for h in await conn.fetch("SELECT national_id_hash, external_id FROM children WHERE facility_id = $1 "
                                      "AND national_id_hash = ANY($2::text[])", fid, hashes):
                self.hash_owner[h["national_id_hash"]] = h["external_id"]
            for h in hashes:
                self.elsewhere.setdefault(h, [])
            for s in await conn.fetch(
                    "SELECT c.national_id_hash, e.start_on, e.end_on FROM children c JOIN enrollments e "
                    "ON e.child_id = c.id WHERE c.national_id_hash = ANY($1::text[]) AND c.facility_id <> $2",
                    hashes, fid):
                self.elsewhere[s["national_id_hash"]].append((s["start_on"], s["end_on"]))
        self.enrollments = {}
        enrollments = list({r.enrollment for r in rows})
        if enrollments:
            for e in await conn.fetch(
                    "SELECT e.external_id, e.created_as, c.external_id AS child, k.external_id AS class, e.care, "
                    "e.start_on, e.end_on, (SELECT ef.fee_fen FROM enrollment_fees ef WHERE ef.enrollment_id = e.id "
                    "ORDER BY ef.effective_from LIMIT 1) AS fee_fen FROM enrollments e "
                    "JOIN children c ON c.id = e.child_id JOIN classes k ON k.id = e.class_id "
                    "WHERE e.facility_id = $1 AND e.external_id = ANY($2::text[])", fid, enrollments):
                now = enrollment_fingerprint(e["child"], e["class"], e["care"], e["start_on"], e["end_on"],
                                             e["fee_fen"])
                self.enrollments[e["external_id"]] = (now,) + ((json.loads(e["created_as"]),) if e["created_as"]
                                                               else ())

    async def _occupancy(self, klass: Klass) -> rules.Occupancy:
        if klass.occupancy is None:
            spans = await self.conn.fetch("SELECT start_on, end_on FROM enrollments WHERE class_id = $1", klass.id)
            klass.occupancy = rules.Occupancy(klass.capacity, [(s["start_on"], s["end_on"]) for s in spans])
        return klass.occupancy

    # --- checking one row ------------------------------------------------------------------------------------------

    def _check(self, r: RosterRow, id_hash: str | None):
        """(family is new, the new child or None, the new enrollment's fingerprint or None), or None when bad."""
        bad = self.report.bad
        if r.enrollment in self.repeated:
            rows = ", ".join(map(str, self.repeated[r.enrollment]))
            return bad(r.row, "enrollment", f"{r.enrollment!r} appears in more than one row of this file ({rows}): "
                                            "each enrollment once")
        klass = self.classes.get(r.class_)
        if klass is None:
            return bad(r.row, "class", f"no class {r.class_!r} at this facility (open it first)")
        family_new = r.family not in self.families

        child = self.children.get(r.child)
        wanted_child = child_fingerprint(r.family, r.birth_date, r.birth_order, id_hash)
        child_new = None
        if child is not None:
            diff = [] if wanted_child == child.fingerprints()[0] else rules.differing(wanted_child,
                                                                                      *child.fingerprints())
            if diff:
                where = f"row {child.row} of this file" if child.row else "the facility's records"
                return bad(r.row, diff[0], f"child {r.child!r} is registered with another {diff[0]} (in {where}); "
                                           "corrections go through PATCH /facilities/{f}/children/{c}")
        else:
            if id_hash is not None and id_hash in self.hash_owner:
                return bad(r.row, "national_id", f"this facility already registered the child as "
                                                 f"{self.hash_owner[id_hash]!r}")
            siblings = self.siblings.get(r.family, [])
            problem = rules.birth_order_problem(siblings + [rules.Sibling(r.child, r.birth_date, r.birth_order)])
            if problem:
                return bad(r.row, *problem)
            child_new = Child(None, r.family, r.birth_date, r.birth_order, id_hash, None, row=r.row)
            child = child_new

        wanted = enrollment_fingerprint(r.child, r.class_, r.care, r.start, r.end, r.fee_fen)
        known = self.enrollments.get(r.enrollment)
        if known is not None:
            diff = rules.differing(wanted, *known)
            if diff:
                return bad(r.row, diff[0], f"enrollment {r.enrollment!r} exists with another {diff[0]}")
            self.report.unchanged += 1
            return None
        problem = rules.enrollment_dates_problem(r.start, r.end, r.birth_date, klass.opened_on, klass.closed_on)
        if problem:
            return bad(r.row, *problem)
        for s, e in child.spans:
            if rules.overlaps(r.start, r.end, s, e):
                return bad(r.row, "start", f"child {r.child!r} is already enrolled on some of these days")
        if id_hash is not None and any(rules.overlaps(r.start, r.end, s, e) for s, e in self.elsewhere[id_hash]):
            return bad(r.row, "child", ELSEWHERE)
        occupancy = klass.occupancy  # loaded by `batch` for every class the batch names
        problem = occupancy.problem(r.start, r.end)
        if problem:
            return bad(r.row, *problem)

        # Accepted: remember it, so that later rows see it.
        occupancy.add(r.start, r.end)
        child.spans.append((r.start, r.end))
        if family_new:
            self.families[r.family] = None
            self.siblings[r.family] = []
        if child_new is not None:
            self.children[r.child] = child_new
            self.siblings[r.family].append(rules.Sibling(r.child, r.birth_date, r.birth_order))
            if id_hash is not None:
                self.hash_owner[id_hash] = r.child
        return family_new, child_new, wanted

    # --- writing ---------------------------------------------------------------------------------------------------

    async def _write(self, families: list[str], children: list[tuple[str, Child]],
                     enrollments: list[tuple[RosterRow, dict]]) -> None:
        """The batch's records, one statement per table; later batches find their ids in memory."""
        conn, fid = self.conn, self.fid
        if families:
            rows = await conn.fetch(
                "INSERT INTO families (facility_id, external_id, created_as) SELECT $1, x, $3 "
                "FROM unnest($2::text[]) AS x RETURNING id, external_id", fid, families, json.dumps({"name": None}))
            self.families.update({r["external_id"]: r["id"] for r in rows})
        if children:
            rows = await conn.fetch(
                "INSERT INTO children (facility_id, family_id, external_id, birth_date, birth_order, national_id_hash,"
                " created_as) SELECT $1, * FROM unnest($2::bigint[], $3::text[], $4::date[], $5::smallint[], "
                "$6::text[], $7::jsonb[]) RETURNING id, external_id", fid,
                [self.families[c.family] for _, c in children], [k for k, _ in children],
                [c.birth_date for _, c in children], [c.birth_order for _, c in children],
                [c.id_hash for _, c in children], [_json(c.fingerprints()[0]) for _, c in children])
            ids = {r["external_id"]: r["id"] for r in rows}
            for key, child in children:
                child.id = ids[key]
        if enrollments:
            rows = await conn.fetch(
                "INSERT INTO enrollments (facility_id, child_id, class_id, external_id, care, start_on, end_on, "
                "created_as) SELECT $1, * FROM unnest($2::bigint[], $3::bigint[], $4::text[], $5::text[], "
                "$6::date[], $7::date[], $8::jsonb[]) RETURNING id, external_id", fid,
                [self.children[r.child].id for r, _ in enrollments], [self.classes[r.class_].id for r, _ in enrollments],
                [r.enrollment for r, _ in enrollments], [r.care for r, _ in enrollments],
                [r.start for r, _ in enrollments], [r.end for r, _ in enrollments],
                [_json(w) for _, w in enrollments])
            ids = {r["external_id"]: r["id"] for r in rows}
            await conn.copy_records_to_table(
                "enrollment_fees", columns=["enrollment_id", "effective_from", "fee_fen"],
                records=[(ids[r.enrollment], r.start, r.fee_fen) for r, _ in enrollments])
        self.report.created["families"] += len(families)
        self.report.created["children"] += len(children)
        self.report.created["enrollments"] += len(enrollments)

    async def _events(self, families: list[str], children: list[tuple[str, Child]],
                      enrollments: list[tuple[RosterRow, dict]]) -> list[Envelope]:
        """The batch's events, in the order the API would publish them: families, children, enrollments."""
        facility = self.facility
        recorded_at = datetime.now(timezone.utc)  # the batch is recorded at once

        def event(type_: str, occurred_on: date, **payload) -> Envelope:
            return snapshots.event(type_, occurred_on, facility, recorded_at=recorded_at, **payload)

        events: list[Envelope] = []
        for f in families:
            events.append(event("FamilyRegistered", self.today, family=snapshots.family_of(facility, f)))
            if len(events) % YIELD_EVERY == 0:
                await asyncio.sleep(0)
        for key, child in children:
            events.append(event("ChildRegistered", self.today, child=snapshots.child_of(
                facility, child.family, key, child.birth_date, child.birth_order, 1)))
            if len(events) % YIELD_EVERY == 0:
                await asyncio.sleep(0)
        for r, _ in enrollments:
            events.append(event("ChildEnrolled", r.start, enrollment=snapshots.enrollment_of(
                facility, r.enrollment, r.child, r.class_, r.care, r.start, r.end, [(r.start, r.fee_fen)], 1)))
            if len(events) % YIELD_EVERY == 0:
                await asyncio.sleep(0)
        return events


def _json(value: dict) -> str:
    """A jsonb parameter (orjson: a batch has thousands)."""
    return orjson.dumps(value).decode()

