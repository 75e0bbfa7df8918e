"""A facility's roster, one record at a time: classes, families, children, enrollments, and their changes.

Each handler reads through the store what its decision needs, asks the domain (the same functions the roster import
asks for each row), writes through the store what was decided, and returns the record's snapshot, whether it was
created, and the events for the unit of work to put in the outbox. Each runs inside the caller's transaction, which
holds the facility's row lock (an enrollment: the class's and the child's; see `store.enrollments.attempt`).
"""

from __future__ import annotations

from datetime import date

import asyncpg

from enrollment.domain import children, classes, enrollments, snapshots
from enrollment.domain.models import (ChildCorrection, ClassChange, FeeChange, NewChild, NewClass, NewEnrollment,
                                      NewFamily, Withdrawal)
from enrollment.store import children as children_store, classes as classes_store, enrollments as enrollments_store
from enrollment.store import families as families_store
from enrollment.store.facilities import filed_and_revoked, revoked_on
from enrollment.store.records import existing_id, named_id
from tuoyu import national_id
from tuoyu.envelope import Envelope
from tuoyu.hashing import keyed_hash
from tuoyu.money import parse_cny

Events = list[Envelope]
FIRST_VERSION = 1  # a new record's (the tables' default)
Conn = asyncpg.Connection


# --- classes -------------------------------------------------------------------------------------------------------

async def open_class(conn: Conn, fid: int, facility_key: str, new: NewClass) -> tuple[dict, bool, Events]:
    found = await classes_store.existing(conn, fid, new.external_id)
    if not classes.opening(new, found and found[1], await revoked_on(conn, fid)):
        return found[1][1], False, []
    class_id = await classes_store.insert(conn, fid, new, new.model_dump(mode="json", exclude={"external_id"}))
    snapshot = await classes_store.snapshot(conn, class_id)
    return snapshot, True, [snapshots.event("ClassOpened", new.opened_on, facility_key, **{"class": snapshot})]


async def change_class(conn: Conn, fid: int, facility_key: str, external_id: str, change: ClassChange, today: date
                       ) -> tuple[dict, Events]:
    """Close a class, rename it or change its capacity; refused when its enrollments would no longer fit."""
    class_id = await existing_id(conn, "classes", fid, external_id)
    before = await classes_store.snapshot(conn, class_id)
    changed = classes.change(before, change, await classes_store.spans(conn, class_id))
    if not changed:
        return before, []
    await classes_store.update(conn, class_id, changed["name"], changed["closed_on"], changed["capacity"])
    snapshot = await classes_store.snapshot(conn, class_id)
    if changed["closing"]:
        return snapshot, [snapshots.event("ClassClosed", changed["closed_on"], facility_key, **{"class": snapshot})]
    return snapshot, [snapshots.event("ClassChanged", today, facility_key, **{"class": snapshot})]


# --- families and children -----------------------------------------------------------------------------------------

async def register_family(conn: Conn, fid: int, facility_key: str, new: NewFamily, pepper: str, today: date
                          ) -> tuple[dict, bool, Events]:
    found = await families_store.existing(conn, fid, new.external_id)
    guardian = children.Guardian.of(pepper, new.guardian_id)
    filed, revoked = await filed_and_revoked(conn, fid)
    if not children.register_family(new.external_id, new.name, found and found[1], revoked, guardian, filed):
        return await families_store.snapshot(conn, found[0]), False, []
    family_id = await families_store.insert(conn, fid, new.external_id, new.name, guardian)
    snapshot = await families_store.snapshot(conn, family_id)
    return snapshot, True, [snapshots.event("FamilyRegistered", today, facility_key, family=snapshot)]


async def register_child(conn: Conn, fid: int, facility_key: str, new: NewChild, pepper: str, today: date
                         ) -> tuple[dict, bool, Events]:
    family_id = await named_id(conn, "families", fid, new.family, "family")
    number = national_id.normalised(new.national_id) if new.national_id else None
    child = children.Child(new.external_id, new.family, new.birth_date, new.birth_order,
                           keyed_hash(pepper, number) if number else None, number)
    found = await children_store.existing(conn, fid, new.external_id)
    if found is not None:
        children.register_child(child, existing=found[1], revoked_on=None, filed=True, today=today,
                                registered_as=None, siblings=[])
        return await children_store.snapshot(conn, found[0]), False, []
    filed, revoked = await filed_and_revoked(conn, fid)
    children.register_child(child, existing=None, revoked_on=revoked, filed=filed, today=today,
                            registered_as=await children_store.registered_as(conn, fid, child.id_hash),
                            siblings=await children_store.siblings(conn, family_id))
    child_id = await children_store.insert(conn, fid, family_id, child)
    snapshot = await children_store.snapshot(conn, child_id)
    return snapshot, True, [snapshots.event("ChildRegistered", today, facility_key, child=snapshot)]


async def correct_child(conn: Conn, fid: int, facility_key: str, external_id: str, correction: ChildCorrection,
                        today: date) -> tuple[dict, Events]:
    """Correct a registered birth order or birth date: a `ChildCorrected` event with the new snapshot."""
    child_id = await existing_id(conn, "children", fid, external_id)
    family_id, birth_date, birth_order, first_start, id_on_file = await children_store.for_correction(conn, child_id)
    corrected = children.correction(external_id, birth_date, birth_order, correction.model_dump(exclude_unset=True),
                                    today=today, first_start=first_start, national_id_on_file=id_on_file,
                                    siblings=await children_store.siblings(conn, family_id, besides=child_id))
    if corrected is None:
        return await children_store.snapshot(conn, child_id), []
    await children_store.correct(conn, child_id, *corrected)
    snapshot = await children_store.snapshot(conn, child_id)
    return snapshot, [snapshots.event("ChildCorrected", today, facility_key, child=snapshot)]


# --- enrollments ---------------------------------------------------------------------------------------------------

async def enroll(conn: Conn, facility_key: str, request: NewEnrollment, today: date, topic: str
                 ) -> tuple[dict, bool]:
    """Enroll a child in one round trip besides BEGIN and COMMIT (`store.enrollments.attempt`: lock, read, write
    with its event), then check; a refusal raises, and the caller's transaction rolls the write back. Returns the
    snapshot and whether it was created (its event is in the outbox already)."""
    new = enrollments.Enrollment(request.external_id, request.child, request.class_, request.care.value,
                                 request.start, request.end, parse_cny(request.monthly_fee))
    snapshot = snapshots.enrollment_of(facility_key, new.external_id, new.child, new.class_, new.care,
                                       new.start, new.end, [(new.start, new.fee_fen)], FIRST_VERSION)
    event = snapshots.event("ChildEnrolled", new.start, facility_key, enrollment=snapshot)
    attempt = await enrollments_store.attempt(conn, facility_key, new, event, topic)
    if not enrollments.decide(new, attempt.facts, today):
        return attempt.existing, False
    if not attempt.written:  # the function writes whatever the checks can pass (its end on or after its start)
        raise RuntimeError(f"enrollment {new.external_id!r} passed the checks but was not written")
    return snapshot, True


async def withdraw(conn: Conn, fid: int, facility_key: str, external_id: str, withdrawal: Withdrawal
                   ) -> tuple[dict, Events]:
    """Set the last day of care; it may be in the past (a late event for billing)."""
    eid, start, end = await enrollments_store.locked(conn, fid, external_id)
    if not enrollments.withdrawal(start, end, withdrawal.end):
        return await enrollments_store.snapshot(conn, eid), []
    await enrollments_store.withdraw(conn, eid, withdrawal.end)
    snapshot = await enrollments_store.snapshot(conn, eid)
    return snapshot, [snapshots.event("ChildWithdrawn", withdrawal.end, facility_key, enrollment=snapshot)]


async def change_fee(conn: Conn, fid: int, facility_key: str, external_id: str, change: FeeChange, today: date
                     ) -> tuple[dict, Events]:
    """Change the monthly fee from a date; a second change for the same date corrects the first."""
    eid, start, end = await enrollments_store.locked(conn, fid, external_id)
    fee_fen = parse_cny(change.monthly_fee)
    if not enrollments.fee_change(start, end, change.effective_from,
                                  await enrollments_store.fee_from(conn, eid, change.effective_from), fee_fen, today):
        return await enrollments_store.snapshot(conn, eid), []
    await enrollments_store.set_fee(conn, eid, change.effective_from, fee_fen)
    snapshot = await enrollments_store.snapshot(conn, eid)
    return snapshot, [snapshots.event("FeeChanged", change.effective_from, facility_key, enrollment=snapshot)]
