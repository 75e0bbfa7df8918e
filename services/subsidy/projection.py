"""The subsidy service's view of the facts, kept current from enrollment events.

Events arrive decoded into the shared payload models (`tuoyu.events.decoding`); what this view reads of each is
declared in `tuoyu.events.registry` (consumer "subsidy") and held to the producer's models by the contract tests.

Each event carries the whole record after the change; a record is replaced only by a higher `version`, so a
redelivered or out-of-date event changes nothing. A batch is applied set-wise: the latest snapshot of each record
in the batch is copied (COPY) into a staging table, and one `INSERT … SELECT … ON CONFLICT` per table applies it,
so replaying the topic runs at bulk speed. COPY rather than array parameters: asyncpg checks every array element's
type in Python, which cost more than the inserts. A staged row finds the child or family it names through a scalar
subquery, an index probe: as a join, the planner hashed the whole children or families table for every batch of a
replay, a cost that grows with the view.
"""

from __future__ import annotations

import asyncpg
import msgspec

from tuoyu.events.decoding import Event
from tuoyu.events.payloads import (ChildSnapshot, ClassSnapshot, EnrollmentEnded, EnrollmentSnapshot,
                                   FacilitySnapshot, FamilySnapshot, JurisdictionAdded)
from tuoyu.events.records import Child, Class, Enrollment, Facility
from tuoyu.money import parse_cny

# Temporary: private to the connection, emptied when each batch's transaction commits.
_STAGING_TABLES = """
CREATE TEMP TABLE IF NOT EXISTS incoming_facilities (external_id text, kind text, serves_meals bool, filed_on date,
    fire_safety_certified_on date, food_licence_on date, revoked_on date, rates jsonb, reviews jsonb, version int,
    jurisdictions jsonb) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS incoming_classes (facility text, external_id text, opened_on date, closed_on date,
    confirmed_on date, version int) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS incoming_families (facility text, external_id text, household text)
    ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS incoming_children (facility text, external_id text, family text, birth_date date,
    birth_order smallint, version int) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS incoming_enrollments (facility text, external_id text, child text, class text,
    start_on date, end_on date, version int) ON COMMIT DELETE ROWS;
"""


def _keep_latest(snapshots: dict, key, snapshot) -> None:
    held = snapshots.get(key)
    if held is None or held.version < snapshot.version:
        snapshots[key] = snapshot


async def apply_batch(conn: asyncpg.Connection, events: list[Event]) -> None:
    facilities, classes, families, children, enrollments, jurisdictions = {}, {}, {}, {}, {}, {}
    for event in events:
        match event.payload:
            case JurisdictionAdded(jurisdiction=jurisdiction):
                jurisdictions[jurisdiction.code] = jurisdiction
            case FacilitySnapshot(facility=facility):
                _keep_latest(facilities, facility.external_id, facility)
            case ClassSnapshot(class_=class_):
                _keep_latest(classes, (class_.facility, class_.external_id), class_)
            case FamilySnapshot(family=family):
                families[(family.facility, family.external_id)] = family.household
            case ChildSnapshot(child=child):
                _keep_latest(children, (child.facility, child.external_id), child)
                families.setdefault((child.facility, child.family), None)
            case EnrollmentSnapshot(enrollment=enrollment) | EnrollmentEnded(enrollment=enrollment):
                _keep_latest(enrollments, (enrollment.facility, enrollment.external_id), enrollment)
    if jurisdictions:
        # Added once and never changed: a redelivered event finds its row.
        await conn.executemany("INSERT INTO jurisdictions (code, name, parent) VALUES ($1, $2, $3) "
                               "ON CONFLICT (code) DO NOTHING",
                               [(j.code, j.name, j.parent) for j in jurisdictions.values()])
    if not (facilities or classes or families or enrollments):
        return
    await conn.execute(_STAGING_TABLES)
    if facilities:
        await _facilities(conn, facilities.values())
    if classes:
        await _classes(conn, classes.values())
    if families:
        # A family's household is set when it is registered and never changes; a child's event names only the family.
        await conn.copy_records_to_table("incoming_families", records=[(*key, household)
                                                                        for key, household in families.items()])
        await conn.execute("INSERT INTO families (facility, external_id, household) SELECT * FROM incoming_families "
                           "ON CONFLICT (facility, external_id) DO UPDATE SET household = excluded.household "
                           "WHERE excluded.household IS NOT NULL")
    if children:
        await _children(conn, children.values())
    if enrollments:
        await _enrollments(conn, enrollments)


def _json(records: tuple) -> str:
    """Rates, reviews or jurisdictions as the jsonb text of their wire form ({"from": …, "rate": …}), which the
    rules read."""
    return msgspec.json.encode(records).decode()


async def _facilities(conn, snapshots: list[Facility]) -> None:
    await conn.copy_records_to_table("incoming_facilities", records=[
        (f.external_id, f.kind, f.serves_meals, f.filed_on, f.fire_safety_certified_on, f.food_licence_on,
         f.revoked_on, _json(f.rates), _json(f.reviews), f.version, _json(f.jurisdictions)) for f in snapshots])
    await conn.execute(
        "INSERT INTO facilities (external_id, kind, serves_meals, filed_on, fire_safety_certified_on, food_licence_on,"
        " revoked_on, rates, reviews, version, jurisdictions) SELECT * FROM incoming_facilities "
        "ON CONFLICT (external_id) DO UPDATE SET kind = excluded.kind, serves_meals = excluded.serves_meals, "
        "filed_on = excluded.filed_on, fire_safety_certified_on = excluded.fire_safety_certified_on, "
        "food_licence_on = excluded.food_licence_on, revoked_on = excluded.revoked_on, rates = excluded.rates, "
        "reviews = excluded.reviews, version = excluded.version, jurisdictions = excluded.jurisdictions "
        "WHERE facilities.version < excluded.version")


async def _classes(conn, snapshots: list[Class]) -> None:
    await conn.copy_records_to_table("incoming_classes", records=[
        (c.facility, c.external_id, c.opened_on, c.closed_on, c.confirmed_on, c.version) for c in snapshots])
    await conn.execute(
        "INSERT INTO classes (facility, external_id, opened_on, closed_on, confirmed_on, version) "
        "SELECT * FROM incoming_classes ON CONFLICT (facility, external_id) DO UPDATE SET "
        "opened_on = excluded.opened_on, closed_on = excluded.closed_on, confirmed_on = excluded.confirmed_on, "
        "version = excluded.version WHERE classes.version < excluded.version")


async def _children(conn, snapshots: list[Child]) -> None:
    await conn.copy_records_to_table("incoming_children", records=[
        (c.facility, c.external_id, c.family, c.birth_date, c.birth_order, c.version) for c in snapshots])
    # Every child's family row was upserted just before (`apply_batch`), so the lookup always finds one.
    await conn.execute(
        "INSERT INTO children (facility, external_id, family_id, birth_date, birth_order, version) "
        "SELECT k.facility, k.external_id, (SELECT fa.id FROM families fa WHERE fa.facility = k.facility AND "
        "fa.external_id = k.family), k.birth_date, k.birth_order, k.version FROM incoming_children k "
        "ON CONFLICT (facility, external_id) DO UPDATE SET family_id = excluded.family_id, "
        "birth_date = excluded.birth_date, birth_order = excluded.birth_order, version = excluded.version "
        "WHERE children.version < excluded.version")


async def _enrollments(conn, latest: dict[tuple[str, str], Enrollment]) -> None:
    await conn.copy_records_to_table("incoming_enrollments", records=[
        (e.facility, e.external_id, e.child, e.class_, e.start, e.end, e.version) for e in latest.values()])
    try:
        # An enrollment replaced by a newer version loses its old fees; the new ones are copied in below.
        changed = await conn.fetch(
            "WITH changed AS (INSERT INTO enrollments (facility, external_id, child_id, class, start_on, end_on, "
            "version) SELECT e.facility, e.external_id, (SELECT c.id FROM children c WHERE c.facility = e.facility AND "
            "c.external_id = e.child), e.class, e.start_on, e.end_on, e.version FROM incoming_enrollments e "
            "ON CONFLICT (facility, external_id) DO UPDATE SET child_id = excluded.child_id, class = excluded.class,"
            " start_on = excluded.start_on, end_on = excluded.end_on, version = excluded.version, "
            "applied_at = clock_timestamp() WHERE enrollments.version < excluded.version "
            "RETURNING id, facility, external_id), "
            "cleared AS (DELETE FROM enrollment_fees WHERE enrollment_id = ANY(ARRAY(SELECT id FROM changed))) "
            "SELECT id, facility, external_id FROM changed")
    except asyncpg.NotNullViolationError as missing:
        # Events of one facility keep their order, so each enrollment's child is already in the view; if one is
        # not, fail the batch (it is retried) rather than drop the enrollment.
        raise LookupError(f"an enrollment names a child not in the view: {missing.detail}") from missing
    await conn.copy_records_to_table("enrollment_fees", columns=["enrollment_id", "effective_from", "fee_fen"], records=[
        (enrollment_id, fee.effective_from, parse_cny(fee.monthly_fee))
        for enrollment_id, facility, external_id in changed for fee in latest[(facility, external_id)].fees])
