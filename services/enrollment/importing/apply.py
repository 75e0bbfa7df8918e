"""Applying a roster to a facility: batches of rows checked against its records and written in one unit of work.

For each batch the importer looks up through the store, in a handful of queries, what the facility already holds
under the batch's ids (families, children, enrollments, national-ID hashes), checks each row with the same domain
decisions as the API (`children.register_child`, `enrollments.decide`), and keeps what it accepted in memory so
later rows see earlier ones. A row is all or nothing: its family, child and enrollment are created together or the
row is reported. Accepted rows are written with the store's batch functions (one statement per table per batch)
and their events flushed to the outbox by the unit of work (a COPY, at this size). Before the first batch the import
locks every national ID of the file in one sorted statement (`start`), so imports sharing IDs never deadlock.

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

import orjson

from enrollment.domain import children, enrollments, rules, snapshots
from enrollment.domain.enrollments import Enrollment, Facts
from enrollment.importing import rows as roster_rows
from enrollment.importing.rows import RosterRow
from enrollment.store import children as children_store, classes as classes_store, enrollments as enrollments_store
from enrollment.store import families as families_store, records
from enrollment.store.plans import planned_for_arrays
from enrollment.store.unit_of_work import UnitOfWork
from tuoyu import national_id
from tuoyu.envelope import Envelope
from tuoyu.errors import InvalidInput
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
    external_id: str
    family: str
    birth_date: date
    birth_order: int
    id_hash: str | None
    # What it was created as (JSON, read only when a row disagrees with what it is now). Kept this small because
    # an import may hold 100,000 children.
    created_as: str | None
    spans: list = field(default_factory=list)  # (enrollment, start, end)

    def fingerprints(self) -> tuple[dict, ...]:
        """What a row may repeat: what the child is now, or what it was created as."""
        now = children.fingerprint(self.family, self.birth_date, self.birth_order, self.id_hash)
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
    """One import into one facility, inside the caller's unit of work (which holds the facility's row lock)."""

    def __init__(self, uow: UnitOfWork, fid: int, facility: str, pepper: str, today: date,
                 repeated: dict[str, list[int]], filed: bool):
        self.uow, self.conn, self.fid, self.facility = uow, uow.conn, fid, facility
        self.pepper, self.today, self.repeated, self.filed = pepper, today, repeated, filed
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
        # How each family, child and enrollment id is spelled here (file and database), by its lower case: ids are
        # unique without regard to case, so "fam1" beside "FAM1" is a bad row, not a second family.
        self.spelling: dict[str, dict[str, str]] = {"family": {}, "child": {}, "enrollment": {}}
        self.hash_of: dict[str, str] = {}  # national ID (normalised) → keyed hash, for every ID of the file

    async def start(self, national_ids: Iterable[str]) -> None:
        """Read the facility's classes and lock every national ID of the file (the reader's first pass found them).

        All at once, in one statement (sorted by hash), before the first batch: two imports at once whose files share
        IDs then take them in the same order, so one waits for the other instead of both waiting in a circle (which
        PostgreSQL would end by failing one). An invalid number is refused with its row and needs no lock."""
        self.hash_of, valid = await asyncio.to_thread(self._hashes, national_ids)  # 50,000: off the event loop
        if valid:
            await enrollments_store.lock_national_ids(self.conn, valid)
        self.classes = {r["external_id"]: Klass(r["id"], r["opened_on"], r["closed_on"], r["capacity"])
                        for r in await classes_store.of_facility(self.conn, self.fid)}

    def _hashes(self, national_ids: Iterable[str]) -> tuple[dict[str, str], list[str]]:
        """Each number as a row holds it (normalised) → its keyed hash; and the hashes of the valid numbers."""
        hash_of = {number: keyed_hash(self.pepper, number) for number in map(national_id.normalised, national_ids)}
        return hash_of, [h for number, h in hash_of.items() if national_id.problem(number) is None]

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
        # Locked by `start`: where they are enrolled elsewhere is read after the lock.
        hashes = {r.row: self.hash_of[r.national_id] for r in rows if r.national_id}  # normalised
        async with planned_for_arrays(self.conn):
            await self._look_up(rows, set(hashes.values()))
        for name in {r.class_ for r in rows}:
            if name in self.classes:
                await self._occupancy(self.classes[name])
        new_families: list[str] = []
        new_children: list[Child] = []
        new_enrollments: list[Enrollment] = []
        for r in rows:
            accepted = self._check(r, hashes.get(r.row))
            if accepted is None:
                continue
            family_new, child_new, enrollment = accepted
            if family_new:
                new_families.append(r.family)
            if child_new is not None:
                new_children.append(child_new)
            if enrollment is not None:
                new_enrollments.append(enrollment)
        records = asyncio.create_task(self._write(new_families, new_children, new_enrollments))
        try:
            events = await self._events(new_families, new_children, new_enrollments)
        finally:
            await asyncio.wait([records])  # never leave a statement running on the connection
        records.result()
        self.uow.publish(events)
        await self.uow.flush()

    # --- looking up what the facility holds ------------------------------------------------------------------------

    async def _look_up(self, rows: list[RosterRow], hashes: set[str]) -> None:
        conn, fid = self.conn, self.fid
        families = list({r.family for r in rows} - self.families.keys())
        if families:
            found = await families_store.ids_of(conn, fid, families)
            self.families.update(found)
            for family in found:
                self.siblings[family] = []
            if found:
                for family, sibling in await children_store.siblings_of_families(conn, list(found.values())):
                    self.siblings[family].append(sibling)
        wanted = list({r.child for r in rows} - self.children.keys())
        if wanted:
            by_id = {}
            for c in await children_store.of(conn, fid, wanted):
                child = Child(c["id"], c["external_id"], c["family"], c["birth_date"], c["birth_order"],
                              c["national_id_hash"], c["created_as"])
                self.children[c["external_id"]] = by_id[c["id"]] = child
            if by_id:
                for child_id, span in await enrollments_store.spans_of_children(conn, list(by_id)):
                    by_id[child_id].spans.append(span)
        hashes = list(hashes - self.hash_owner.keys())
        if hashes:
            self.hash_owner.update(await children_store.owners(conn, fid, hashes))
            for h in hashes:
                self.elsewhere.setdefault(h, [])
            for h, start, end in await enrollments_store.elsewhere(conn, fid, hashes):
                self.elsewhere[h].append((start, end))
        ids = list({r.enrollment for r in rows})
        self.enrollments = await enrollments_store.fingerprints(conn, fid, ids) if ids else {}
        for kind, table, names in (("family", "families", {r.family for r in rows}),
                                   ("child", "children", {r.child for r in rows}), ("enrollment", "enrollments", ids)):
            self.spelling[kind].update(await records.spelled(conn, table, fid, list(names)))

    async def _occupancy(self, klass: Klass) -> rules.Occupancy:
        if klass.occupancy is None:
            spans = await classes_store.spans(self.conn, klass.id)
            klass.occupancy = rules.Occupancy(klass.capacity, [(s, e) for _, s, e in spans])
        return klass.occupancy

    # --- checking one row ------------------------------------------------------------------------------------------

    def _check(self, r: RosterRow, id_hash: str | None):
        """(family is new, the new child or None, the new enrollment or None), or None when the row is bad."""
        if r.enrollment in self.repeated:
            rows = ", ".join(map(str, self.repeated[r.enrollment]))
            return self.report.bad(r.row, "enrollment", f"{r.enrollment!r} appears in more than one row of this "
                                                        f"file ({rows}): each enrollment once")
        for kind, value in (("family", r.family), ("child", r.child), ("enrollment", r.enrollment)):
            spelled = self.spelling[kind].get(value.lower(), value)
            if spelled != value:
                return self.report.bad(r.row, kind, f"{value!r} differs only in case from {kind} {spelled!r}: external "
                                                    "ids are compared without regard to case")
        klass = self.classes.get(r.class_)
        if klass is None:
            return self.report.bad(r.row, *rules.missing("class", r.class_))
        family_new = r.family not in self.families
        child = self.children.get(r.child)
        child_new = None
        new = Enrollment(r.enrollment, r.child, r.class_, r.care, r.start, r.end, r.fee_fen)
        try:
            # The facility is not revoked: the import refused to start otherwise.
            if children.register_child(
                    children.Child(r.child, r.family, r.birth_date, r.birth_order, id_hash, r.national_id),
                    existing=child.fingerprints() if child is not None else None, revoked_on=None,
                    filed=self.filed, today=self.today,
                    registered_as=self.hash_owner.get(id_hash) if id_hash else None,
                    siblings=self.siblings.get(r.family, [])):
                child = child_new = Child(None, r.child, r.family, r.birth_date, r.birth_order, id_hash, None)
            enroll = enrollments.decide(new, Facts(
                existing=self.enrollments.get(r.enrollment), birth_date=child.birth_date,
                opened_on=klass.opened_on, closed_on=klass.closed_on,
                occupancy=klass.occupancy,  # loaded by `batch` for every class the batch names
                child_spans=child.spans, elsewhere=self.elsewhere[id_hash] if id_hash else ()), self.today)
        except (InvalidInput, rules.Differs) as refused:
            return self.report.bad(r.row, *rules.problem_of(refused))
        if not enroll:
            self.report.unchanged += 1
            return None

        # Accepted: remember it, so that later rows see it.
        klass.occupancy.add(r.start, r.end)
        child.spans.append((r.enrollment, r.start, r.end))
        for kind, value in (("family", r.family), ("child", r.child), ("enrollment", r.enrollment)):
            self.spelling[kind][value.lower()] = value
        if family_new:
            self.families[r.family] = None
            self.siblings[r.family] = []
        if child_new is not None:
            self.children[r.child] = child_new
            self.siblings[r.family].append(rules.Sibling(r.child, r.birth_date, r.birth_order))
            if id_hash is not None:
                self.hash_owner[id_hash] = r.child
        return family_new, child_new, new

    # --- writing ---------------------------------------------------------------------------------------------------

    async def _write(self, families: list[str], new_children: list[Child], new: list[Enrollment]) -> None:
        """The batch's records, one statement per table; later batches find their ids in memory."""
        conn, fid = self.conn, self.fid
        if families:
            self.families.update(await families_store.insert_many(conn, fid, families))
        if new_children:
            ids = await children_store.insert_many(
                conn, fid, [self.families[c.family] for c in new_children], new_children,
                [_json(c.fingerprints()[0]) for c in new_children])
            for child in new_children:
                child.id = ids[child.external_id]
        if new:
            await enrollments_store.insert_many(
                conn, fid, [self.children[e.child].id for e in new], [self.classes[e.class_].id for e in new], new,
                [_json(e.fingerprint()) for e in new])
        self.report.created["families"] += len(families)
        self.report.created["children"] += len(new_children)
        self.report.created["enrollments"] += len(new)

    async def _events(self, families: list[str], new_children: list[Child], new: list[Enrollment]
                      ) -> list[Envelope]:
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
        for child in new_children:
            events.append(event("ChildRegistered", self.today, child=snapshots.child_of(
                facility, child.family, child.external_id, child.birth_date, child.birth_order, 1)))
            if len(events) % YIELD_EVERY == 0:
                await asyncio.sleep(0)
        for e in new:
            events.append(event("ChildEnrolled", e.start, enrollment=snapshots.enrollment_of(
                facility, e.external_id, e.child, e.class_, e.care, e.start, e.end, [(e.start, e.fee_fen)], 1)))
            if len(events) % YIELD_EVERY == 0:
                await asyncio.sleep(0)
        return events


def _json(value: dict) -> str:
    """A jsonb parameter (orjson: a batch has thousands)."""
    return orjson.dumps(value).decode()
